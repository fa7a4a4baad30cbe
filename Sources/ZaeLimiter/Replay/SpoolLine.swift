import AWSCore
import AWSDynamoDB

/// One line of the on-failure spool (`SpoolFileDestination`): where its records came from, why
/// they were spooled, and the records in DynamoDB Streams JSON form.
struct SpoolLine {
    var streamArn: String
    var shardId: String
    var lane: Int
    var reason: String
    var records: [StreamRecord]

    /// Nil when the line is not JSON of that shape.
    init?(_ line: String) {
        guard let document = try? JSONValue.parse(line),
            let shardId = document["shardId"]?.stringValue,
            let reason = document["reason"]?.stringValue,
            let list = document["records"]?.arrayValue
        else { return nil }
        var records: [StreamRecord] = []
        for element in list {
            guard let record = try? StreamRecord(json: element) else { return nil }
            records.append(record)
        }
        self.streamArn = document["streamArn"]?.stringValue ?? ""
        self.shardId = shardId
        self.lane = document["lane"]?.numberText.flatMap { Int($0) } ?? 0
        self.reason = reason
        self.records = records
    }
}
