#!/usr/bin/env python3
"""Seeded vectors from zae-limiter 0.17.0's own schedule functions (the oracle for the Swift port).

  zl_schedule_vectors.py --seed N --count N

Each case is one (schedule, reset schedule, time zone, instant) quadruple: a compact `sched`
string and a compact `rsched` string (either may be empty) as a bucket item stores them, the
item's `sched_tz`, and an instant in epoch milliseconds. For every case it prints one JSON line
with what the real `zae_limiter.schedule` returns:

  decode / decode_reset      "ok", or the exception class name ("ValueError", ...)
  params                     effective_params for each base triple in BASES (when decode is ok)
  active                     index of the first matching entry (matches, first match wins)
  prev / next                prev_reset_edge / next_reset_edge (when decode_reset is ok);
                             prev is "stalled" where the library loops forever (see Stalled)
  boundary                   next_boundary(sched, reset, now_ms=...) (a quarter of the cases
                             where both are non-empty and decode)
  boundary_sched             next_boundary(sched, (), now_ms=...)
  boundary_reset             next_boundary((), reset, now_ms=...) (reset non-empty)

Integers are written as strings (they may exceed 64 bits); null is Python's None.

What is covered: scale (`s`) and absolute (`c`/`a`/`p`) entries; cron fields with numbers,
ranges, lists, steps and month/weekday names (upper and lower case, including names that
collide with tag letters); several zones, among them DST-changing ones (America/New_York,
Europe/Berlin, Australia/Lord_Howe's half-hour shift, Europe/Dublin's negative DST,
Antarctica/Troll's two-hour shift); instants spread over 2000-2045 and clustered around the
zone's DST transitions and local midnights; malformed schedules (bad version markers, unknown
tags, duplicate tags, L/W/# tokens, out-of-range values, int() edge cases such as underscores,
signs, whitespace and non-ASCII digits) and bad zone keys.
"""

import argparse
import json
import random
import signal
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from zae_limiter import schedule as zs

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Europe/Dublin",
    "Antarctica/Troll",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/St_Johns",
    "Australia/Adelaide",
    "Europe/London",
    "America/Los_Angeles",
    "Pacific/Auckland",
    "America/Santiago",
    "Asia/Tehran",
    "Etc/GMT-14",
]
BAD_ZONES = ["", "Mars/Olympus", "America", "utc", "../UTC", "/usr/share/zoneinfo/UTC", "America/New_York/", "PST"]

# (cp, ra, rp) bases in milli-units / ms: ordinary, a quota (ra = 0), tiny, and one past 64 bits.
BASES = [(10_000_000, 1_000_000, 60_000), (5_000, 0, 1_000), (7, 3, 1_000), (123_456_789_012_345_678_901, 9_876_543, 1_000)]

MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
DAYS = "SUN MON TUE WED THU FRI SAT".split()


def number(rng, low, high):
    return str(rng.randint(low, high))


def atom(rng, tag, low, high):
    """One cron list item for field `tag` with valid range low..high."""
    roll = rng.random()
    names = MONTHS if tag == "M" else DAYS if tag == "w" else None
    if names and roll < 0.25:
        # Most names collide with a tag letter (MON, MAR, WED, DEC; lower case: s, a, c, m):
        # those are refused, so they are drawn rarely.
        safe = [n for n in names if not set(n) & set("mhDMwscap")]
        name = rng.choice(names if rng.random() < 0.15 else safe)
        if rng.random() < 0.1:
            name = name.lower()
        if rng.random() < 0.3:
            index = names.index(name.upper())
            return f"{name}-{rng.choice([n for n in safe if names.index(n) >= index] or [name])}"
        return name
    if roll < 0.45:
        return number(rng, low, high)
    if roll < 0.7:
        a = rng.randint(low, high)
        b = rng.randint(a, min(high, a + rng.randint(0, high - low)))
        text = f"{a}-{b}"
        if rng.random() < 0.3:
            text += f"/{rng.randint(1, 5)}"
        return text
    if roll < 0.85:
        return f"*/{rng.randint(1 if rng.random() < 0.05 else 2, max(2, (high - low) // 2))}"
    return f"{rng.randint(low, high)}/{rng.randint(1, 20)}"


