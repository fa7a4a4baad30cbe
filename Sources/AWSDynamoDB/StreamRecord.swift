/// One DynamoDB Streams record, as GetRecords returns it.
public struct StreamRecord: Sendable, Equatable {
    public enum EventName: Sendable, Hashable {
        case insert, modify, remove
        /// A name this code does not know; kept so that nothing is dropped silently.
        case other(String)

        public init(wire: String) {
            switch wire {
            case "INSERT": self = .insert
            case "MODIFY": self = .modify
            case "REMOVE": self = .remove
            default: self = .other(wire)
            }
        }

        public var wireName: String {
            switch self {
            case .insert: return "INSERT"
            case .modify: return "MODIFY"
            case .remove: return "REMOVE"
            case .other(let name): return name
            }
        }
    }

    public var eventID: String
    public var eventName: EventName
    public var eventVersion: String?
    public var eventSource: String?
    public var awsRegion: String?
    /// `dynamodb.ApproximateCreationDateTime`, seconds since the epoch (whole seconds on AWS,
    /// fractional on moto).
    public var approximateCreationDateTime: Double?
    public var keys: Item
    public var newImage: Item?
    public var oldImage: Item?
    public var sequenceNumber: SequenceNumber
    public var sizeBytes: Int
    public var streamViewType: String?
    /// `userIdentity.principalId` when DynamoDB TTL removed the item.
    public var userIdentityPrincipal: String?

    public init(
        eventID: String, eventName: EventName, eventVersion: String? = nil, eventSource: String? = nil,
        awsRegion: String? = nil, approximateCreationDateTime: Double? = nil, keys: Item,
        newImage: Item? = nil, oldImage: Item? = nil, sequenceNumber: SequenceNumber, sizeBytes: Int = 0,
        streamViewType: String? = nil, userIdentityPrincipal: String? = nil
    ) {
        self.eventID = eventID
        self.eventName = eventName
        self.eventVersion = eventVersion
        self.eventSource = eventSource
        self.awsRegion = awsRegion
        self.approximateCreationDateTime = approximateCreationDateTime
        self.keys = keys
        self.newImage = newImage
        self.oldImage = oldImage
        self.sequenceNumber = sequenceNumber
        self.sizeBytes = sizeBytes
        self.streamViewType = streamViewType
        self.userIdentityPrincipal = userIdentityPrincipal
    }
}
