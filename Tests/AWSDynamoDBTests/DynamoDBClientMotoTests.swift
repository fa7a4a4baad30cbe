import AWSCore
import Foundation
import TestPeers
import Testing

@testable import AWSDynamoDB

@Suite struct DynamoDBClientMotoTests {
    @Test func createTable_withStream_thenDescribeTable() throws {
        let moto = try MotoServer()
        let client = MotoClients.dynamoDB(moto.endpoint)
        let name = MotoClients.uniqueName("create")
        let created = try MotoClients.createTable(client, name)
        #expect(created.tableName == name)
        #expect(created.streamEnabled)
        #expect(created.streamViewType == "NEW_AND_OLD_IMAGES")
        #expect(created.latestStreamArn?.contains(name) == true)
        let described = try client.describeTable(name)
        #expect(described.tableName == name)
        #expect(described.tableStatus == "ACTIVE")
        #expect(described.keySchema == created.keySchema)
        #expect(described.keySchema.map(\.keyType) == ["HASH", "RANGE"])
        #expect(described.latestStreamArn == created.latestStreamArn)
        #expect(described.tableArn?.hasSuffix("table/\(name)") == true)
    }

    @Test func describeTable_missingTable_isFatalResourceNotFound() throws {
        let moto = try MotoServer()
        let client = MotoClients.dynamoDB(moto.endpoint)
        let error = #expect(throws: AWSError.self) { try client.describeTable("no-such-table") }
        #expect(error?.kind == .fatal)
        #expect(error?.code == "ResourceNotFoundException")
        #expect(error?.operation == "DescribeTable")
        #expect(error?.httpStatus == 400)
        #expect(error?.attempt == 1)
        #expect(error?.description.contains("DescribeTable failed: ResourceNotFoundException") == true)
    }

    @Test func putGetUpdateDelete_withConditions() throws {
        let moto = try MotoServer()
        let client = MotoClients.dynamoDB(moto.endpoint)
        let table = MotoClients.uniqueName("items")
        try MotoClients.createTable(client, table)
        let key = MotoClients.key("P1", "S1")
        let absent = ExpressionParts(conditionExpression: "attribute_not_exists(PK)")

        _ = try client.putItem(
            PutItemInput(tableName: table, item: key.merging(["n": .n("1")]) { $1 }, expression: absent))
        let again = #expect(throws: AWSError.self) {
            try client.putItem(PutItemInput(tableName: table, item: key, expression: absent))
        }
        #expect(again?.kind == .conditional)
        #expect(again?.code == "ConditionalCheckFailedException")
        #expect(again?.attempt == 1)

        let updated = try client.updateItem(
            UpdateItemInput(
                tableName: table, key: key, updateExpression: "ADD #n :d SET tag = :t",
                expression: ExpressionParts(
                    conditionExpression: "#n = :one", names: ["#n": "n"],
                    values: [":d": .n("41"), ":one": .n("1"), ":t": .s("x")]),
                returnValues: .allNew))
        #expect(updated.attributes?["n"] == .n("42"))
        #expect(updated.attributes?["tag"] == .s("x"))