FIELDS = {"m": (0, 59), "h": (0, 23), "D": (1, 31), "M": (1, 12), "w": (0, 7)}
BROKEN_FIELD_VALUES = [
    "60", "24", "0", "32", "13", "8", "5L", "L", "LW", "1#2", "FRI#1", "5-3", "*/0", "1/2/3", "1--3",
    "", ",", "1,", "**", "1 2", "MON-SUN", "SUN-THU", "7/2", "sun/2", "x", "1_0", "٣", "ſun", "FRı",
    "30", "31", "29",
]


def cron_entry(rng, dense):
    """Tagged cron fields for one entry; `dense` favours patterns that change often."""
    out = []
    for tag, (low, high) in FIELDS.items():
        # Day and month fields on a minute-level pattern make `_next_param_change` walk up to
        # its 7-day cap minute by minute; they stay in, but rarer there.
        if dense:
            p = {"m": 0.45, "h": 0.3, "D": 0.04, "M": 0.03, "w": 0.08}[tag]
        else:
            p = {"m": 0.35, "h": 0.5, "D": 0.2, "M": 0.15, "w": 0.25}[tag]
        if rng.random() >= p:
            continue
        if rng.random() < 0.015:
            value = rng.choice(BROKEN_FIELD_VALUES)
        else:
            value = ",".join(atom(rng, tag, low, high) for _ in range(rng.choice([1, 1, 1, 2, 3])))
        out.append(tag + value)
    if not out and rng.random() > 0.03:
        # An all-wildcard entry matches every minute: it shadows what follows, and a parameter
        # scan from it walks its whole 7-day cap. Kept, but rare.
        return cron_entry(rng, dense)
    return "".join(out)


def int_text(rng, value):
    """How an integer may be spelled in storage, mostly plainly, sometimes oddly."""
    roll = rng.random()
    if roll < 0.96:
        return str(value)
    return rng.choice([
        f"+{value}", f"0{value}", f" {value}", f"{value}\t", "_".join(str(value)), f"{value}_",
        str(value).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")), f"-{value}", "", f"{value}.0",
        f"1{'0' * rng.choice([20, 320, 4400])}",
    ])


def modifier(rng):
    roll = rng.random()
    if roll < 0.55:
        per_mille = rng.choice([rng.randint(1, 3000)] * 6 + [rng.randint(1, 10), rng.randint(1, 10**9), 10**9, 10**9 + 1, 0])
        return "s" + int_text(rng, per_mille)
    if roll < 0.97:
        text = ""
        while not text or rng.random() < 0.01:
            for tag, bound in (("c", 10**15), ("a", 10**15), ("p", 10**9)):
                if rng.random() < 0.5:
                    value = rng.choice([rng.randint(1, 5000)] * 5 + [rng.randint(1, bound), bound, bound + 1])
                    text += tag + int_text(rng, value)
            if rng.random() < 0.01:
                break  # no modifier at all: refused
        return text
    return "s500c10"  # both kinds: refused


def compact(rng, reset):
    entries = []
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        cron = cron_entry(rng, dense=not reset)
        if reset:
            if rng.random() < 0.8 and "m" not in cron:
                cron = "m" + number(rng, 0, 59) + cron  # a reset usually pins its minute
            entries.append(cron + (modifier(rng) if rng.random() < 0.03 else ""))
        else:
            entries.append(cron + modifier(rng))
    body = ";".join(entries)
    roll = rng.random()
    if roll < 0.94:
        marker = "1"
    else:
        marker = rng.choice(["", "01", "2", "0", "1;", "x1"])
    if rng.random() < 0.02:
        body = rng.choice(["", "m5D31M2", "m0h0;", "mm5", "m5m6", "q1", "m5;;h3s10", "m\u00a05"])
    return marker + body


