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
    }
}
