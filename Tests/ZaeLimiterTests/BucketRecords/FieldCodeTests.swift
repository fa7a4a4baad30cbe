import Testing

@testable import ZaeLimiter

/// The field codes `classify` compares are the packed bytes of their names.
@Suite struct FieldCodeTests {
    @Test func literalsArePackedNames() {
        typealias Code = BucketRecordParser.FieldCode
        let expected: [(StaticString, UInt32)] = [
            ("tc", Code.tc), ("tk", Code.tk), ("soft", Code.soft), ("cp", Code.cp), ("ra", Code.ra), ("rp", Code.rp),
            ("ws", Code.ws), ("rsa", Code.rsa), ("wa", Code.wa), ("wtc", Code.wtc), ("gc", Code.gc), ("tu", Code.tu),
        ]
        for (name, code) in expected { #expect(Code.packed(name) == code, "\(name)") }
    }
}
