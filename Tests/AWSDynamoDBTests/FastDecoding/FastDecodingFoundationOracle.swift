import AWSDynamoDB
import Foundation

/// A third, independent decoding of GetRecords bodies, built on Foundation's JSONSerialization
/// and `Data(base64Encoded:)`, as the oracle the corpus tests hold both our paths to.
enum FoundationOracle {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func decode(_ bytes: [UInt8]) throws -> GetRecordsOutput {
        guard let top = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw Failure(description: "top level is not an object")
        }
        let records = try (present(top["Records"]) as? [Any] ?? []).map(record)
        return GetRecordsOutput(records: records, nextShardIterator: present(top["NextShardIterator"]) as? String)
    }

    /// nil for absent and for JSON null.
    private static func present(_ value: Any?) -> Any? {
        guard let value, !(value is NSNull) else { return nil }
        return value
    }

    private static func record(_ any: Any) throws -> StreamRecord {
        guard let record = any as? [String: Any], let data = present(record["dynamodb"]) as? [String: Any],
            let eventID = record["eventID"] as? String, let eventName = record["eventName"] as? String,
            let sequenceText = data["SequenceNumber"] as? String, let sequenceNumber = SequenceNumber(sequenceText),
            let keys = data["Keys"]
        else { throw Failure(description: "record lacks a required member") }
        let identity = present(record["userIdentity"]) as? [String: Any]
        return StreamRecord(
            eventID: eventID, eventName: .init(wire: eventName), eventVersion: record["eventVersion"] as? String,
            eventSource: record["eventSource"] as? String, awsRegion: record["awsRegion"] as? String,
            approximateCreationDateTime: (present(data["ApproximateCreationDateTime"]) as? NSNumber)?.doubleValue,
            keys: try item(keys), newImage: try present(data["NewImage"]).map(item),
            oldImage: try present(data["OldImage"]).map(item), sequenceNumber: sequenceNumber,
            sizeBytes: (present(data["SizeBytes"]) as? NSNumber)?.intValue ?? 0,
            streamViewType: present(data["StreamViewType"]) as? String,
            userIdentityPrincipal: identity.flatMap { present($0["PrincipalId"]) as? String })
    }

    private static func item(_ any: Any) throws -> Item {
        guard let members = any as? [String: Any] else { throw Failure(description: "item is not an object") }
        return try members.mapValues(attribute)
    }

    private static func attribute(_ any: Any) throws -> AttributeValue {
        guard let object = any as? [String: Any], object.count == 1, let (type, value) = object.first else {
            throw Failure(description: "attribute value is not a one-member object")
        }
        switch (type, value) {
        case ("S", let text as String): return .s(text)
        case ("N", let text as String): return .n(text)
        case ("B", let text as String): return .b(try binary(text))
        case ("BOOL", let flag as Bool): return .bool(flag)
        case ("NULL", _): return .null
        case ("M", let map): return .m(try item(map))
        case ("L", let list as [Any]): return .l(try list.map(attribute))
        case ("SS", let set as [String]): return .ss(set)
        case ("NS", let set as [String]): return .ns(set)
        case ("BS", let set as [String]): return .bs(try set.map(binary))
        default: throw Failure(description: "unexpected attribute \(type)")
        }
    }

    private static func binary(_ text: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: text) else { throw Failure(description: "bad base64") }
        return [UInt8](data)
    }
}
