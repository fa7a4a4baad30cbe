import AWSDynamoDB
import Logging
import Testing

@testable import ZaeLimiter

@Suite struct SchemaVersionCheckTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func check(_ record: Item?, override: Bool = false) throws -> String? {
        let db = FakeDynamoDB()
        db.getItemResult = record
        return try SchemaVersionCheck(tableName: "limits", override: override).run(client: db, logger: logger)
    }

    @Test func knownSchema_passes() throws {
        #expect(try check(["PK": .s("_/SYSTEM#"), "SK": .s("#VERSION"), "schema_version": .s("0.10.0")]) == "0.10.0")
        #expect(try check(["schema_version": .s("0.11.2")]) == "0.11.2")
    }

    @Test func unknownMajor_isRefused_namingTheSupportedVersions() {
        #expect(throws: ZaeLimiterError.unsupportedSchema(table: "limits", found: "1.0.0", supported: ["0.x"])) {
            try check(["schema_version": .s("1.0.0")])
        }
        let message = ZaeLimiterError.unsupportedSchema(table: "limits", found: "1.0.0", supported: ["0.x"])
            .description
        #expect(message.contains("0.x") && message.contains("1.0.0"))
        #expect(throws: ZaeLimiterError.self) { try check(["schema_version": .s("garbage")]) }
        #expect(throws: ZaeLimiterError.self) { try check(["other": .s("0.10.0")]) }
    }

    @Test func missingRecord_isRefused_unlessOverridden() throws {
        #expect(throws: ZaeLimiterError.missingVersionRecord(table: "limits")) { try check(nil) }
        #expect(try check(nil, override: true) == nil)
        #expect(try check(["schema_version": .s("7.0.0")], override: true) == "7.0.0")
    }

    @Test func versionRecordKey_isZaeLimiters() throws {
        let db = FakeDynamoDB()
        db.getItemResult = ["schema_version": .s("0.10.0")]
        final class Spy: DynamoDBAPI {
            var asked: GetItemInput?
            func getItem(_ input: GetItemInput) throws -> Item? {
                asked = input
                return ["schema_version": .s("0.10.0")]
            }
            func describeTable(_ tableName: String) throws -> TableDescription { fatalError() }
            func createTable(_ input: CreateTableInput) throws -> TableDescription { fatalError() }
            func putItem(_ input: PutItemInput) throws -> WriteOutput { fatalError() }
            func updateItem(_ input: UpdateItemInput) throws -> WriteOutput { fatalError() }
            func deleteItem(_ input: DeleteItemInput) throws -> WriteOutput { fatalError() }
            func query(_ input: QueryInput) throws -> PageOutput { fatalError() }
            func scan(_ input: ScanInput) throws -> PageOutput { fatalError() }
            func transactWriteItems(_ input: TransactWriteItemsInput) throws -> TransactWriteItemsOutput {
                fatalError()
            }
        }
        let spy = Spy()
        try SchemaVersionCheck(tableName: "limits").run(client: spy, logger: logger)
        #expect(spy.asked?.key == ["PK": .s("_/SYSTEM#"), "SK": .s("#VERSION")])
        #expect(spy.asked?.consistentRead == true)
    }
}
