import AWSCore
import AWSDynamoDB
import Foundation
import Logging
import Metrics
import TestPeers
import Testing

@testable import ZaeLimiter

/// The refill and proactive shard duties against zae-limiter 0.17.0's own
/// `aggregate_bucket_states` / `try_refill_bucket` / `try_proactive_shard`, on seeded random
/// batches (`Tests/peers/zl_refill_vectors.py`): every vector must give byte-identical requests
/// in the same order, with the same conditional failures, and nothing where the reference
/// sends nothing.
@Suite struct RefillVectorTests {
    static let vectorCount = 5000

    @Test func dutiesMatchTheReferenceOnEveryVector() throws {
        let seed =
            ProcessInfo.processInfo.environment["ZAEL_SEED"].flatMap { UInt32($0) } ?? UInt32.random(in: 0...UInt32.max)
        print("RefillVectorTests seed=\(seed) (ZAEL_SEED=\(seed) reproduces)")
        let started = ContinuousClock.now
        var arguments = [
            Peers.script("zl_refill_vectors.py").path, "--seed", "\(seed)", "--count", "\(Self.vectorCount)",
        ]
        // For bisecting a failure: vectors without schedules only.
        if ProcessInfo.processInfo.environment["ZAEL_REFILL_NO_SCHEDULES"] == "1" { arguments.append("--no-schedules") }
        let output = try Peers.runPython(arguments)
        let generated = ContinuousClock.now
        var vectors = 0
        var requests = 0
        var mismatches: [String] = []
        var mismatchCount = 0
        var undecodableTotal = 0
        for line in output.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            let vector = try JSONValue.parse(Array(line))
            vectors += 1
            let expected = vector["requests"]?.arrayValue?.compactMap(\.stringValue) ?? []
            requests += expected.count
            let actual = try run(vector)
            let undecodable = Int(vector["undecodable"]?.numberText ?? "-1") ?? -1
            undecodableTotal += undecodable
            if actual != expected || scheduleErrorSkips(vector) != undecodable {
                mismatchCount += 1
                if mismatches.count < 3 {
                    mismatches.append(
                        "vector \(vector["vector"]?.numberText ?? "?") now \(vector["now"]?.numberText ?? "?"):\n  expected \(expected)\n  actual   \(actual)\n  page \(vector["page"]!.serializedString().prefix(6000))"
                    )
                }
            }
        }
        let finished = ContinuousClock.now
        print(
            "RefillVectorTests: \(vectors) vectors, \(requests) requests, \(undecodableTotal) undecodable-schedule skips, \(vectors - mismatchCount) identical; reference \(generated - started), daemon \(finished - generated)"
        )
        #expect(vectors == Self.vectorCount)
        #expect(requests > vectors / 2, "the generator must make the reference write")
        #expect(undecodableTotal > 0, "the generator must store undecodable schedules")
        #expect(mismatchCount == 0, "\(mismatchCount) vectors differ:\n\(mismatches.joined(separator: "\n"))")
    }

    /// Buckets of the page that refill skips for an undecodable schedule.
    private func scheduleErrorSkips(_ vector: JSONValue) -> Int {
        guard let page = try? GetRecordsDecoder.decode(vector["page"]!.serializedBytes()) else { return -1 }
        let now = Int128(Int64(vector["now"]!.numberText!)!)
        return BucketStateAggregator(records: page.records).states.filter {
            if case .failure(.scheduleError) = RefillPlanner.plan($0, now: now) { return true }
            return false
        }.count
    }

    /// The duties on one vector's page, in the Lambda's order; the canonical requests they sent.
    private func run(_ vector: JSONValue) throws -> [String] {
        let page = try GetRecordsDecoder.decode(vector["page"]!.serializedBytes())
        let failing = Set(vector["fail"]?.arrayValue?.compactMap { $0.numberText.flatMap { Int($0) } } ?? [])
        let now = Int64(vector["now"]!.numberText!)!
        let table = RecordingMaintenanceTable(failing: failing)
        let cache = BucketStateCache()
        let logger = Logger(label: "refill-vectors") { _ in SwiftLogNoOpLogHandler() }
        let duties: [BatchDuty] = [
            BucketRefillDuty(
                client: table, tableName: "t", cache: cache, logger: logger, metricsFactory: NOOPMetricsHandler.instance
            ),
            ProactiveShardDuty(
                client: table, tableName: "t", cache: cache, logger: logger, metricsFactory: NOOPMetricsHandler.instance
            ),
        ]
        let batch = DutyBatch(records: page.records, shardId: "shardId-1", lane: 0, attempt: 1, nowMilliseconds: now)
        for duty in duties { try duty.perform(batch) }
        return table.requests
    }
}
