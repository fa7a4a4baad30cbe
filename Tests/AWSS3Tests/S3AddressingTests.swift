import AWSCore
import AWSS3
import Testing

/// Where requests go, and how S3's answers are classified.
@Suite struct S3AddressingTests {
    @Test func virtualHostedByDefault_pathStyleWhenTheBucketOrEndpointNeedsIt() {
        let aws = S3Addressing(region: "eu-west-1")
        #expect(
            aws.objectURL(bucket: "audit-archive", key: "audit/year=2026/a b.gz")
                == "https://audit-archive.s3.eu-west-1.amazonaws.com/audit/year%3D2026/a%20b.gz")
        #expect(
            aws.objectURL(bucket: "my.dotted.bucket", key: "k")
                == "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/k")
        #expect(aws.objectURL(bucket: "Upper", key: "k") == "https://s3.eu-west-1.amazonaws.com/Upper/k")
        #expect(aws.objectURL(bucket: "under_score", key: "k") == "https://s3.eu-west-1.amazonaws.com/under_score/k")
        #expect(aws.objectURL(bucket: "192.168.1.1", key: "k") == "https://s3.eu-west-1.amazonaws.com/192.168.1.1/k")
        #expect(aws.objectURL(bucket: "-bad", key: "k") == "https://s3.eu-west-1.amazonaws.com/-bad/k")
        #expect(S3Addressing(region: "cn-north-1").endpoint == "https://s3.cn-north-1.amazonaws.com.cn")
        let forced = S3Addressing(region: "us-east-1", forcePathStyle: true)
        #expect(forced.objectURL(bucket: "b-1", key: "k") == "https://s3.us-east-1.amazonaws.com/b-1/k")
        // Dots over plain HTTP can be virtual-hosted (no certificate to match).
        let plain = S3Addressing(region: "us-east-1", endpointOverride: "http://s3.internal:9000")
        #expect(plain.objectURL(bucket: "a.b", key: "k") == "http://a.b.s3.internal:9000/k")
        for endpoint in ["http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:5000"] {
            let local = S3Addressing(region: "us-east-1", endpointOverride: endpoint)
            #expect(local.objectURL(bucket: "b-1", key: "x/y") == "\(endpoint)/b-1/x/y")
        }
        // Dot-only segments are encoded so that libcurl sends the key that was signed.
        #expect(S3Addressing.encodeKey("a/./../b/.c/..d") == "a/%2E/%2E%2E/b/.c/..d")
    }

    static func response(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("x-amz-request-id", "RID")], body: Array(body.utf8))
    }

    static func xml(_ code: String) -> String {
        "<?xml version=\"1.0\"?><Error><Code>\(code)</Code><Message>m &amp; n</Message></Error>"
    }

    @Test func errorsAreClassifiedByTheirCode() {
        let cases: [(Int, String, AWSError.Kind, String)] = [
            (503, Self.xml("SlowDown"), .throttling, "SlowDown"),
            (500, Self.xml("InternalError"), .transient, "InternalError"),
            (503, Self.xml("ServiceUnavailable"), .transient, "ServiceUnavailable"),
            (400, Self.xml("RequestTimeout"), .transient, "RequestTimeout"),
            (400, Self.xml("ExpiredToken"), .credentials, "ExpiredToken"),
            (403, Self.xml("AccessDenied"), .fatal, "AccessDenied"),
            (404, Self.xml("NoSuchBucket"), .fatal, "NoSuchBucket"),
            (403, Self.xml("SignatureDoesNotMatch"), .fatal, "SignatureDoesNotMatch"),
            (429, "", .throttling, "HTTP429"),
            (502, "<html>Bad Gateway</html>", .transient, "HTTP502"),
            (403, "", .fatal, "HTTP403"),
        ]
        for (status, body, kind, code) in cases {
            let error = S3Error.classify(Self.response(status, body), operation: "PutObject")
            #expect(error?.kind == kind, "\(status) \(body)")
            #expect(error?.code == code)
            #expect(error?.requestID == "RID")
        }
        #expect(S3Error.classify(Self.response(403, Self.xml("AccessDenied")), operation: "P")?.message == "m & n")
        #expect(S3Error.classify(Self.response(200, ""), operation: "PutObject") == nil)
    }
}
