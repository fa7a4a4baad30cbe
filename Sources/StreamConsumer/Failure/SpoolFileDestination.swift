import AWSDynamoDB
import CoreMetrics
import Foundation
import Glibc

/// Appends failed records to a file as JSON lines, one line per `send`, synced to disk.
///
/// Each line: `shardId`, `lane`, `firstSequenceNumber`, `lastSequenceNumber`, `reason`,
/// `attempts`, `lastError`, `streamArn`, `recordedAt`, and `records` in the DynamoDB Streams JSON
/// form (`eventID`, `eventName`, `dynamodb.Keys/NewImage/OldImage/SequenceNumber/…`).
///
/// The file is opened `O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW|O_CLOEXEC` with mode 0600 (a symlink
/// planted at the path is refused, and the records never become world-readable whatever the
/// umask); every line is one `write(2)` on an append descriptor, so lines never interleave.
/// `reopen()` (the daemon calls it on SIGHUP) starts a new descriptor at the path, for logrotate.
/// `maxBytes` bounds the file: a line that would pass it is refused (`send` throws), so the lane
/// keeps retrying and its checkpoint stays put until an operator rotates or replays the spool —
/// the records are never dropped. `zael_spool_bytes` reports the size.
public final class SpoolFileDestination: FailureDestination, @unchecked Sendable {
    // `descriptor`, `size` and `count` are guarded by `lock`.
    private let lock = NSLock()
    private var descriptor: Int32
    private var size: Int
    private var count = 0
    public let path: String
    /// Largest file size in bytes; nil for no bound.
    public let maxBytes: Int?
    private let sizeGauge: Gauge?

    /// Opens (creating when needed) the spool file for appending.
    public init(path: String, maxBytes: Int? = nil, metricsFactory: MetricsFactory? = nil) throws {
        self.path = path
        self.maxBytes = maxBytes
        (descriptor, size) = try Self.open(path)
        sizeGauge = metricsFactory.map { Gauge(label: ConsumerMetricNames.spoolBytes, dimensions: [], factory: $0) }
        sizeGauge?.record(size)
    }

    deinit { _ = Glibc.close(descriptor) }

    public var sentRecordCount: Int { lock.withLock { count } }

    /// The file's size as this destination knows it.
    public var byteCount: Int { lock.withLock { size } }

    /// Closes the descriptor and opens the path again (after logrotate moved the file away).
    public func reopen() throws {
        let (fresh, freshSize) = try Self.open(path)
        let old = lock.withLock {
            defer { (descriptor, size) = (fresh, freshSize) }
            return descriptor
        }
        _ = Glibc.close(old)
        sizeGauge?.record(freshSize)
    }

    public func send(_ failure: FailedRecords) throws {
        var line = try JSONSerialization.data(withJSONObject: Self.object(failure), options: [.sortedKeys])
        line.append(0x0A)
        let newSize = try lock.withLock { () -> Int in
            if let maxBytes, size + line.count > maxBytes {
                throw SpoolError(
                    path: path, message: "spool is full (\(size) of \(maxBytes) bytes); rotate or replay it")
            }
            try line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw SpoolError(path: path, message: "write failed: \(String(cString: strerror(errno)))")
                    }
                    offset += written
                }
            }
            guard fsync(descriptor) == 0 else {
                throw SpoolError(path: path, message: "fsync failed: \(String(cString: strerror(errno)))")
            }
            size += line.count
            count += failure.records.count
            return size
        }
        sizeGauge?.record(newSize)
    }

    private static func open(_ path: String) throws -> (Int32, Int) {
        let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SpoolError(path: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            _ = Glibc.close(descriptor)
            throw SpoolError(path: path, message: "not a regular file")
        }
        // An existing file keeps its owner but loses any group or world access.
        if info.st_mode & 0o077 != 0 { _ = fchmod(descriptor, 0o600) }
        return (descriptor, Int(info.st_size))
    }

    static func object(_ failure: FailedRecords) -> [String: Any] {
        var object: [String: Any] = [
            "streamArn": failure.streamArn, "shardId": failure.shardId, "lane": failure.lane,
            "reason": failure.reason.rawValue, "attempts": failure.attempts,
            "recordedAt": Date().timeIntervalSince1970,
            "records": failure.records.map(recordObject),
        ]
        if let first = failure.records.first { object["firstSequenceNumber"] = first.sequenceNumber.digits }
        if let last = failure.records.last { object["lastSequenceNumber"] = last.sequenceNumber.digits }
        if let lastError = failure.lastError { object["lastError"] = lastError }
        return object
    }

    static func recordObject(_ record: StreamRecord) -> [String: Any] {
        var dynamodb: [String: Any] = [
            "Keys": record.keys.mapValues(attributeObject), "SequenceNumber": record.sequenceNumber.digits,
            "SizeBytes": record.sizeBytes,
        ]
        if let newImage = record.newImage { dynamodb["NewImage"] = newImage.mapValues(attributeObject) }
        if let oldImage = record.oldImage { dynamodb["OldImage"] = oldImage.mapValues(attributeObject) }
        if let time = record.approximateCreationDateTime { dynamodb["ApproximateCreationDateTime"] = time }
        if let view = record.streamViewType { dynamodb["StreamViewType"] = view }
        var object: [String: Any] = [
            "eventID": record.eventID, "eventName": record.eventName.wireName, "dynamodb": dynamodb,
        ]
        if let source = record.eventSource { object["eventSource"] = source }
        if let region = record.awsRegion { object["awsRegion"] = region }
        if let principal = record.userIdentityPrincipal {
            object["userIdentity"] = ["type": "Service", "principalId": principal]
        }
        return object
    }

    static func attributeObject(_ value: AttributeValue) -> [String: Any] {
        switch value {
        case .s(let text): return ["S": text]
        case .n(let text): return ["N": text]
        case .b(let bytes): return ["B": Data(bytes).base64EncodedString()]
        case .bool(let flag): return ["BOOL": flag]
        case .null: return ["NULL": true]
        case .m(let map): return ["M": map.mapValues(attributeObject)]
        case .l(let list): return ["L": list.map(attributeObject)]
        case .ss(let texts): return ["SS": texts]
        case .ns(let texts): return ["NS": texts]
        case .bs(let blobs): return ["BS": blobs.map { Data($0).base64EncodedString() }]
        }
    }
}

/// The spool file could not be opened or written, or is full.
public struct SpoolError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "spool \(path): \(message)" }
}
