/// Renders metric families in the Prometheus text exposition format, version 0.0.4.
///
/// Per family: `# HELP` (if known), `# TYPE`, then one line per sample. Histograms expand into
/// cumulative `_bucket{le="…"}` samples ending with `le="+Inf"`, then `_sum` and `_count`.
/// Label values escape `\`, `"` and newline; HELP text escapes `\` and newline.
public enum PrometheusTextRenderer {
    /// The Content-Type of the page.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ families: [MetricFamilySnapshot]) -> String {
        var out = ""
        for family in families where !family.series.isEmpty {
            if let help = family.help {
                out += "# HELP \(family.name) \(escapeHelp(help))\n"
            }
            out += "# TYPE \(family.name) \(family.type.rawValue)\n"
            for series in family.series {
                switch series.value {
                case .counter(let integer, let fraction):
                    let value = fraction == 0 ? String(integer) : format(Double(integer) + fraction)
                    out += sample(family.name, series.labels, value)
                case .gauge(let value):
                    out += sample(family.name, series.labels, format(value))
                case .histogram(let histogram):
                    for bucket in histogram.buckets {
                        let labels = series.labels + [MetricLabel("le", format(bucket.upperBound))]
                        out += sample(family.name + "_bucket", labels, String(bucket.cumulativeCount))
                    }
                    let inf = series.labels + [MetricLabel("le", "+Inf")]
                    out += sample(family.name + "_bucket", inf, String(histogram.count))
                    out += sample(family.name + "_sum", series.labels, format(histogram.sum))
                    out += sample(family.name + "_count", series.labels, String(histogram.count))
                }
            }
        }
        return out
    }

    private static func sample(_ name: String, _ labels: [MetricLabel], _ value: String) -> String {
        guard !labels.isEmpty else { return "\(name) \(value)\n" }
        let rendered = labels.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",")
        return "\(name){\(rendered)} \(value)\n"
    }

    /// A float as Prometheus writes it: integers without a fraction, `+Inf`, `-Inf`, `NaN`.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)  // shortest round-trip form, e.g. 0.005 or 1.5e-07
    }

    static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    static func escapeHelp(_ value: String) -> String {
        var out = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
