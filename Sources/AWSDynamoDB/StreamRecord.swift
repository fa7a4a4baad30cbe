/// One DynamoDB Streams record, as GetRecords returns it.
///
/// `GetRecordsDecoder` leaves the keys and images lazy (`lazyKeys`, `lazyNewImage`,
/// `lazyOldImage`): `keys`, `newImage` and `oldImage` then build the item on each read, so hot paths read the lazy forms or
/// `newImageValue(named:)`. Records compare by their images' contents, however held.
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
    /// Exactly one of the eager and the lazy form of the keys and of each image is set, or
    /// neither.
    private var eagerKeys: Item
    public private(set) var lazyKeys: LazyItem?
    private var eagerNewImage: Item?
    private var eagerOldImage: Item?
    public private(set) var lazyNewImage: LazyItem?
    public private(set) var lazyOldImage: LazyItem?
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
        self.eagerKeys = keys
        self.eagerNewImage = newImage
        self.eagerOldImage = oldImage
        self.sequenceNumber = sequenceNumber
        self.sizeBytes = sizeBytes
        self.streamViewType = streamViewType
        self.userIdentityPrincipal = userIdentityPrincipal
    }

    /// A record whose images stay spans of their GetRecords page.
    public init(
        eventID: String, eventName: EventName, eventVersion: String?, eventSource: String?, awsRegion: String?,
        approximateCreationDateTime: Double?, lazyKeys: LazyItem, lazyNewImage: LazyItem?, lazyOldImage: LazyItem?,
        sequenceNumber: SequenceNumber, sizeBytes: Int, streamViewType: String?, userIdentityPrincipal: String?
    ) {
        // Every field assigned here rather than through the other initializer, which made the
        // optimizer copy the whole record (a retain and a release per field).
        self.eventID = eventID
        self.eventName = eventName
        self.eventVersion = eventVersion
        self.eventSource = eventSource
        self.awsRegion = awsRegion
        self.approximateCreationDateTime = approximateCreationDateTime
        self.eagerKeys = [:]
        self.sequenceNumber = sequenceNumber
        self.sizeBytes = sizeBytes
        self.streamViewType = streamViewType
        self.userIdentityPrincipal = userIdentityPrincipal
        self.lazyKeys = lazyKeys
        self.lazyNewImage = lazyNewImage
        self.lazyOldImage = lazyOldImage
    }

    public var keys: Item {
        get { lazyKeys?.item ?? eagerKeys }
        set {
            eagerKeys = newValue
            lazyKeys = nil
        }
    }

    public var newImage: Item? {
        get { eagerNewImage ?? lazyNewImage?.item }
        set {
            eagerNewImage = newValue
            lazyNewImage = nil
        }
    }

    public var oldImage: Item? {
        get { eagerOldImage ?? lazyOldImage?.item }
        set {
            eagerOldImage = newValue
            lazyOldImage = nil
        }
    }

    /// One NewImage attribute, without building a lazy image.
    public func newImageValue(named name: String) -> AttributeValue? {
        if let lazyNewImage { return lazyNewImage.value(named: name) }
        return eagerNewImage?[name]
    }

    public static func == (a: StreamRecord, b: StreamRecord) -> Bool {
        a.eventID == b.eventID && a.eventName == b.eventName && a.eventVersion == b.eventVersion
            && a.eventSource == b.eventSource && a.awsRegion == b.awsRegion
            && a.approximateCreationDateTime == b.approximateCreationDateTime && a.keys == b.keys
            && a.sequenceNumber == b.sequenceNumber && a.sizeBytes == b.sizeBytes
            && a.streamViewType == b.streamViewType && a.userIdentityPrincipal == b.userIdentityPrincipal
            && a.newImage == b.newImage && a.oldImage == b.oldImage
    }
}
