#!/usr/bin/env python3
"""Parse a Prometheus text-format (0.0.4) page read on stdin with prometheus-client's parser.

Prints the parsed families as JSON: [{"name", "type", "help", "samples": [{"name", "labels",
"value"}]}]. Non-finite values are printed as the strings "+Inf", "-Inf" and "NaN" so the output
stays valid JSON. Exits non-zero (with the parser's message on stderr) if the page does not parse.
"""

import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def encode_value(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return value


def main():
    text = sys.stdin.read()
    families = []
    for family in text_string_to_metric_families(text):
        families.append(
            {
                "name": family.name,
                "type": family.type,
                "help": family.documentation,
                "samples": [
                    {"name": s.name, "labels": dict(s.labels), "value": encode_value(s.value)}
                    for s in family.samples
                ],
            }
        )
    json.dump(families, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
