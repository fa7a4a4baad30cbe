import Foundation
import Testing

@testable import Observability

@Suite struct StatusRendererTests {
    /// The lines of the table section that starts with the `SHARD` header, up to the blank line.
    private func shardRows(_ text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        guard let header = lines.firstIndex(where: { $0.hasPrefix("SHARD ") }) else { return [] }
        return Array(lines[header...].prefix { !$0.isEmpty })
    }

    @Test func table_hasOneAlignedRowPerShard_totalsAndMaskedConfig() {
        let snapshot = StatusFixtures.snapshot(shards: 4)
        let text = StatusRenderer.table(snapshot)
        let rows = shardRows(text)
        #expect(rows.count == 5)  // header + 4 shards

        // Columns line up: every row has its state where the header has STATE.
        let stateColumn = rows[0].range(of: "STATE")!.lowerBound.utf16Offset(in: rows[0])
        for (row, shard) in zip(rows.dropFirst(), snapshot.shards) {
            #expect(row.hasPrefix(shard.shardId + " "))
            let state = row.utf16.dropFirst(stateColumn).prefix(shard.state.rawValue.utf16.count)
            #expect(String(state) == shard.state.rawValue)
            #expect(row.contains(shard.checkpoint ?? "-"))
        }
        #expect(rows[1].contains("throttling: Rate exceeded"))
        #expect(rows[2].split(separator: " ").contains("-"))  // no age yet
        #expect(rows[4].contains("4.50s"))

        #expect(text.contains("worker host-a:4242 on host-a, version 0.3.1, up 3h 2m"))
        #expect(text.contains("TOTALS  leases 4  records 123456 (20.5/s)"))
        #expect(text.contains("  aws.region = eu-west-1\n"))
        #expect(text.contains("  aws.secret_access_key = ****\n"))
        #expect(text.contains("  aws.endpoint = https://****@dynamodb.example/x\n"))
        #expect(!text.contains("AKIAEXAMPLESECRET"))
        #expect(!text.contains("user:pw"))
    }

    @Test func table_withoutShards_saysSo() {
        let text = StatusRenderer.table(StatusFixtures.snapshot(shards: 0))
        #expect(shardRows(text).isEmpty)
        #expect(text.contains("no shards held"))
    }

