import Foundation
import TestPeers
import Testing

@testable import AWSCore

/// Signs a few hundred generated requests with `SigV4Signer` and with botocore's `SigV4Auth`
/// (Tests/peers/sigv4_oracle.py) and requires identical `Authorization` headers.
@Suite struct SigningOracleTests {
    @Test func generatedRequests_matchBotocoreByteForByte() throws {
        #expect(Peers.available, "the Python venv with botocore is required (ZAEL_VENV)")
        var generator = SigningCaseGenerator(seed: 0x5EED_0F_516_4)
        let cases = (0..<240).map { _ in generator.next() }
        let input = try JSONSerialization.data(withJSONObject: ["cases": cases.map(\.oracleJSON)])
        let output = try Peers.runPython([Peers.script("sigv4_oracle.py").path], stdin: input)
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        try #require(lines.count == cases.count)

        var mismatches = 0
        for (testCase, line) in zip(cases, lines) {
            let oracle = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
            var request = testCase.request
            let details = testCase.signer.sign(&request, credentials: testCase.credentials, date: testCase.date)
            #expect(request.header("x-amz-date") == oracle["x_amz_date"])
            if request.header("authorization") != oracle["authorization"] {
                mismatches += 1
                Issue.record(
                    """
                    \(testCase.request.method) \(testCase.request.url)
                    ours:     \(details.canonicalRequest.debugDescription)
                    botocore: \(oracle["canonical_request"].debugDescription)
                    """)
            }
        }
        #expect(mismatches == 0)
        // The generator must really exercise the hard parts, or matching proves little.
        #expect(cases.filter { $0.request.url.contains("%") }.count > 50)
        #expect(cases.filter { $0.credentials.sessionToken != nil }.count > 50)
        #expect(cases.filter { $0.usesBotocoreParams }.count > 50)
    }
}

/// One generated request plus how each side is given it.
struct SigningCase {
    var request: HTTPRequest
    var credentials: Credentials
    var date: Date
    var signer: SigV4Signer
    /// Decoded query pairs for botocore's `params`; nil when botocore reads the query from the URL.
    var params: [(String, String)]?
    /// The URL botocore gets (without the query when `params` carries it).
    var oracleURL: String

    var usesBotocoreParams: Bool { params != nil }

    var oracleJSON: [String: Any] {
        [
            "method": request.method, "url": oracleURL,
            "params": params.map { $0.map { [$0.0, $0.1] } } ?? NSNull(),
            "headers": request.headers.map { [$0.name, $0.value] },
            "body_hex": Digest.hex(request.body),
            "access_key": credentials.accessKeyID, "secret_key": credentials.secretAccessKey,
            "token": credentials.sessionToken ?? NSNull(),
            "region": signer.region, "service": signer.service,
            "timestamp": Int(date.timeIntervalSince1970), "content_sha256": signer.addsContentSHA256Header,
        ]
    }
}

