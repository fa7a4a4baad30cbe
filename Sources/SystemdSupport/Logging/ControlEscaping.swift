/// Makes control characters in log text visible, so that a log line stays one line and no
/// message (an AWS error quoting a response, a record key) can drive the reader's terminal.
///
/// Escaped: C0 controls (ESC, CR, LF, TAB, NUL…), DEL, C1 controls (U+0080–U+009F, which some
/// terminals read as CSI and friends) and the Unicode line and paragraph separators. LF, CR and
/// TAB become `\n`, `\r` and `\t`; every other one `\u{1B}` style (hexadecimal, upper case).
/// Everything else, other non-ASCII text included, passes through unchanged.
public enum ControlEscaping {
    /// Whether `scalar` is escaped.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
    }

    /// `text` with its control characters escaped, except those in `keeping` (the journal keeps
    /// LF and TAB, which it stores and shows safely); `text` itself when nothing needs escaping.
    public static func escaped(_ text: String, keeping: Set<Unicode.Scalar> = []) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && !keeping.contains($0) }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar), !keeping.contains(scalar) {
                out.append(contentsOf: escape(scalar).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// The visible form of one control character.
    public static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default: return "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        }
    }
}
