import AWSCore

/// A transport that answers every request at once, as DynamoDB would when nothing conflicts,
/// without a socket: the client's whole path (request JSON, SigV4 signing, response parsing)
/// runs, the network does not. Counts the requests per operation.
final class AnsweringTransport: HTTPTransport {
    private(set) var requests: [String: Int] = [:]

    func send(_ request: HTTPRequest, operation: String) throws -> HTTPResponse {
        requests[operation, default: 0] += 1
        // Query answers an empty page; every other call an empty object (no item, no attributes).
        let body = operation == "Query" ? #"{"Count":0,"Items":[],"ScannedCount":0}"# : "{}"
        return HTTPResponse(
            status: 200, headers: [(name: "content-type", value: "application/x-amz-json-1.0")], body: Array(body.utf8))
    }
}
