import Foundation
import TestPeers
import Testing

@testable import ZaeLimiter

/// Numbers and strings written as Python's `json.dumps` writes them, checked against Python on
/// generated inputs: DynamoDB number texts through `int()`/`float()`, doubles of every
/// magnitude (random bit patterns), and strings of random scalars (controls, DEL, astral).
@Suite struct PythonJSONOracleTests {
    static let script = #"""
        import json, sys
        out = []
        for kind, text in json.load(sys.stdin):
            if kind == "n":
                try:
                    value = int(text)
                except ValueError:
                    try:
                        value = float(text)
                    except ValueError:
                        out.append(None)
                        continue
                out.append(json.dumps(value))
            else:
                out.append(json.dumps(text, separators=(",", ":")))
        print(json.dumps(out))
        """#

    @Test func numbersAndStrings_matchPythonsJSONDumps() throws {
        try #require(Peers.available, "the Python venv is required (ZAEL_VENV)")
        let seed: UInt64 = 0x0A0D_17_2026
        print("PythonJSONOracleTests seed \(seed)")
        var rng = SeededRandom(seed: seed)
        var inputs: [(String, String)] = []
        let fixed = [
            "0", "-0", "007", "+5", "1_000", "1__0", "_1", " 12 ", "1.0", "1.", ".5", "-.5e-3", "1e16", "1e15",
            "1E+3", "0.0001", "0.00001", "123456789012345678901234567890", "1e400", "-1e400", "inf", "-Infinity",
            "nan", "NaN", "abc", "", "0x10", "1e", "1.5e+", "5e-324", "2.5e-324", "1.7976931348623157e308",
            "9007199254740993", "0.30000000000000004", "1_0.5_0", "1.5_", "\t7\n", "1e1_0",
        ]
        inputs += fixed.map { ("n", $0) }
        for _ in 0..<1500 {
            let value = Double(bitPattern: rng.next())
            guard value.isFinite else { continue }
            inputs.append(("n", "\(value)"))
        }
        for _ in 0..<300 {
            let digits = (0..<Int.random(in: 1...17, using: &rng)).map { _ in String(Int.random(in: 0...9, using: &rng))
            }
            inputs.append(
                (
                    "n",
                    "\(digits.joined()).\(Int.random(in: 0...999, using: &rng))e\(Int.random(in: -330...310, using: &rng))"
                ))
        }
        let pool: [ClosedRange<UInt32>] = [
            0x00...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF,
        ]
        for _ in 0..<400 {
            var text = ""
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                let range = pool.randomElement(using: &rng)!
                if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &rng)) {
                    text.unicodeScalars.append(scalar)
                }
            }
            inputs.append(("s", text))
        }
        let payload = try JSONSerialization.data(withJSONObject: inputs.map { [$0.0, $0.1] })
        let output = try Peers.runPython(["-c", Self.script], stdin: payload)
        let expected = try #require(try JSONSerialization.jsonObject(with: output) as? [Any])
        try #require(expected.count == inputs.count)
        var mismatches = 0
        for ((kind, text), python) in zip(inputs, expected) {
            let ours: String?
            if kind == "n" {
                ours = PythonNumber(text)?.jsonText
            } else {
                var writer = PythonJSONWriter()
                writer.string(text)
                ours = String(decoding: writer.bytes, as: UTF8.self)
            }
            let theirs = python as? String
            if ours != theirs {
                mismatches += 1
                if mismatches < 20 {
                    Issue.record("\(kind) \(text.debugDescription): ours \(ours ?? "nil"), Python \(theirs ?? "nil")")
                }
            }
        }
        #expect(mismatches == 0)
    }
}
