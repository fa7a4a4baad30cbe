import AWSCore
import Foundation

/// Measures `SigV4Signer.sign` on a DynamoDB-shaped request (POST /, JSON body, x-amz-target,
/// session token): the per-call signing cost every AWS request pays.
enum SigningBenchmark {
    static func run(arguments: [String]) throws {
        let iterations = arguments.first.flatMap(Int.init) ?? 200_000
        let signer = SigV4Signer(service: "dynamodb", region: "eu-west-1")
        let credentials = Credentials(
            accessKeyID: "ASIAEXAMPLEEXAMPLE01", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            sessionToken: String(repeating: "IQoJb3JpZ2luX2VjE", count: 40), source: "benchmark")
        let body = Array(
            #"{"ShardIterator":"arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/2026|1|AAAA","Limit":1000}"#.utf8
        )
        let template = HTTPRequest(
            method: "POST", url: "https://streams.dynamodb.eu-west-1.amazonaws.com/",
            headers: [
                ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDBStreams_20120810.GetRecords"),
            ], body: body)
        let date = Date()
        var sink = 0
        for _ in 0..<min(iterations, 10_000) {  // warm-up
            var request = template
            signer.sign(&request, credentials: credentials, date: date)
            sink &+= request.headers.count
        }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations {
            var request = template
            signer.sign(&request, credentials: credentials, date: date)
            sink &+= request.headers.count
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print(
            String(
                format: "signing: %d requests in %.3f s = %.2f µs/request (%.0f/s) [sink %d]", iterations, elapsed,
                elapsed / Double(iterations) * 1e6, Double(iterations) / elapsed, sink))
        compareDigests(iterations: iterations, body: body)
    }

    /// The digests of one signature (SHA-256 of the body and of a ~500-byte canonical request,
    /// one HMAC of the string to sign), by OpenSSL's per-call lookups (`Digest.reference…`, what
    /// signing used before issue 14) and by `Digest`'s fetched-once SHA-256, in the same run.
    static func compareDigests(iterations: Int, body: [UInt8]) {
        let canonical = [UInt8](repeating: UInt8(ascii: "c"), count: 500)
        let stringToSign = [UInt8](repeating: UInt8(ascii: "s"), count: 150)
        let key = [UInt8](repeating: 7, count: 32)
        var sink: UInt8 = 0
        func time(_ digests: () -> UInt8) -> Double {
            for _ in 0..<min(iterations, 10_000) { sink &+= digests() }
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<iterations { sink &+= digests() }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(iterations)
        }
        let reference = time {
            Digest.referenceSHA256(body)[0] &+ Digest.referenceSHA256(canonical)[0]
                &+ Digest.referenceHMACSHA256(key: key, data: stringToSign)[0]
        }
        let fetched = time {
            Digest.sha256(body)[0] &+ Digest.sha256(canonical)[0] &+ Digest.hmacSHA256(key: key, data: stringToSign)[0]
        }
        print(
            String(
                format:
                    "digests of one signature: OpenSSL per-call lookup %.2f µs, fetched once %.2f µs: %.1f× faster [sink %d]",
                reference, fetched, reference / fetched, sink))
    }
}
