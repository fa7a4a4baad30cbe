import Foundation

/// Codable structs mirroring the GetRecords wire format, the way a generated Codable SDK models
/// it: the JSONDecoder contender of the JSON benchmark.
struct WireGetRecordsOutput: Decodable {
    var records: [WireRecord]
    var nextShardIterator: String?

    enum CodingKeys: String, CodingKey {
        case records = "Records"
        case nextShardIterator = "NextShardIterator"
    }
}

struct WireRecord: Decodable {
    var eventID: String
    var eventName: String
    var eventVersion: String?
    var eventSource: String?
    var awsRegion: String?
    var dynamodb: WireStreamRecord
    var userIdentity: WireIdentity?
}

struct WireIdentity: Decodable {
    var principalId: String?
    var type: String?

    enum CodingKeys: String, CodingKey {
        case principalId = "PrincipalId"
        case type = "Type"
    }
}

struct WireStreamRecord: Decodable {
    var approximateCreationDateTime: Double?
    var keys: [String: WireAttributeValue]
    var newImage: [String: WireAttributeValue]?
    var oldImage: [String: WireAttributeValue]?
    var sequenceNumber: String
    var sizeBytes: Int?
    var streamViewType: String?

    enum CodingKeys: String, CodingKey {
        case approximateCreationDateTime = "ApproximateCreationDateTime"
        case keys = "Keys"
        case newImage = "NewImage"
        case oldImage = "OldImage"
        case sequenceNumber = "SequenceNumber"
        case sizeBytes = "SizeBytes"
        case streamViewType = "StreamViewType"
    }
}

struct WireAttributeValue: Decodable {
    var s: String?
    var n: String?
    var b: Data?
    var bool: Bool?
    var null: Bool?
    var m: [String: WireAttributeValue]?
    var l: [WireAttributeValue]?
    var ss: [String]?
    var ns: [String]?
    var bs: [Data]?

    enum CodingKeys: String, CodingKey {
        case s = "S"
        case n = "N"
        case b = "B"
        case bool = "BOOL"
        case null = "NULL"
        case m = "M"
        case l = "L"
        case ss = "SS"
        case ns = "NS"
        case bs = "BS"
    }
}