        let stale = #expect(throws: AWSError.self) {
            try client.updateItem(
                UpdateItemInput(
                    tableName: table, key: key, updateExpression: "ADD #n :d",
                    expression: ExpressionParts(
                        conditionExpression: "#n = :one", names: ["#n": "n"], values: [":d": .n("1"), ":one": .n("1")]))
            )
        }
        #expect(stale?.kind == .conditional)

        #expect(try client.getItem(GetItemInput(tableName: table, key: key, consistentRead: true))?["n"] == .n("42"))
        let deleted = try client.deleteItem(
            DeleteItemInput(
                tableName: table, key: key, expression: ExpressionParts(conditionExpression: "attribute_exists(PK)"),
                returnValues: .allOld))
        #expect(deleted.attributes?["tag"] == .s("x"))
        #expect(try client.getItem(GetItemInput(tableName: table, key: key)) == nil)
    }

    @Test func queryAndScan_paginateWithLastEvaluatedKey() throws {
        let moto = try MotoServer()
        let client = MotoClients.dynamoDB(moto.endpoint)
        let table = MotoClients.uniqueName("pages")
        try MotoClients.createTable(client, table)
        let sortKeys = (0..<7).map { "S\($0)" }
        for sk in sortKeys { _ = try client.putItem(PutItemInput(tableName: table, item: MotoClients.key("P", sk))) }
        _ = try client.putItem(PutItemInput(tableName: table, item: MotoClients.key("Other", "S0")))

        var queried: [String] = []
        var start: Item?
        var pages = 0
        repeat {
            let page = try client.query(
                QueryInput(
                    tableName: table, keyConditionExpression: "PK = :pk", values: [":pk": .s("P")],
                    exclusiveStartKey: start,
                    limit: 3))
            #expect(page.items.count <= 3)
            queried += page.items.compactMap { $0["SK"]?.s }
            start = page.lastEvaluatedKey
            pages += 1
        } while start != nil && pages < 10
        #expect(queried == sortKeys)
        #expect(pages >= 3)

        var scanned: [String] = []
        start = nil
        pages = 0
        repeat {
            let page = try client.scan(ScanInput(tableName: table, exclusiveStartKey: start, limit: 2))
            scanned += page.items.compactMap { item in item["PK"]?.s.map { "\($0)/\(item["SK"]?.s ?? "")" } }
            start = page.lastEvaluatedKey
            pages += 1
        } while start != nil && pages < 20
        #expect(scanned.sorted() == (sortKeys.map { "P/\($0)" } + ["Other/S0"]).sorted())
        #expect(pages >= 4)
    }

    @Test func transactWriteItems_succeeds_thenCancelsWithReasonsInOrder() throws {
        let moto = try MotoServer()
        let client = MotoClients.dynamoDB(moto.endpoint)
        let table = MotoClients.uniqueName("tx")
        try MotoClients.createTable(client, table)
        _ = try client.transactWriteItems(
            TransactWriteItemsInput(items: [
                .put(PutItemInput(tableName: table, item: MotoClients.key("A", "1").merging(["v": .n("1")]) { $1 })),
                .update(
                    UpdateItemInput(
                        tableName: table, key: MotoClients.key("B", "1"), updateExpression: "ADD v :one",
                        expression: ExpressionParts(values: [":one": .n("1")]))),
            ]))
        #expect(try client.getItem(GetItemInput(tableName: table, key: MotoClients.key("A", "1")))?["v"] == .n("1"))
        #expect(try client.getItem(GetItemInput(tableName: table, key: MotoClients.key("B", "1")))?["v"] == .n("1"))

        let error = #expect(throws: AWSError.self) {
            try client.transactWriteItems(
                TransactWriteItemsInput(items: [
                    .update(
                        UpdateItemInput(
                            tableName: table, key: MotoClients.key("A", "1"), updateExpression: "ADD v :one",
                            expression: ExpressionParts(values: [":one": .n("1")]))),
                    .conditionCheck(
                        tableName: table, key: MotoClients.key("B", "1"),
                        expression: ExpressionParts(conditionExpression: "v = :two", values: [":two": .n("2")])),
                    .delete(DeleteItemInput(tableName: table, key: MotoClients.key("C", "1"))),
                ]))
        }
        #expect(error?.kind == .conditional)
        #expect(error?.code == "TransactionCanceledException")
        #expect(error?.cancellationReasons == ["None", "ConditionalCheckFailed", "None"])
        #expect(error?.attempt == 1)
        // Nothing of the cancelled transaction was applied.
        #expect(try client.getItem(GetItemInput(tableName: table, key: MotoClients.key("A", "1")))?["v"] == .n("1"))
    }

    @Test func attributeValues_roundTripEveryType() throws {
        let moto = try MotoServer()
        let client = MotoClients.dynamoDB(moto.endpoint)
        let table = MotoClients.uniqueName("types")
        try MotoClients.createTable(client, table)
        let key = MotoClients.key("T", "all")
        let attributes: Item = [
            "s": .s("héllo \"quoted\" \\ \n tab\t 🎉"),
            "n": .n("12345678901234567890123456789012345678"),
            "nfrac": .n("-0.000000000000000000000000000000000001"),
            "b": .b([0, 1, 2, 127, 128, 254, 255]),
            "yes": .bool(true), "no": .bool(false),
            "nothing": .null,
            "m": .m(["inner": .s("x"), "deep": .m(["k": .l([.n("1"), .s("two"), .null])])]),
            "l": .l([.s("a"), .n("2"), .bool(false), .b([9]), .l([])]),
            "ss": .ss(["alpha", "beta", "gamma"]),
            "ns": .ns(["1", "2.5", "99999999999999999999999999999999999999"]),
            "bs": .bs([[1], [2, 3], [255]]),
        ]
        let item = key.merging(attributes) { $1 }
        _ = try client.putItem(PutItemInput(tableName: table, item: item))
        let read = try #require(try client.getItem(GetItemInput(tableName: table, key: key, consistentRead: true)))
        #expect(Set(read.keys) == Set(item.keys))
        for (name, value) in item {
            switch (value, read[name]) {
            case (.ss(let a), .ss(let b)?), (.ns(let a), .ns(let b)?): #expect(Set(a) == Set(b), "\(name)")
            case (.bs(let a), .bs(let b)?): #expect(Set(a) == Set(b), "\(name)")
            default: #expect(read[name] == value, "\(name)")
            }
        }
    }
}
