import AWSCore
import AWSDynamoDB

/// Turns the OldImage of a REMOVE record of an audit item into the JSON line the Lambda's
/// `archive_audit_events` writes for it (`extract_audit_event`, then `json.dumps` with
/// separators `(",", ":")`), byte for byte.
///
/// The line holds `event_id`, `entity_id`, `action`, `timestamp`, `principal`, `resource` (each
/// when present, in that order) and then `details` (its map, or `{}`). Values are read as the
/// archiver reads them: S, BOOL and NULL as themselves, N as Python's `int` or else `float`,
/// M and L recursively (map members in the order the stream sent them); any other type (B, SS,
/// NS, BS) is written as its raw wire object, e.g. `{"SS":["a","b"]}`, as the archiver's
/// "unknown type" branch returns it.
enum AuditEventEncoder {
    /// What one stream record is for the archive.
    enum Outcome {
        /// Not a REMOVE of an audit item: none of the archiver's business.
        case notAudit
        /// An audit item the archiver cannot archive (it logs and skips it too); `reason` is a
        /// bounded label, `detail` the message for the log.
        case skipped(reason: String, detail: String)
        /// The line (without its newline) and the event's `timestamp` string when it has one.
        case event(line: [UInt8], timestamp: String?)
    }

    static let fieldOrder = ["event_id", "entity_id", "action", "timestamp", "principal", "resource"]

    /// Whether a partition key is an audit item's: `AUDIT#…` after the namespace (the text up
    /// to the first `/`), or an old un-namespaced `AUDIT#…` key.
    static func isAuditPartitionKey(_ key: String) -> Bool {
        if key.hasPrefix(ZaeLimiterSchema.auditPrefix) { return true }
        guard let slash = key.utf8.firstIndex(of: UInt8(ascii: "/")) else { return false }
        return key[key.utf8.index(after: slash)...].hasPrefix(ZaeLimiterSchema.auditPrefix)
    }

    static func encode(_ record: StreamRecord) -> Outcome {
        guard record.eventName == .remove, let image = record.oldImageWireMembers else { return .notAudit }
        let members = PythonJSONWriter.pythonDictionary(image.map { (key: $0.name, value: $0.value) })
        func member(_ name: String) -> JSONValue? { members.first { $0.key == name }?.value }

        guard let partitionKey = member("PK").flatMap({ lastMember("S", of: $0)?.stringValue }),
            isAuditPartitionKey(partitionKey)
        else {
            return .notAudit
        }
        guard let action = member("action"), lastMember("S", of: action) != nil else {
            return .skipped(reason: "missing_action", detail: "audit record \(partitionKey) has no action (S)")
        }
        var writer = PythonJSONWriter()
        writer.raw(UInt8(ascii: "{"))
        var first = true
        do {
            for name in fieldOrder {
                guard let value = member(name) else { continue }
                if !first { writer.raw(UInt8(ascii: ",")) }
                first = false
                writer.string(name)
                writer.raw(UInt8(ascii: ":"))
                try writeAttribute(value, into: &writer)
            }
            if !first { writer.raw(UInt8(ascii: ",")) }
            writer.string("details")
            writer.raw(UInt8(ascii: ":"))
            if let details = member("details"), let map = lastMember("M", of: details) {
                try writeMap(map, into: &writer)
            } else {
                writer.raw("{}")
            }
        } catch {
            return .skipped(reason: error.reason, detail: "audit record \(partitionKey): \(error.detail)")
        }
        writer.raw(UInt8(ascii: "}"))
        return .event(
            line: writer.bytes, timestamp: member("timestamp").flatMap { lastMember("S", of: $0)?.stringValue })
    }

    /// Why a value could not be read (where the archiver's Python would raise).
    struct Problem: Error {
        var reason: String
        var detail: String
    }

    /// The last member named `name` of a wire attribute object (as a Python dict keeps it).
    private static func lastMember(_ name: String, of value: JSONValue) -> JSONValue? {
        value.objectValue?.last { $0.key == name }?.value
    }

    /// `_deserialize_value`: the first of S, N, BOOL, NULL, M, L the object has decides.
    private static func writeAttribute(_ value: JSONValue, into writer: inout PythonJSONWriter) throws(Problem) {
        guard value.objectValue != nil else {
            throw Problem(reason: "malformed_attribute", detail: "an attribute value is not an object")
        }
        if let text = lastMember("S", of: value) {
            writer.value(text)
        } else if let number = lastMember("N", of: value) {
            guard let text = number.stringValue, let parsed = PythonNumber(text) else {
                throw Problem(reason: "malformed_number", detail: "N value \(number) is not a number")
            }
            writer.raw(parsed.jsonText)
        } else if let flag = lastMember("BOOL", of: value) {
            writer.value(flag)
        } else if lastMember("NULL", of: value) != nil {
            writer.raw("null")
        } else if let map = lastMember("M", of: value) {
            try writeMap(map, into: &writer)
        } else if let list = lastMember("L", of: value) {
            guard let elements = list.arrayValue else {
                throw Problem(reason: "malformed_attribute", detail: "L value is not a list")
            }
            writer.raw(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { writer.raw(UInt8(ascii: ",")) }
                try writeAttribute(element, into: &writer)
            }
            writer.raw(UInt8(ascii: "]"))
        } else {
            // B, SS, NS, BS or a type this code does not know: the archiver returns the wire
            // object itself, which json.dumps writes as an object.
            writer.value(value)
        }
    }

    /// `_deserialize_map`: each member's value read with `writeAttribute`, in stream order.
    private static func writeMap(_ map: JSONValue, into writer: inout PythonJSONWriter) throws(Problem) {
        guard let members = map.objectValue else {
            throw Problem(reason: "malformed_attribute", detail: "M value is not a map")
        }
        writer.raw(UInt8(ascii: "{"))
        for (index, member) in PythonJSONWriter.pythonDictionary(members).enumerated() {
            if index > 0 { writer.raw(UInt8(ascii: ",")) }
            writer.string(member.key)
            writer.raw(UInt8(ascii: ":"))
            try writeAttribute(member.value, into: &writer)
        }
        writer.raw(UInt8(ascii: "}"))
    }
}
