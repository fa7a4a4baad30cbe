import AWSS3

/// Where archive objects go. `S3AuditArchiveStore` is the real one; the duty's tests may use
/// their own.
public protocol AuditArchiveStore: AnyObject {
    /// Writes (or replaces) object `key`. Throws `AWSError` when the write did not happen.
    func put(key: String, body: [UInt8]) throws
}

/// Writes archive objects to one S3 bucket as the Lambda does: `ContentType
/// application/x-ndjson`, `ContentEncoding gzip`. One per lane (the client is single-threaded).
public final class S3AuditArchiveStore: AuditArchiveStore {
    public let bucket: String
    private let client: S3Client

    public init(bucket: String, client: S3Client) {
        self.bucket = bucket
        self.client = client
    }

    public func put(key: String, body: [UInt8]) throws {
        try client.putObject(
            bucket: bucket, key: key, body: body, contentType: "application/x-ndjson", contentEncoding: "gzip")
    }
}