def transitions(zone, year):
    """UTC instants (s) of the zone's offset changes in `year`, found by bisecting the offset."""
    start = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    step = 4 * 86400
    out = []

    def offset(t):
        return datetime.fromtimestamp(t, zone).utcoffset()

    t = start
    while t < start + 366 * 86400:
        if offset(t) != offset(t + step):
            lo, hi = t, t + step
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(mid) == offset(lo):
                    lo = mid
                else:
                    hi = mid
            out.append(hi)
        t += step
    return out


def instant(rng, tz_key, transition_cache):
    roll = rng.random()
    if roll < 0.45 and tz_key in ZONES and tz_key != "UTC":
        year = rng.randint(2000, 2045)
        key = (tz_key, year)
        if key not in transition_cache:
            transition_cache[key] = transitions(ZoneInfo(tz_key), year)
        if transition_cache[key]:
            base = rng.choice(transition_cache[key]) * 1000
            return base + rng.choice([0, 1, -1, 60_000, -60_000]) * rng.randint(0, 1) + rng.randint(-2 * 86_400_000, 2 * 86_400_000) * (rng.random() < 0.7) + rng.randint(-90, 90) * 60_000
    if roll < 0.6:
        # near a local midnight or hour
        day = datetime(rng.randint(2000, 2045), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), tzinfo=UTC)
        return int(day.timestamp() * 1000) + rng.randint(-3, 3) * 60_000 + rng.randint(0, 59_999)
    return rng.randint(946_684_800_000, 2_366_755_200_000)


def outcome(fn):
    try:
        return "ok", fn()
    except Exception as exc:  # the class name is the comparison
        return type(exc).__name__, None


class Stalled(Exception):
    """prev_reset_edge ran past its CPU budget: zae-limiter 0.17.0's `_latest_where` can loop
    forever (a skipped block whose local start does not move `hi`, at DST gaps in zones such as
    Pacific/Chatham). A correct call costs milliseconds; the budget is two CPU seconds."""


def _stall(signum, frame):
    raise Stalled()


def bounded(fn):
    signal.signal(signal.SIGPROF, _stall)
    signal.setitimer(signal.ITIMER_PROF, 2.0)
    try:
        return fn()
    except Stalled:
        return "stalled"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def text_int(value):
    return None if value is None else str(value)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cache = {}
    for _ in range(args.count):
        tz = rng.choice(ZONES) if rng.random() > 0.03 else rng.choice(BAD_ZONES)
        sched_text = compact(rng, reset=False) if rng.random() < 0.75 else ""
        reset_text = compact(rng, reset=True) if rng.random() < 0.45 or not sched_text else ""
        now = instant(rng, tz, cache)
        # The combined boundary repeats both scans; a quarter of the eligible cases check it.
        check_both = rng.random() < 0.25
        case = {"sched": sched_text, "rsched": reset_text, "tz": tz, "now": str(now)}
        status, sched = outcome(lambda: zs.decode(sched_text, tz))
        case["decode"] = status
        rstatus, reset = outcome(lambda: zs.decode_reset(reset_text, tz))
        case["decode_reset"] = rstatus
        if status == "ok":
            case["params"] = [[str(v) for v in zs.effective_params(cp, ra, rp, sched, now)] for cp, ra, rp in BASES]
            parsed = [zs.parse_cron(e.cron, e.tz) for e in sched]
            case["active"] = zs._active_index(parsed, now) if parsed else None
            case["boundary_sched"] = text_int(zs.next_boundary(sched, (), now_ms=now))
        if reset_text and rstatus == "ok":
            case["boundary_reset"] = text_int(zs.next_boundary((), reset, now_ms=now))
        if rstatus == "ok":
            case["prev"] = text_int(bounded(lambda: zs.prev_reset_edge(reset, now)))
            case["next"] = text_int(zs.next_reset_edge(reset, now_ms=now))
        if check_both and sched_text and reset_text and status == "ok" and rstatus == "ok":
            case["boundary"] = text_int(zs.next_boundary(sched, reset, now_ms=now))
        sys.stdout.write(json.dumps(case, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