/// Builds requests full of what SigV4 canonicalisation gets wrong: spaces, unicode, reserved
/// characters and dot segments in paths; repeated, empty and prefix-sharing query keys;
/// mixed-case names and whitespace runs in headers; session tokens and bodies.
struct SigningCaseGenerator {
    var rng: SeededRandom
    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    static let hosts = [
        ("https", "dynamodb.us-east-1.amazonaws.com"), ("https", "streams.dynamodb.eu-west-1.amazonaws.com"),
        ("http", "127.0.0.1:8000"), ("https", "Example.AmazonAWS.com:443"), ("http", "localhost:80"),
        ("https", "[::1]:8443"),
    ]
    static let segments = [
        "a", "Docs", "b c", "ü", "日本語", "~user", "!$&'()*+,;=:@", "x%y", "a/b", "é e", "-._~", "?#", "%20", "",
        ".", "..",
    ]
    static let queryKeys = ["a", "a-b", "A", "b", "key", "ü", "x y", "", "k=v", "k&v", "Action", "~t", "+"]
    static let queryValues = ["", "1", "Z", "z", "a b", "a+b", "=", "&", "/", "ü", "%", "~-._", "*!", "日"]
    static let headerNames = [
        "X-Amz-Target", "Content-Type", "content-type", "My-Header", "x-custom", "X-CUSTOM", "User-Agent",
        "X-Amzn-Trace-Id", "Accept", "Content-Length", "Expect", "X-Amz-Meta-Data",
    ]
    static let headerValues = [
        "DynamoDB_20120810.GetRecords", "  padded  ", "a   b\tc", "", "application/x-amz-json-1.0",
        "\"quoted   value\"", "UPPER lower", "v1,v2", "  ", "100-continue", "semi;colon",
    ]
    static let regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"]
    static let services = ["dynamodb", "streams.dynamodb", "sts", "service"]
    static let methods = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "post"]

    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    mutating func next() -> SigningCase {
        let (scheme, host) = pick(Self.hosts)
        let path = nextPath()
        let pairs = (0..<Int.random(in: 0...5, using: &rng)).map { _ in (pick(Self.queryKeys), pick(Self.queryValues)) }
        // Either hand botocore the decoded pairs (it encodes them) with a wire query in any
        // valid spelling, or hand it the strictly encoded wire query to read as is.
        let viaParams = !pairs.isEmpty && chance(60)
        let lenient = viaParams && chance(50)
        let query = pairs.map { key, value in
            let encodedKey = Self.encode(key, lenient: lenient)
            if value.isEmpty, chance(30) { return encodedKey }  // `key` with no `=`
            return encodedKey + "=" + Self.encode(value, lenient: lenient)
        }.joined(separator: "&")
        let base = "\(scheme)://\(host)\(path)"
        let url = pairs.isEmpty ? base : base + "?" + query

        var headers: [(name: String, value: String)] = []
        if chance(30) { headers.append(("Host", host.lowercased())) }
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            headers.append((pick(Self.headerNames), pick(Self.headerValues)))
        }
        var body: [UInt8] = []
        if chance(60) {
            body = Array("{\"TableName\":\"t-\(Int.random(in: 0...99999, using: &rng))\",\"ü\":\"日本\"}".utf8)
        }
        let token =
            chance(40) ? "IQoJb3JpZ2luX2VjE" + String(Int.random(in: 0...Int(Int32.max), using: &rng)) + "+/=" : nil
        let credentials = Credentials(
            accessKeyID: "AKIA" + String(Int.random(in: 100_000...999_999, using: &rng)),
            secretAccessKey: "s3cr3t/" + String(UInt64.random(in: 0...UInt64.max, using: &rng), radix: 36),
            sessionToken: token, source: "test")
        let date = Date(timeIntervalSince1970: Double(Int.random(in: 1_300_000_000...2_000_000_000, using: &rng)))
        let signer = SigV4Signer(
            service: pick(Self.services), region: pick(Self.regions), addsContentSHA256Header: chance(20))
        return SigningCase(
            request: HTTPRequest(method: pick(Self.methods), url: url, headers: headers, body: body),
            credentials: credentials, date: date, signer: signer,
            params: viaParams ? pairs : nil, oracleURL: viaParams ? base : url)
    }

    /// A wire path: segments percent-encoded (or, sometimes, unicode left raw), with dot
    /// segments, doubled slashes and trailing slashes mixed in.
    mutating func nextPath() -> String {
        if chance(8) { return "" }
        var path = ""
        for _ in 0..<Int.random(in: 1...5, using: &rng) {
            let segment = pick(Self.segments)
            let spelled: String
            if segment == "." || segment == ".." || segment == "%20" {
                spelled = segment
            } else if chance(15) && !segment.contains(where: { "?#% ".contains($0) }) {
                spelled = segment.replacingOccurrences(of: "/", with: "%2F")  // raw unicode on the wire
            } else {
                spelled = Self.encode(segment, lenient: chance(50))
            }
            path += "/" + spelled
        }
        if chance(30) { path += "/" }
        return path
    }

    /// Percent-encodes `text`; `lenient` leaves sub-delimiters raw and uses lowercase hex, both
    /// valid on the wire but different from the canonical spelling.
    static func encode(_ text: String, lenient: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if scalar.properties.isASCIIHexDigit || ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar)
                || "-._~".unicodeScalars.contains(scalar)
                || (lenient && "!*'(),;:@$".unicodeScalars.contains(scalar))
            {
                out.unicodeScalars.append(scalar)
            } else {
                let hex = String(byte, radix: 16, uppercase: !lenient)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
