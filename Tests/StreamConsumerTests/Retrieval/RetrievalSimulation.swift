import AWSDynamoDB
import StreamConsumerTestKit

@testable import StreamConsumer

/// Drives a `RetrievalStateMachine` against a scripted shard on a `ManualClock`: records appear
/// in the shard at set times, `.wait` advances the clock, `.fetch` returns what has appeared,
/// `.deliver` takes `processing` of clock time (with the prefetch done at its start). No
/// threads, no sleeps.
struct RetrievalSimulation {
    /// What a scripted fetch does instead of returning a page.
    enum Fault {
        case restart
        case fail
    }

    struct Delivery {
        var at: Duration
        var records: [StreamRecord]
        var prefetched: Bool
    }

    var machine: RetrievalStateMachine
    var settings: RetrievalStateMachine.Settings
    let clock = ManualClock()
    /// Records and when they enter the shard (in order).
    private(set) var shard: [(at: Duration, record: StreamRecord)] = []
    /// Index of the next record the shard iterator returns.
    private var cursor = 0
    /// The shard is closed after its last scripted record.
    var closed = false
    /// Faults by fetch number (0-based, prefetches included).
    var faults: [Int: Fault] = [:]
    /// Clock time a delivered batch takes.
    var processing: Duration = .zero
    /// Most records per page the shard returns (at most the machine's `pageLimit`).
    var pageSize: Int
    private(set) var fetches: [Duration] = []
    private(set) var deliveries: [Delivery] = []
    private(set) var finished = false

    init(_ tunables: ConsumerTunables, pageLimit: Int = 1000) {
        settings = .init(tunables)
        machine = RetrievalStateMachine(settings: settings, pageLimit: pageLimit)
        pageSize = pageLimit
    }

    /// Schedules `count` records, the first at `start`, then one per `every`.
    mutating func write(_ count: Int, from start: Duration, every: Duration) {
        for index in 0..<count {
            let sequence = shard.count + 1
            shard.append((start + every * index, record(sequence, key: "k\(sequence % 7)")))
        }
    }

    var now: Duration { clock.now() }

    /// When each record was delivered, by sequence number.
    var deliveredAt: [Int: Duration] {
        var result: [Int: Duration] = [:]
        for delivery in deliveries {
            for record in delivery.records { result[Int(record.sequenceNumber.digits)!] = delivery.at }
        }
        return result
    }

    /// Delivery minus arrival of every delivered record.
    var latencies: [Duration] {
        let delivered = deliveredAt
        return shard.compactMap { entry in
            delivered[Int(entry.record.sequenceNumber.digits)!].map { $0 - entry.at }
        }
    }

    /// Every delivered sequence number, in delivery order.
    var deliveredSequence: [Int] {
        deliveries.flatMap { $0.records.map { Int($0.sequenceNumber.digits)! } }
    }

    /// GetRecords calls made from `start` up to (not including) `end` of clock time.
    func fetchCount(from start: Duration, to end: Duration) -> Int {
        fetches.filter { $0 >= start && $0 < end }.count
    }

    /// Runs until the clock reaches `end` or the shard is finished.
    mutating func run(until end: Duration) {
        var steps = 0
        while now < end && !finished {
            steps += 1
            // A loop that makes no progress is a bug in the machine, not a slow test.
            precondition(steps < 1_000_000, "retrieval simulation does not progress")
            switch machine.tick(now: now, settings: settings) {
            case .fetch:
                fetch()
            case .wait(let pause):
                precondition(pause > .zero, "a wait must be positive")
                clock.advance(by: min(pause, end - now))
            case .deliver(let batch, let prefetch):
                deliveries.append(Delivery(at: now, records: batch.records, prefetched: prefetch))
                if prefetch { fetch() }
                clock.advance(by: processing)
                machine.delivered(through: batch.end)
            case .finished:
                finished = true
            }
        }
    }

    private mutating func fetch() {
        let number = fetches.count
        fetches.append(now)
        switch faults[number] {
        case .restart:
            // The new iterator starts after the last processed record.
            let after = machine.lastProcessed.map { Int($0.digits)! } ?? 0
            cursor = shard.firstIndex { Int($0.record.sequenceNumber.digits)! > after } ?? shard.count
            machine.restarted(now: now)
        case .fail:
            machine.fetchFailed(now: now, jitter: 1)
        case nil:
            var page: [StreamRecord] = []
            while cursor < shard.count && shard[cursor].at <= now && page.count < pageSize {
                page.append(shard[cursor].record)
                cursor += 1
            }
            // The service dates a record to the second, rounded down.
            let newestAge = page.isEmpty ? nil : now - .seconds((shard[cursor - 1].at / .seconds(1)).rounded(.down))
            machine.pageFetched(page, atShardEnd: closed && cursor == shard.count, now: now, newestAge: newestAge)
        }
    }
}

/// The median of `values` (the upper one for an even count).
func median(_ values: [Duration]) -> Duration {
    values.sorted()[values.count / 2]
}
