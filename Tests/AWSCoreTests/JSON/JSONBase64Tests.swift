import Foundation
import TestPeers
import Testing

@testable import AWSCore

@Suite struct JSONBase64Tests {
    @Test func matchesFoundationOnRandomBytes() {
        var generator = SeededRandom.announced(#function)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let ours = Base64.encode(bytes)
            #expect(ours == Data(bytes).base64EncodedString())
            #expect(Base64.decode(ours) == bytes)
        }
    }

    @Test func rejectsWhatIsNotStrictPaddedBase64() {
        for text in ["A", "AB", "ABC", "AB=C", "A===", "====", "AB==AB==", "AB C", "AB\nC", "ABC-", "ABC_", "ABC=="] {
            #expect(Base64.decode(text) == nil, "accepted \(text)")
        }
        #expect(Base64.decode("") == [])
        #expect(Base64.decode("AA==") == [0])
        #expect(Base64.decode("AAA=") == [0, 0])
    }
}
