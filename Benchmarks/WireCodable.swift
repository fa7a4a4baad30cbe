import Foundation

/// Codable structs mirroring the GetRecords wire format, the way a generated Codable SDK models
/// it: the JSONDecoder contender of the JSON benchmark.
struct WireGetRecordsOutput: Decodable {
    var Records: [WireRecord]
    var NextShardIterator: String?
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
    var PrincipalId: String?
    var `Type`: String?
}

struct WireStreamRecord: Decodable {
    var ApproximateCreationDateTime: Double?
    var Keys: [String: WireAttributeValue]
    var NewImage: [String: WireAttributeValue]?
    var OldImage: [String: WireAttributeValue]?
    var SequenceNumber: String
    var SizeBytes: Int?
    var StreamViewType: String?
}

struct WireAttributeValue: Decodable {
    var S: String?
    var N: String?
    var B: Data?
    var BOOL: Bool?
    var NULL: Bool?
    var M: [String: WireAttributeValue]?
    var L: [WireAttributeValue]?
    var SS: [String]?
    var NS: [String]?
    var BS: [Data]?
}
