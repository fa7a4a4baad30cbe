import AWSDynamoDB
import Foundation

/// Appends failed records to a file as JSON lines, one line per `send`, synced to disk.
///
/// Each line: `shardId`, `lane`, `firstSequenceNumber`, `lastSequenceNumber`, `reason`,
/// `attempts`, `lastError`, `streamArn`, `recordedAt`, and `records` in the DynamoDB Streams JSON
/// form (`eventID`, `eventName`, `dynamodb.Keys/NewImage/OldImage/SequenceNumber/…`).
public final class SpoolFileDestination: FailureDestination, @unchecked Sendable {
    // `handle` and `count` are guarded by `lock`.
    private let lock = NSLock()
    private let handle: FileHandle
    private var count = 0
    public let path: String

    /// Opens (creating when needed) the spool file for appending.
    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        self.handle = handle
        handle.seekToEndOfFile()
    }

    deinit { try? handle.close() }

    public var sentRecordCount: Int { lock.withLock { count } }

    public func send(_ failure: FailedRecords) throws {
        var line = try JSONSerialization.data(withJSONObject: Self.object(failure), options: [.sortedKeys])
        line.append(0x0A)
        try lock.withLock {
            try handle.write(contentsOf: line)
            try handle.synchronize()
            count += failure.records.count
        }
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
