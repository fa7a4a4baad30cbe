import Testing

@testable import ZaelAggregator

@Suite struct ConfigurationPrecedenceTests {
    let file = minimal + "[consumer]\nbatch_size = 200\nidle_poll_seconds = 2\n[logging]\nlevel = \"debug\"\n"

    @Test func environment_overridesTheFile() throws {
        let loaded = try load(
            file, environment: ["ZAEL_CONSUMER_BATCH_SIZE": "300", "ZAEL_AGGREGATION_WINDOWS": "daily, monthly"])
        #expect(loaded.configuration.consumer.batchSize == 300)
        #expect(loaded.configuration.aggregation.windows == [.daily, .monthly])
        #expect(loaded.configuration.consumer.idlePoll == .seconds(2))
        #expect(loaded.origins["consumer.batch_size"] == .environment("ZAEL_CONSUMER_BATCH_SIZE"))
        #expect(loaded.origins["consumer.idle_poll_seconds"] == .file(path: "prod.toml", line: 5))
        #expect(loaded.origins["consumer.parallelization_factor"] == .defaultValue)
    }

    @Test func commandLine_overridesEnvironmentAndFile() throws {
        let loaded = try load(
            file, environment: ["ZAEL_CONSUMER_BATCH_SIZE": "300", "ZAEL_LOGGING_LEVEL": "error"],
            overrides: [
                CommandLineOverride(key: "consumer.batch_size", value: "400", flag: "--set consumer.batch_size"),
                CommandLineOverride(key: "logging.level", value: "trace", flag: "--log-level"),
            ])
        #expect(loaded.configuration.consumer.batchSize == 400)
        #expect(loaded.configuration.logging.level == .trace)
        #expect(loaded.origins["logging.level"] == .commandLine("--log-level"))
    }

    @Test func environment_canSupplyTheRequiredKey_andClearOptionalOnes() throws {
        let loaded = try load(
            "[metrics]\nlisten = \"127.0.0.1:9464\"\n",
            environment: ["ZAEL_TABLE_NAME": "from-env", "ZAEL_METRICS_LISTEN": ""])
        #expect(loaded.configuration.table.name == "from-env")
        #expect(loaded.configuration.metrics.listen == nil)
    }

    @Test func badEnvironmentValues_nameTheVariable() {
        let found = problems(
            minimal,
            environment: [
                "ZAEL_CONSUMER_BISECT_ON_ERROR": "yes", "ZAEL_CONSUMER_BATCHSIZE": "5", "ZAEL_VENV": "/somewhere",
                "ZAEL_BINARY": "/x", "HOME": "/root",
            ])
        #expect(
            found == [
                #"environment variable ZAEL_CONSUMER_BISECT_ON_ERROR: consumer.bisect_on_error: expected a boolean, found "yes"; allowed: true, false"#,
                "environment variable ZAEL_CONSUMER_BATCHSIZE: unknown key consumer.batchsize (did you mean ZAEL_CONSUMER_BATCH_SIZE?)",
            ])
    }

    @Test func environmentVariableNames_mapToKeys() {
        #expect(ConfigurationLoader.key(forEnvironmentVariable: "ZAEL_AWS_STREAMS_ENDPOINT") == "aws.streams_endpoint")
        #expect(ConfigurationLoader.key(forEnvironmentVariable: "ZAEL_VENV") == nil)
        #expect(ConfigurationLoader.key(forEnvironmentVariable: "ZAEL_TABLE_") == nil)
        for key in AggregatorConfiguration.keys {
            #expect(
                ConfigurationLoader.key(forEnvironmentVariable: ConfigurationLoader.environmentVariable(for: key))
                    == key)
        }
    }

    @Test func sameContext_keepsTheDefaultWorkerIDAcrossReloads() throws {
        let context = ConfigurationContext.current(configPath: "/etc/zael-aggregator/a.toml", environment: [:])
        let first = try load(minimal, context: context).configuration
        let second = try load(minimal, context: context).configuration
        #expect(first.leases.workerID == second.leases.workerID)
        #expect(AggregatorConfiguration.diff(first, second).isEmpty)
    }
}
