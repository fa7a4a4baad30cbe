import AWSCore

/// The generic (tree) path for GetRecords: the reference `GetRecordsDecoder` is tested against.
///
/// Rules both paths share: unknown members are ignored; a repeated member keeps its last value;
/// optional members may be absent or `null`; `eventID`, `eventName`, `dynamodb`,
/// `dynamodb.Keys` and `dynamodb.SequenceNumber` are required; a missing `Records` is an empty
/// page.
extension GetRecordsOutput {
    public init(json: JSONValue) throws(WireShapeError) {
        let members = try WireObject(json)
        var records: [StreamRecord] = []
        if let list = try members.optional("Records") {
            guard case .array(let elements) = list else { throw WireShapeError(path: "Records", expected: "an array") }
            records.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                do { records.append(try StreamRecord(json: element)) } catch { throw error.within("Records[\(index)]") }
            }
        }
        self.init(records: records, nextShardIterator: try members.optionalString("NextShardIterator"))
    }
}

extension StreamRecord {
    public init(json: JSONValue) throws(WireShapeError) {
        let record = try WireObject(json)
        guard let dynamodb = try record.optional("dynamodb") else { throw WireShapeError(expected: "member dynamodb") }
        let data: WireObject
        do { data = try WireObject(dynamodb) } catch { throw error.within("dynamodb") }

        var principal: String?
        if let identity = try record.optional("userIdentity") {
            do { principal = try WireObject(identity).optionalString("PrincipalId") } catch {
                throw error.within("userIdentity")
            }
        }
        let fields: ChangeFields
        do { fields = try ChangeFields(data) } catch { throw error.within("dynamodb") }
        try self.init(
            eventID: record.requiredString("eventID"),
            eventName: EventName(wire: record.requiredString("eventName")),
            eventVersion: record.optionalString("eventVersion"),
            eventSource: record.optionalString("eventSource"),
            awsRegion: record.optionalString("awsRegion"),
            approximateCreationDateTime: fields.seconds,
            keys: fields.keys,
            newImage: fields.newImage,
            oldImage: fields.oldImage,
            sequenceNumber: fields.sequenceNumber,
            sizeBytes: fields.sizeBytes,
            streamViewType: fields.streamViewType,
            userIdentityPrincipal: principal)
    }
}

/// The members of a record's `dynamodb` object.
private struct ChangeFields {
    var keys: Item
    var newImage: Item?
    var oldImage: Item?
    var sequenceNumber: SequenceNumber
    var seconds: Double?
    var sizeBytes = 0
    var streamViewType: String?

    init(_ data: WireObject) throws(WireShapeError) {
        guard let keys = try data.optional("Keys") else { throw WireShapeError(expected: "member Keys") }
        self.keys = try data.item("Keys", keys)
        if let image = try data.optional("NewImage") { newImage = try data.item("NewImage", image) }
        if let image = try data.optional("OldImage") { oldImage = try data.item("OldImage", image) }
        guard let sequenceText = try data.optionalString("SequenceNumber") else {
            throw WireShapeError(expected: "member SequenceNumber")
        }
        guard let sequenceNumber = SequenceNumber(sequenceText) else {
            throw WireShapeError(path: "SequenceNumber", expected: "a decimal sequence number")
        }
        self.sequenceNumber = sequenceNumber
        if let text = try data.optionalNumber("ApproximateCreationDateTime") {
            seconds = WireConversion.seconds(fromNumberText: text)
        }
        if let text = try data.optionalNumber("SizeBytes") {
            guard let size = WireConversion.integer(fromNumberText: text) else {
                throw WireShapeError(path: "SizeBytes", expected: "an integer")
            }
            sizeBytes = size
        }
        streamViewType = try data.optionalString("StreamViewType")
    }
}

/// Member lookup with the shared rules (last duplicate wins, `null` is absent).
struct WireObject {
    let members: [(key: String, value: JSONValue)]

    init(_ json: JSONValue) throws(WireShapeError) {
        guard case .object(let members) = json else { throw WireShapeError(expected: "an object") }
        self.members = members
    }

    func optional(_ name: String) throws(WireShapeError) -> JSONValue? {
        guard let value = members.last(where: { $0.key == name })?.value, value != .null else { return nil }
        return value
    }

    func optionalString(_ name: String) throws(WireShapeError) -> String? {
        guard let value = try optional(name) else { return nil }
        guard case .string(let text) = value else { throw WireShapeError(path: name, expected: "a string") }
        return text
    }

    func requiredString(_ name: String) throws(WireShapeError) -> String {
        guard let text = try optionalString(name) else { throw WireShapeError(path: name, expected: "a string") }
        return text
    }

    func optionalNumber(_ name: String) throws(WireShapeError) -> String? {
        guard let value = try optional(name) else { return nil }
        guard case .number(let text) = value else { throw WireShapeError(path: name, expected: "a number") }
        return text
    }

    func item(_ name: String, _ value: JSONValue) throws(WireShapeError) -> Item {
        do { return try Item(json: value) } catch { throw error.within(name) }
    }
}
