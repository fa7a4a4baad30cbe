/// Removes signed values from text that came back from a service, before anyone can log it.
///
/// AWS error messages may echo the request they reject: `InvalidSignatureException` quotes the
/// canonical request (`x-amz-security-token:…` on its own line) and services behind a proxy
/// may echo the `Authorization` header (`Credential=…, SignedHeaders=…, Signature=…`) or a
/// presigned URL (`X-Amz-Credential=…&X-Amz-Signature=…&X-Amz-Security-Token=…`). `AWSError`
/// passes its code, message and request id through `redacted(_:)` whenever they are set, so
/// no later reader (logs, status, spool, metric labels) ever holds the raw text.
///
/// Redacted, case-insensitively, wherever the name appears:
/// - the value after `x-amz-security-token`, `credential` (so `X-Amz-Credential` too),
///   `signature` (so `X-Amz-Signature`), `sessiontoken`, `secretaccesskey`,
///   `aws_session_token` and `aws_secret_access_key`, when the name is followed by `=` or `:`
///   (optionally after a closing quote, a JSON-escaped `\"`, or spaces);
/// - bare access key ids (`AKIA…`/`ASIA…` and 16 more capitals or digits).
///
/// A value starts after the separator, spaces and one optional opening quote, and runs up to
/// whitespace, a control character, a quote, `,` `;` `&` `<` `>` `)` `]` `}`, or a backslash
/// (the start of a JSON escape such as `\n`; `\/` is an escaped slash inside the value), or at
/// another name followed by its separator (whose value is then redacted in turn). The
/// value is replaced by `marker`; the name stays, so a reader still sees what was removed.
/// Applying it twice changes nothing more.
public enum Redaction {
    /// What replaces a removed value.
    public static let marker = "<redacted>"

    /// Names whose value is removed, lowercased ASCII.
    static let names: [[UInt8]] = [
        "x-amz-security-token", "credential", "signature", "sessiontoken", "secretaccesskey",
        "aws_session_token", "aws_secret_access_key",
    ].map { Array($0.utf8) }

    /// `text` with every signed value replaced by `marker`; `text` itself when nothing matched.
    public static func redacted(_ text: String) -> String {
        var bytes = Array(text.utf8)
        guard redact(&bytes) else { return text }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Redacts `bytes` in place; true when something was replaced.
    static func redact(_ bytes: inout [UInt8]) -> Bool {
        var out: [UInt8] = []
        var copied = 0  // bytes[..<copied] are already in `out`
        var changed = false
        var index = 0
        while index < bytes.count {
            var removed: Range<Int>? = nil
            if mayStartName(bytes[index]) { removed = namedValue(in: bytes, at: index) }
            if removed == nil, bytes[index] == UInt8(ascii: "A") {
                removed = accessKeyID(in: bytes, at: index)
            }
            guard let range = removed else {
                index += 1
                continue
            }
            out.append(contentsOf: bytes[copied..<range.lowerBound])
            out.append(contentsOf: marker.utf8)
            copied = range.upperBound
            index = range.upperBound
            changed = true
        }
        guard changed else { return false }
        out.append(contentsOf: bytes[copied...])
        bytes = out
        return true
    }

    /// The range of the value that follows a name starting at `start`, if one does.
    static func namedValue(in bytes: [UInt8], at start: Int) -> Range<Int>? {
        guard let valueStart = valueStart(afterNameAt: start, in: bytes) else { return nil }
        var index = valueStart
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") else { break }
                index += 2
                continue
            }
            // Another name with its separator ends the value, so that its own value is redacted
            // too rather than kept as the text after a swallowed name.
            if ends(byte)
                || (index > valueStart && mayStartName(byte) && self.valueStart(afterNameAt: index, in: bytes) != nil)
            {
                break
            }
            index += 1
        }
        return index > valueStart ? valueStart..<index : nil
    }

    /// Where the value starts when a name and its separator begin at `start`: after the name,
    /// an optional closing quote, `=` or `:`, blanks and an optional opening quote.
    static func valueStart(afterNameAt start: Int, in bytes: [UInt8]) -> Int? {
        guard let nameEnd = names.lazy.compactMap({ matchName($0, in: bytes, at: start) }).first else {
            return nil
        }
        let index = skipBlanks(in: bytes, at: skipQuote(in: bytes, at: nameEnd))
        guard index < bytes.count, bytes[index] == UInt8(ascii: "=") || bytes[index] == UInt8(ascii: ":") else {
            return nil
        }
        return skipQuote(in: bytes, at: skipBlanks(in: bytes, at: index + 1))
    }

    /// Whether a name may start with `byte` (their first letters, any case).
    static func mayStartName(_ byte: UInt8) -> Bool {
        let lowered = byte | 0x20
        return lowered == UInt8(ascii: "x") || lowered == UInt8(ascii: "c") || lowered == UInt8(ascii: "s")
            || lowered == UInt8(ascii: "a")
    }

    /// The end of `name` when `bytes` spell it (ignoring ASCII case) from `start`.
    static func matchName(_ name: [UInt8], in bytes: [UInt8], at start: Int) -> Int? {
        guard bytes.count - start >= name.count else { return nil }
        for offset in 0..<name.count {
            let byte = bytes[start + offset]
            let lowered = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            if lowered != name[offset] { return nil }
        }
        return start + name.count
    }

    /// A bare access key id (`AKIA`/`ASIA` plus 16 capitals or digits, not inside a longer word).
    static func accessKeyID(in bytes: [UInt8], at start: Int) -> Range<Int>? {
        let end = start + 20
        guard end <= bytes.count, start == 0 || !isWordByte(bytes[start - 1]),
            end == bytes.count || !isWordByte(bytes[end])
        else { return nil }
        let prefix = bytes[start..<start + 4]
        guard prefix.elementsEqual("AKIA".utf8) || prefix.elementsEqual("ASIA".utf8) else { return nil }
        let capitalsOrDigits = bytes[start + 4..<end].allSatisfy {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
        }
        return capitalsOrDigits ? start..<end : nil
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// Skips one quote: `"`, `'`, or a JSON-escaped `\"`.
    private static func skipQuote(in bytes: [UInt8], at index: Int) -> Int {
        guard index < bytes.count else { return index }
        if bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") { return index + 1 }
        if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
            return index + 2
        }
        return index
    }

    private static func skipBlanks(in bytes: [UInt8], at start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
        }
        return index
    }

    /// Whether `byte` ends a value.
    private static func ends(_ byte: UInt8) -> Bool {
        if byte <= 0x20 || byte == 0x7F { return true }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "&"),
            UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
            return true
        default:
            return false
        }
    }
}