    @Test func table_neutralizesControlCharacters() {
        var snapshot = StatusFixtures.snapshot(shards: 1)
        snapshot.shards[0].lastError = "bad\nline\u{1B}[31m"
        let text = StatusRenderer.table(snapshot)
        #expect(shardRows(text).count == 2)
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains("bad?line?[31m"))
    }

    @Test func json_roundTrips_andUnknownStatesDecode() throws {
        let snapshot = StatusFixtures.snapshot()
        let text = StatusRenderer.json(snapshot)
        #expect(try StatusSnapshot.decoder().decode(StatusSnapshot.self, from: Data(text.utf8)) == snapshot)
        #expect(text.contains("\"state\" : \"waitingForParents\""))

        let future = text.replacingOccurrences(of: "\"waitingForParents\"", with: "\"draining\"")
        let decoded = try StatusSnapshot.decoder().decode(StatusSnapshot.self, from: Data(future.utf8))
        #expect(decoded.shards[1].state == ShardState(rawValue: "draining"))
    }

    /// The lines of the table section that starts with the `DUTY` header, up to the blank line.
    private func dutyRows(_ text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        guard let header = lines.firstIndex(where: { $0.hasPrefix("DUTY ") }) else { return [] }
        return Array(lines[header...].prefix { !$0.isEmpty })
    }

    @Test func table_hasOneAlignedRowPerDuty_withItsCountersAndSkipReasons() throws {
        let snapshot = StatusFixtures.snapshot(shards: 2)
        let text = StatusRenderer.table(snapshot)
        let rows = dutyRows(text)
        #expect(rows.count == 1 + snapshot.duties.count)
        // After the totals, before the configuration.
        let duty = try #require(text.range(of: "\nDUTY "))
        #expect(try #require(text.range(of: "TOTALS ")).upperBound < duty.lowerBound)
        #expect(duty.upperBound < (try #require(text.range(of: "CONFIG\n"))).lowerBound)

        let header = rows[0]
        func column(_ name: String) -> Int { header.range(of: name)!.lowerBound.utf16Offset(in: header) }
        func cell(_ row: String, at name: String) -> String {
            String(String(row.utf16.dropFirst(column(name)))!.prefix { $0 != " " })
        }
        for (row, duty) in zip(rows.dropFirst(), snapshot.duties) {
            #expect(row.hasPrefix(duty.duty + " "))
            #expect(cell(row, at: "ENABLED") == (duty.enabled ? "yes" : "no"))
            #expect(cell(row, at: "WRITTEN") == String(duty.written))
            #expect(cell(row, at: "CONDITION-SKIPPED") == String(duty.skippedByCondition))
            #expect(cell(row, at: "ERRORS") == String(duty.errors))
        }
        // Reasons sorted, each with its count; a duty that skipped nothing shows `-`.
        #expect(rows[1].hasSuffix("  schedule_error 2, window_ended 4"))
        #expect(rows[2].hasSuffix("  -"))
        #expect(rows[3].contains("shard_count_propagation  no "))
    }

    @Test func table_withoutDuties_hasNoDutySection() {
        var snapshot = StatusFixtures.snapshot(shards: 1)
        snapshot.duties = []
        #expect(dutyRows(StatusRenderer.table(snapshot)).isEmpty)
    }

    @Test func table_neutralizesControlCharactersInDutyNamesAndReasons() {
        var snapshot = StatusFixtures.snapshot(shards: 1)
        snapshot.duties = [DutyStatus(duty: "x\ny", enabled: true, skipped: ["a\u{1B}b": 1])]
        let rows = dutyRows(StatusRenderer.table(snapshot))
        #expect(rows.count == 2)
        #expect(rows[1].hasPrefix("x?y "))
        #expect(rows[1].hasSuffix("a?b 1"))
    }

    @Test func json_carriesEveryDutyCounter_andAReplyWithoutDutiesStillDecodes() throws {
        let snapshot = StatusFixtures.snapshot()
        let text = StatusRenderer.json(snapshot)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let duties = try #require(document["duties"] as? [[String: Any]])
        #expect(duties.map { $0["duty"] as? String } == snapshot.duties.map(\.duty))
        let refill = duties[0]
        #expect(refill["enabled"] as? Bool == true)
        #expect(refill["written"] as? Int == 1520)
        #expect(refill["skippedByCondition"] as? Int == 37)
        #expect(refill["errors"] as? Int == 1)
        #expect(refill["skipped"] as? [String: Int] == ["window_ended": 4, "schedule_error": 2])

        // An older daemon's reply has no `duties`: a newer client reads it as none.
        var older = document
        older.removeValue(forKey: "duties")
        let data = try JSONSerialization.data(withJSONObject: older)
        let decoded = try StatusSnapshot.decoder().decode(StatusSnapshot.self, from: data)
        #expect(decoded.duties == [])
        var expected = snapshot
        expected.duties = []
        #expect(decoded == expected)
    }

    @Test func durations_readForHumans() {
        #expect(StatusRenderer.duration(1.254) == "1.25s")
        #expect(StatusRenderer.duration(252) == "4m 12s")
        #expect(StatusRenderer.duration(7500) == "2h 5m")
        #expect(StatusRenderer.duration(3 * 86400 + 4 * 3600 + 59) == "3d 4h")
        #expect(StatusRenderer.duration(.infinity) == "-")
    }

    @Test func configMasking_coversSecretKeysAndURLUserInfo() {
        #expect(ConfigMasking.masked(key: "aws.session_token", value: "abc") == "****")
        #expect(ConfigMasking.masked(key: "aws.Password", value: "abc") == "****")
        #expect(ConfigMasking.masked(key: "aws.secret", value: "") == "")
        #expect(ConfigMasking.masked(key: "aws.profile", value: "prod") == "prod")
        #expect(ConfigMasking.masked(key: "aws.endpoint", value: "http://127.0.0.1:5000") == "http://127.0.0.1:5000")
        #expect(ConfigMasking.masked(key: "aws.endpoint", value: "http://a:b@h/p@q") == "http://****@h/p@q")
    }
}
