import AWSCore
import AWSDynamoDB
import Foundation
import Logging
import Metrics
import TestPeers
import Testing

@testable import ZaeLimiter

/// Golden vectors from zae-limiter 0.17.0's own `propagate_shard_count` (and its clone repair):
/// `Tests/peers/zl_propagation_vectors.py` runs the real code on seeded random shard-0 MODIFY
/// records against a recording table. The duty must make the same requests in the same order
/// (operation, key, expressions, placeholder names and values, items), report the same count
/// of shard items written, skip the same conditional outcomes, and throw the same service
/// errors the reference raises.
@Suite(.serialized) struct ShardCountPropagationVectorTests {
    /// 5,000 by default; `ZAEL_PROPAGATION_CASES` changes it for a quick run.
    static let caseCount =
        ProcessInfo.processInfo.environment["ZAEL_PROPAGATION_CASES"].flatMap { Int($0) } ?? 5000

    struct Failure: CustomStringConvertible {
        var caseNumber: Int
        var what: String
        var description: String { "case \(caseNumber): \(what)" }
    }

    @Test func everyVector_makesTheReferenceRequestsAndSkips() throws {
        let seed =
            ProcessInfo.processInfo.environment["ZAEL_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...1_000_000)
        print("ShardCountPropagationVectorTests seed \(seed) (ZAEL_SEED=\(seed) reproduces)")
        let started = ContinuousClock.now
        let output = try Peers.runPython([
            Peers.script("zl_propagation_vectors.py").path, "--seed", "\(seed)", "--cases", "\(Self.caseCount)",
        ])
        let generated = ContinuousClock.now
        let lines = output.split(separator: UInt8(ascii: "\n"))
        var failures: [Failure] = []
        var compared = 0
        var requestsCompared = 0
        var summary: JSONValue?
        for line in lines {
            let vector = try JSONValue.parse(Array(line))
            if let stats = vector["summary"] {
                summary = stats
                continue
            }
            compared += 1
            requestsCompared += vector["requests"]?.arrayValue?.count ?? 0
            if let failure = try Self.check(vector) { failures.append(failure) }
        }
        let finished = ContinuousClock.now
        print(
            "ShardCountPropagationVectorTests: \(compared) vectors, \(requestsCompared) requests, "
                + "\(failures.count) mismatched; python \(generated - started), swift \(finished - generated); "
                + "summary \(summary.map { $0.serializedString() } ?? "none")")
        #expect(compared == Self.caseCount)
        #expect(failures.isEmpty, "\(failures.prefix(5).map(\.description).joined(separator: "\n"))")
        // The vectors must reach every branch, or a pass would prove little.
        let stats = try #require(summary)
        let branches = [
            "with_clones", "with_repair", "with_reads", "raised", "calendar_guard", "session_guard", "legacy_donor",
            "donor_debits", "two_quota_debit", "owner_pinned", "legacy_incarnation", "freeze_path1",
        ]
        for key in branches where Self.caseCount >= 2000 {
            #expect((Int(stats[key]?.numberText ?? "0") ?? 0) > 10, "too few vectors with \(key)")
        }
    }

    /// Runs one vector through the duty against the scripted table; nil when it matches.
    static func check(_ vector: JSONValue) throws -> Failure? {
        let number = Int(vector["case"]?.numberText ?? "-1") ?? -1
        let record = try Self.record(vector["record"]!)
        let table = ScriptedPropagationTable(script: vector["responses"]?.arrayValue ?? [])
        let duty = ShardCountPropagationDuty(
            client: table, tableName: "zl-table",
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            metricsFactory: NOOPMetricsHandler.instance)
        let now = Int(vector["now_ms"]!.numberText!)!
        var outcome: ShardCountPropagation.Outcome?
        var thrown: String?
        do {
            outcome = try duty.propagate(record, now: now)
        } catch let error as AWSError {
            thrown = error.code
        } catch {
            return Failure(caseNumber: number, what: "unexpected error \(error)")
        }
        let expected = vector["requests"]?.arrayValue ?? []
        for (index, request) in table.requests.enumerated() {
            guard index < expected.count else {
                return Failure(caseNumber: number, what: "extra request #\(index) \(request.op)")
            }
            let want = CanonicalJSON.text(expected[index]["params"]!)
            let got = CanonicalJSON.text(request.body)
            if expected[index]["op"]?.stringValue != request.op || want != got {
                return Failure(
                    caseNumber: number,
                    what:
                        "request #\(index): reference \(expected[index]["op"]!.stringValue!) \(want)\n  swift \(request.op) \(got)"
                )
            }
        }
        if table.requests.count != expected.count {
            return Failure(caseNumber: number, what: "\(table.requests.count) requests, reference \(expected.count)")
        }
        let result = vector["result"]!
        if let raised = result["raised"]?.stringValue {
            return thrown == raised
                ? nil : Failure(caseNumber: number, what: "reference raised \(raised), swift \(thrown ?? "nothing")")
        }
        guard let outcome else { return Failure(caseNumber: number, what: "swift threw \(thrown ?? "?")") }
        let updated = Int(result["updated"]!.numberText!)!
        let skipped = Int(vector["skipped"]!.numberText!)!
        if outcome.updated != updated || outcome.skipped != skipped {
            return Failure(
                caseNumber: number,
                what: "updated \(outcome.updated) skipped \(outcome.skipped), reference \(updated) / \(skipped)")
        }
        return nil
    }

    /// The vector's images as a GetRecords page decodes them (lazily, so the NewImage keeps its
    /// wire attribute order as Python's dict does).
    static func record(_ images: JSONValue) throws -> StreamRecord {
        var dynamodb: [(key: String, value: JSONValue)] = [
            ("Keys", .object([("PK", .object([("S", .string("k"))]))])),
            ("SequenceNumber", .string("100")), ("SizeBytes", .number("1")),
            ("StreamViewType", .string("NEW_AND_OLD_IMAGES")),
        ]
        if let new = images["NewImage"] { dynamodb.append(("NewImage", new)) }
        if let old = images["OldImage"] { dynamodb.append(("OldImage", old)) }
        let page = JSONValue.object([
            (
                "Records",
                .array([
                    .object([
                        ("eventID", .string("e")), ("eventName", .string("MODIFY")), ("dynamodb", .object(dynamodb)),
                    ])
                ])
            )
        ])
        return try GetRecordsDecoder.decode(page.serializedBytes()).records[0]
    }
}
