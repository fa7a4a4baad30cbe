import Foundation
import Logging
import SystemdSupport

extension ConfigurationLoader {
    /// Builds the configuration from the resolver: every key is read once (marking it known), bad
    /// values are recorded as problems and leave the default in place, then cross-key and format
    /// checks run.
    static func build(
        _ r: inout SettingsResolver, context: ConfigurationContext, path: String
    ) -> AggregatorConfiguration {
        let tableName = r.nonEmptyString("table.name")
        if tableName == nil && r.values["table.name"] == nil {
            r.report(
                ConfigurationProblem(
                    key: "table.name", origin: nil,
                    description:
                        "\(path): missing required key table.name (set name = \"…\" under [table], or ZAEL_TABLE_NAME)")
            )
        }
        var c = AggregatorConfiguration(tableName: tableName ?? "", context: context)
        if let name = tableName { check(tableName: name, key: "table.name", &r) }

        c.aws.region = optional(r.string("aws.region"))
        if let region = c.aws.region,
            !region.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        {
            r.report(
                .value(
                    "aws.region", at: r.origin(of: "aws.region"),
                    "\"\(region)\" is not a region name; allowed: lower-case letters, digits and -, e.g. \"eu-west-1\"")
            )
        }
        c.aws.profile = optional(r.string("aws.profile"))
        c.aws.endpoint = optional(r.string("aws.endpoint"))
        c.aws.streamsEndpoint = optional(r.string("aws.streams_endpoint"))
        for key in ["aws.endpoint", "aws.streams_endpoint"] {
            let value = key == "aws.endpoint" ? c.aws.endpoint : c.aws.streamsEndpoint
            if let value, !isHTTPURL(value) {
                r.report(
                    .value(
                        key, at: r.origin(of: key),
                        "\"\(SecretMasking.mask(value))\" is not an http(s) URL; allowed: a URL such as https://dynamodb.eu-west-1.amazonaws.com"
                    ))
            }
        }

        c.table.streamARN = optional(r.string("table.stream_arn"))
        if let arn = c.table.streamARN, !(arn.hasPrefix("arn:") && arn.contains(":table/") && arn.contains("/stream/"))
        {
            r.report(
                .value(
                    "table.stream_arn", at: r.origin(of: "table.stream_arn"),
                    "\"\(arn)\" is not a DynamoDB stream ARN; allowed: arn:…:table/NAME/stream/LABEL, or leave unset for the table's latest stream"
                ))
        }

        if let v = r.nonEmptyString("leases.table") {
            c.leases.table = v
            check(tableName: v, key: "leases.table", &r)
        }
        if let v = r.bool("leases.create_table") { c.leases.createTable = v }
        if let v = r.integer("leases.failover_time_seconds", range: 3...300, unit: "seconds") {
            c.leases.failoverTime = .seconds(v)
        }
        if let v = r.nonEmptyString("leases.worker_id") { c.leases.workerID = v }
        if let v = r.integer("leases.shard_sync_interval_seconds", range: 5...3600, unit: "seconds") {
            c.leases.shardSyncInterval = .seconds(v)
        }

        if let v = r.integer("consumer.batch_size", range: 1...10_000) { c.consumer.batchSize = v }
        if let v = r.integer("consumer.batching_window_seconds", range: 0...300, unit: "seconds") {
            c.consumer.batchingWindow = .seconds(v)
        }
        if let v = r.integer("consumer.parallelization_factor", range: 1...10) { c.consumer.parallelizationFactor = v }
        if let v = r.choice("consumer.starting_position", as: AggregatorConfiguration.StartingPosition.self) {
            c.consumer.startingPosition = v
        }
        if let v = r.integer(
            "consumer.max_retry_attempts", range: 0...10_000, special: [-1: "retry until the record expires"])
        {
            c.consumer.maxRetryAttempts = v == -1 ? nil : v
        }
        if let v = r.integer(
            "consumer.max_record_age_seconds", range: 60...604_800, special: [-1: "no limit"], unit: "seconds")
        {
            c.consumer.maxRecordAge = v == -1 ? nil : .seconds(v)
        }
        if let v = r.bool("consumer.bisect_on_error") { c.consumer.bisectOnError = v }
        if let v = r.nonEmptyString("consumer.on_failure_spool") { c.consumer.onFailureSpool = v }
        if let v = r.seconds("consumer.idle_poll_seconds", range: 0.1...10) { c.consumer.idlePoll = .seconds(v) }
        if let v = r.seconds("consumer.max_idle_poll_seconds", range: 0.1...60) { c.consumer.maxIdlePoll = .seconds(v) }
        if let v = r.seconds("consumer.http_timeout_seconds", range: 1...300) { c.consumer.httpTimeout = .seconds(v) }
        if let v = r.choice("consumer.filters", as: AggregatorConfiguration.RecordFilter.self) {
            c.consumer.filters = v
        }

        if let v = r.choiceArray("aggregation.windows", as: AggregatorConfiguration.Window.self) {
            c.aggregation.windows = v
        }
        if let v = r.integer("aggregation.snapshot_ttl_days", range: 1...3650, unit: "days") {
            c.aggregation.snapshotTTL = .seconds(v * 86_400)
        }
        if let v = r.choice("aggregation.delivery", as: AggregatorConfiguration.Delivery.self) {
            c.aggregation.delivery = v
        }
        if let v = r.bool("aggregation.allow_unknown_schema") { c.aggregation.allowUnknownSchema = v }

        if let v = r.choice("logging.level", as: LogLevelName.self) { c.logging.level = v.level }
        if let v = r.choice("logging.format", as: LogFormatName.self) { c.logging.format = v.format }

        c.metrics.listen = optional(r.string("metrics.listen"))
        if let listen = c.metrics.listen, !isHostPort(listen) {
            r.report(
                .value(
                    "metrics.listen", at: r.origin(of: "metrics.listen"),
                    "\"\(listen)\" is not HOST:PORT; allowed: \"\" (off) or an address such as \"127.0.0.1:9464\" or \"[::1]:9464\""
                ))
        }
        c.metrics.emfFile = optional(r.string("metrics.emf_file"))

        if let v = r.nonEmptyString("status.socket") { c.status.socket = v }
        // sockaddr_un holds 108 bytes including the terminating NUL.
        if c.status.socket.utf8.count > 107 {
            r.report(
                .value(
                    "status.socket", at: r.origin(of: "status.socket"),
                    "the path is \(c.status.socket.utf8.count) bytes long; allowed: at most 107 bytes (an AF_UNIX socket path)"
                ))
        }
        return c
    }

    /// Empty strings mean "unset" for optional keys, so an environment variable can clear a file value.
    private static func optional(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// DynamoDB table names: 3–255 characters of A–Z, a–z, 0–9, `_`, `-`, `.`.
    private static func check(tableName: String, key: String, _ r: inout SettingsResolver) {
        let valid =
            (3...255).contains(tableName.utf8.count)
            && tableName.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0))
            }
        if !valid {
            r.report(
                .value(
                    key, at: r.origin(of: key),
                    "\"\(tableName)\" is not a DynamoDB table name; allowed: 3 to 255 characters of A-Z, a-z, 0-9, _, - and ."
                ))
        }
    }

    private static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else { return false }
        return true
    }

    private static func isHostPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":") else { return false }
        let host = text[..<colon]
        guard let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port), !host.isEmpty else {
            return false
        }
        if host.hasPrefix("[") { return host.hasSuffix("]") && host.count > 2 }
        return !host.contains(":")
    }
}

/// `logging.level` spellings.
enum LogLevelName: String, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: rawValue)! }
}

/// `logging.format` spellings.
enum LogFormatName: String, CaseIterable {
    case auto, journald, text, json

    var format: LoggingBootstrap.Format { LoggingBootstrap.Format(rawValue: rawValue)! }
}
