import Foundation
import StreamConsumer
import TestPeers
import Testing
import ZaeLimiter

@testable import ZaelAggregator

/// The key declarations are the one source: these tests check that nothing else drifts from them
/// (the configuration's properties, the engine's own defaults, the operations page, check-config).
@Suite struct ConfigurationKeysTests {
    let defaults = AggregatorConfiguration(tableName: "rate-limits", context: testContext)

    @Test func names_areUniqueWellFormed_andSectionsContiguous() {
        let names = ConfigurationKeys.all.map(\.name)
        #expect(Set(names).count == names.count)
        for name in names {
            #expect(name.wholeMatch(of: /[a-z]+\.[a-z_]+/) != nil, "\(name)")
        }
        // Each section's keys are adjacent, so check-config prints each [section] once.
        var seen: [String] = []
        for key in ConfigurationKeys.all where seen.last != key.section {
            #expect(!seen.contains(key.section), "\(key.section) is split")
            seen.append(key.section)
        }
        #expect(seen == AggregatorConfiguration.sections)
    }

    /// A property added to a section without a declaration (or a declaration left out of `all`)
    /// would be neither parsed nor printed nor diffed.
    @Test func everyConfigurationPropertyHasExactlyOneKey() {
        let leaves = Mirror(reflecting: defaults).children.flatMap { section in
            Mirror(reflecting: section.value).children.map { "\(section.label ?? "?").\($0.label ?? "?")" }
        }
        #expect(leaves.count == ConfigurationKeys.all.count, "\(leaves)")
        // Each key writes its own property: changing one key's value changes only that key.
        for key in ConfigurationKeys.all {
            var changed = defaults
            var other = AggregatorConfiguration(tableName: "other-table", context: otherContext)
            other.aws.region = "eu-west-1"
            other.aws.profile = "p"
            other.aws.endpoint = "http://127.0.0.1:1"
            other.aws.streamsEndpoint = "http://127.0.0.1:2"
            other.table.streamARN = "arn:aws:dynamodb:eu-west-1:1:table/t/stream/x"
            other.leases.createTable.toggle()
            other.consumer.batchSize += 1
            other.consumer.batchingWindow += .seconds(1)
            other.consumer.parallelizationFactor += 1
            other.consumer.startingPosition = .trimHorizon
            other.consumer.maxRetryAttempts = nil
            other.consumer.maxRecordAge = nil
            other.consumer.bisectOnError.toggle()
            other.consumer.onFailureSpoolMaxMiB += 1
            other.consumer.idlePoll += .seconds(1)
            other.consumer.maxIdlePoll += .seconds(1)
            other.consumer.httpTimeout += .seconds(1)
            other.consumer.filters = .none
            other.leases.failoverTime += .seconds(1)
            other.leases.shardSyncInterval += .seconds(1)
            other.aggregation.windows = [.monthly]
            other.aggregation.snapshotTTL += .seconds(86_400)
            other.aggregation.delivery = .atLeastOnce
            other.aggregation.allowUnknownSchema.toggle()
            other.duties.refill.toggle()
            other.duties.proactiveShard.toggle()
            other.duties.propagateShardCount.toggle()
            other.logging.level = .trace
            other.logging.format = .json
            other.metrics.listen = "127.0.0.1:1"
            other.metrics.emfFile = "/tmp/x"
            other.archival.bucket = "bucket-b"
            other.archival.prefix = "x/"
            other.archival.region = "eu-west-1"
            other.archival.endpoint = "http://127.0.0.1:3"
            other.archival.pathStyle.toggle()
            key.copy(other, &changed)
            let diff = AggregatorConfiguration.diff(defaults, changed)
            #expect(diff.reloadable + diff.restartRequired == [key.name])
        }
    }

    /// `check-config` prints what an operator can paste back: loading the printout gives the same
    /// configuration, for the defaults and for a configuration that differs in every key.
    @Test func checkConfigOutput_loadsBackToTheSameConfiguration() throws {
        let file =
            minimal + "[consumer]\nmax_record_age_seconds = -1\nidle_poll_seconds = 0.25\n"
            + "[aggregation]\nwindows = [\"monthly\", \"hourly\"]\n[metrics]\nlisten = \"[::1]:9464\"\n"
        for text in [minimal, file] {
            let loaded = try load(text)
            let printed = EffectiveConfigurationPrinter.render(loaded)
            let again = try load(printed)
            #expect(again.configuration == loaded.configuration)
        }
    }

    /// The engine's and the aggregator's own defaults are the daemon's declared ones.
    @Test func libraryDefaults_agreeWithTheDeclarations() {
        let engine = ConsumerConfiguration(streamArn: "arn", workerId: "w")
        let mapped = defaults.consumerConfiguration(streamArn: "arn")
        #expect(engine.tunables == mapped.tunables)
        #expect(engine.failoverTime == mapped.failoverTime)
        #expect(engine.shardSyncInterval == mapped.shardSyncInterval)
        #expect(engine.startingPosition == mapped.startingPosition)
        #expect(defaults.consumer.maxRecordAge == .seconds(3600))
        #expect(UsageAggregationSettings(tableName: "rate-limits") == defaults.aggregationSettings)
    }

    @Test func reloadableKeys_followTheDeclarations_andTheOperationsPageNamesThem() throws {
        let declared = ConfigurationKeys.all.filter(\.reloadable).map(\.name)
        #expect(AggregatorConfiguration.reloadableKeys == Set(declared))
        let page = try String(
            contentsOf: Peers.repoRoot.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        let start = try #require(page.range(of: "Reloadable keys:"))
        let end = try #require(
            page.range(of: "(the example config marks them)", range: start.upperBound..<page.endIndex))
        let named = page[start.upperBound..<end.lowerBound].matches(of: /`([a-z_.]+)`/).map { String($0.1) }
        #expect(named == declared)
    }

    @Test func operationsPageKeyTable_isTheRenderedDeclarations() throws {
        let page = try String(
            contentsOf: Peers.repoRoot.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        let table = ConfigurationKeys.markdownTable
        #expect(page.contains(table), "docs/operations.md section 4 must hold exactly:\n\(table)")
    }
}

private let otherContext = ConfigurationContext(
    instance: "other", hostname: "host-b", workerSuffix: "def456", stateDirectory: "/var/lib/x",
    runtimeDirectory: "/run/x")
