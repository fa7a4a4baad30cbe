import Foundation
import Testing

@testable import AWSCore

/// The published SigV4 test suite, signed by `SigV4Signer` and compared byte for byte.
@Suite struct SigningSuiteTests {
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    static func credentials(token: String?) -> Credentials {
        Credentials(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            sessionToken: token, source: "test")
    }

    @Test(arguments: SigningSuiteVector.all)
    func suiteVector_matchesPublishedAuthorization(_ vector: SigningSuiteVector) {
        let signer = SigV4Signer(service: "service", region: "us-east-1", addsContentSHA256Header: vector.signsBody)
        var request = HTTPRequest(
            method: vector.method, url: "https://example.amazonaws.com" + vector.target,
            headers: vector.headers.map { (name: $0.0, value: $0.1) }, body: Array(vector.body.utf8))
        let details = signer.sign(&request, credentials: Self.credentials(token: vector.sessionToken), date: Self.date)
        #expect(request.header("authorization") == vector.authorization)
        #expect(details.authorization == vector.authorization)
        if let canonical = vector.canonicalRequest {
            #expect(details.canonicalRequest == canonical)
        }
        #expect(request.header("x-amz-date") == "20150830T123600Z")
        #expect(request.header("x-amz-security-token") == vector.sessionToken)
    }

    @Test func timestamp_formatsUTCWithLeadingZeros() {
        #expect(SigV4Signer.timestamp(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
        #expect(SigV4Signer.timestamp(Date(timeIntervalSince1970: 1_709_251_199.9)) == "20240229T235959Z")
    }

    @Test func resigning_replacesDateTokenAndAuthorization() {
        let signer = SigV4Signer(service: "dynamodb", region: "eu-west-1")
        var request = HTTPRequest(
            method: "POST", url: "https://dynamodb.eu-west-1.amazonaws.com/", body: Array("{}".utf8))
        signer.sign(&request, credentials: Self.credentials(token: "t1"), date: Self.date)
        let first = request.header("authorization")
        signer.sign(&request, credentials: Self.credentials(token: nil), date: Self.date.addingTimeInterval(60))
        let names = request.headers.map { $0.name.lowercased() }
        #expect(names.filter { $0 == "authorization" }.count == 1)
        #expect(names.filter { $0 == "x-amz-date" }.count == 1)
        #expect(names.filter { $0 == "host" }.count == 1)
        #expect(!names.contains("x-amz-security-token"))
        #expect(request.header("authorization") != first)
        #expect(request.header("x-amz-date") == "20150830T123700Z")
    }

    @Test func hostHeader_dropsDefaultPortAndUserInfoAndLowercases() {
        #expect(SigningURL("https://u:p@Example.COM:443/x").hostHeader == "example.com")
        #expect(SigningURL("http://127.0.0.1:8000/").hostHeader == "127.0.0.1:8000")
        #expect(SigningURL("http://[::1]:80/").hostHeader == "[::1]")
        #expect(SigningURL("https://[::1]:8443?q").hostHeader == "[::1]:8443")
    }

    @Test func canonicalQuery_reencodesAndSortsByKeyThenValue() {
        // "a" sorts before "a-b" when comparing keys, although "a=" sorts after "a-b=" as text.
        let query = SigV4Signer.canonicalQuery("a-b=1&a=z&a=%2f&b&c=%zz&d=x+y")
        #expect(String(decoding: query, as: UTF8.self) == "a=%2F&a=z&a-b=1&b=&c=%25zz&d=x%2By")
    }

    @Test func canonicalURI_removesDotSegmentsAndDoubleEncodes() {
        #expect(String(decoding: SigV4Signer.canonicalURI("/a/./b/../c//d%20e/"), as: UTF8.self) == "/a/c/d%2520e/")
        #expect(String(decoding: SigV4Signer.canonicalURI(""), as: UTF8.self) == "/")
        #expect(String(decoding: SigV4Signer.canonicalURI("/.."), as: UTF8.self) == "/")
    }

    @Test func cachedURLParts_followTheURLAndThePathRule() {
        // One signer signs URL after URL, and a copy that signs the wire path as is shares its
        // cache: each signature must equal that of a fresh signer.
        let urls = [
            "https://example.amazonaws.com/a//./b/../c%20d?x=1&a=2", "https://EXAMPLE.amazonaws.com:443/",
            "https://example.amazonaws.com/a//./b/../c%20d?x=1&a=2", "http://127.0.0.1:8000/p?q",
        ]
        var shared = SigV4Signer(service: "service", region: "us-east-1")
        // Each URL three times in a row, the path rule flipped each time, then the list again.
        let calls = (urls + urls).flatMap { url in [(url, true), (url, false), (url, true)] }
        for (url, normalizesPath) in calls {
            shared.normalizesPath = normalizesPath
            var fresh = SigV4Signer(service: "service", region: "us-east-1")
            fresh.normalizesPath = shared.normalizesPath
            var viaShared = HTTPRequest(method: "GET", url: url)
            var viaFresh = viaShared
            let sharedDetails = shared.sign(&viaShared, credentials: Self.credentials(token: nil), date: Self.date)
            let freshDetails = fresh.sign(&viaFresh, credentials: Self.credentials(token: nil), date: Self.date)
            #expect(sharedDetails.canonicalRequest == freshDetails.canonicalRequest, "\(url)")
            #expect(viaShared == viaFresh, "\(url)")
        }
    }

    @Test func digest_hexMatchesKnownSHA256() {
        #expect(
            Digest.hex(Digest.sha256([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // RFC 4231 test case 2.
        let mac = Digest.hmacSHA256(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))
        #expect(Digest.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}
