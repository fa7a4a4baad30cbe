import AWSDynamoDB
import Foundation
import StreamConsumer

// The lag and CPU runs of `Benchmarks engine`.
extension EngineBenchmark {
    static func tunables(_ options: Options) -> ConsumerTunables {
        ConsumerTunables(
            batchSize: options.int("--batch", default: 100),
            batchingWindow: .milliseconds(options.int("--window-ms", default: 0)),
            idlePoll: .milliseconds(options.int("--idle-poll-ms", default: 1000)))
    }

    /// Lag from the writer's send time to the processor seeing the record.
    static func lag(_ options: Options) throws {
        let endpoint = options.required("--endpoint")
        let expected = options.int("--records", default: 20_000)
        let shards = options.int("--shards", default: 1)
        let tunables = tunables(options)
        let arn = try streamArn(endpoint: endpoint, table: options.required("--table"))
        let probe = EngineProbe()
        let scheduler = scheduler(
            endpoint: endpoint, arn: arn, factory: EngineProbeFactory(probe: probe, timed: true), tunables: tunables)
        try scheduler.start()
        let consuming = wait(timeout: 60) {
            scheduler.status.shards.filter { $0.state == "processing" }.count >= shards
        }
        guard consuming else {
            print("FAILED: \(shards) shards were not being consumed after 60 s")
            exit(1)
        }
        print("READY")
        fflush(nil)
        let cpuStart = cpuSeconds()
        let started = Date()
        let complete = wait(timeout: options.double("--timeout", default: 180)) { probe.count >= expected }
        let cpu = cpuSeconds() - cpuStart
        let wall = Date().timeIntervalSince(started)
        scheduler.shutdown(timeout: .seconds(10))

        let samples = probe.lagsNanoseconds
        print(
            "settings: batch \(tunables.batchSize), batching window \(tunables.batchingWindow), idle poll \(tunables.idlePoll)"
        )
        print(
            "records seen \(probe.count) of \(expected)\(complete ? "" : " (TIMED OUT)"), "
                + "without timestamp \(probe.recordsWithoutTimestamp)")
        printLags("lag ms:", samples.map(\.lag))
        // The last writes end the stream: their partial batches wait out the batching window.
        let lastWrite = samples.map(\.written).max() ?? 0
        printLags(
            "lag ms without the last second's writes:",
            samples.filter { $0.written <= lastWrite - 1_000_000_000 }.map(\.lag))
        print(String(format: "engine process CPU while consuming: %.2f s over %.1f s wall", cpu, wall))
        if !complete { exit(1) }
    }

    static func printLags(_ title: String, _ values: [Int64]) {
        let lags = values.sorted()
        func milliseconds(_ q: Double) -> Double {
            lags.isEmpty ? .nan : Double(lags[min(lags.count - 1, Int(Double(lags.count) * q))]) / 1e6
        }
        print(
            String(
                format: "%@ p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  (%d records)", title, milliseconds(0.5),
                milliseconds(0.9), milliseconds(0.99), milliseconds(1), lags.count))
    }

    /// CPU per record: a bare GetRecords loop against the engine with a no-op processor.
    static func cpu(_ options: Options) throws {
        let endpoint = options.required("--endpoint")
        let expected = options.int("--records", default: 20_000)
        let rounds = options.int("--rounds", default: 3)
        let tunables = tunables(options)
        let arn = try streamArn(endpoint: endpoint, table: options.required("--table"))
        print("settings: batch \(tunables.batchSize), batching window \(tunables.batchingWindow), \(expected) records")
        var baselineCosts: [Double] = []
        var engineCosts: [Double] = []
        for round in 1...rounds {
            var cpuStart = cpuSeconds()
            var started = Date()
            let read = try readEveryShard(endpoint: endpoint, arn: arn)
            let baselineCPU = cpuSeconds() - cpuStart
            let baselineWall = Date().timeIntervalSince(started)
            guard read == expected else {
                print("FAILED: the stream holds \(read) records, expected \(expected)")
                exit(1)
            }

            let probe = EngineProbe()
            let scheduler = scheduler(
                endpoint: endpoint, arn: arn, factory: EngineProbeFactory(probe: probe, timed: false),
                tunables: tunables)
            cpuStart = cpuSeconds()
            started = Date()
            try scheduler.start()
            let complete = wait(timeout: 300) { probe.count >= expected }
            let engineCPU = cpuSeconds() - cpuStart
            let engineWall = Date().timeIntervalSince(started)
            scheduler.shutdown(timeout: .seconds(10))
            guard complete else {
                print("FAILED: the engine saw \(probe.count) of \(expected) records")
                exit(1)
            }
            baselineCosts.append(baselineCPU / Double(expected) * 1e6)
            engineCosts.append(engineCPU / Double(expected) * 1e6)
            print(
                String(
                    format:
                        "round %d: baseline %.1f µs/record (%.2f s wall)  engine %.1f µs/record (%.2f s wall)  ratio %.2f",
                    round, baselineCosts.last!, baselineWall, engineCosts.last!, engineWall,
                    engineCosts.last! / baselineCosts.last!))
        }
        let baseline = baselineCosts.sorted()[rounds / 2]
        let engine = engineCosts.sorted()[rounds / 2]
        print(
            String(
                format:
                    "median: baseline %.1f µs/record, engine %.1f µs/record, engine overhead %.1f µs/record (%.2fx)",
                baseline, engine, engine - baseline, engine / baseline))
    }

    /// The baseline: every shard from TRIM_HORIZON with GetRecords (1000 a page) until an empty
    /// page or the shard's end, records decoded and counted, nothing else.
    static func readEveryShard(endpoint: String, arn: String) throws -> Int {
        let client = streams(endpoint)
        var shards: [Shard] = []
        var start: String?
        repeat {
            let page = try client.describeStream(DescribeStreamInput(streamArn: arn, exclusiveStartShardId: start))
            shards += page.shards
            start = page.lastEvaluatedShardId
        } while start != nil
        var count = 0
        for shard in shards {
            var iterator = try client.getShardIterator(
                GetShardIteratorInput(streamArn: arn, shardId: shard.shardId, position: .trimHorizon))
            while true {
                let page = try client.getRecords(GetRecordsInput(shardIterator: iterator, limit: 1000))
                count += page.records.count
                guard let next = page.nextShardIterator, !page.records.isEmpty else { break }
                iterator = next
            }
        }
        return count
    }
}
