import AWSCore
import AWSDynamoDB
import TestPeers
import Testing

@testable import StreamConsumer

/// Two workers started together both find no lease table and both create it: the one that
/// loses the race (ResourceInUseException from the real moto server) must use the table.
@Suite struct LeaseTableCreateRaceTests {
    @Test func losingTheCreateRace_usesTheOtherWorkersTable() throws {
        let moto = try MotoServer()
        let peer = MotoPeer(endpoint: moto.endpoint)
        let racing = CreatesFirst(base: peer.dynamoDB(), rival: peer.leaseTable("leases"))
        try LeaseTable(client: racing, tableName: "leases", createIfMissing: true).prepare()
        #expect(racing.rivalCreated)
        let description = try peer.dynamoDB().describeTable("leases")
        #expect(description.tableStatus == "ACTIVE")
    }
}

/// Forwards to a real client, but lets a rival worker create the table just before our create.
private final class CreatesFirst: DynamoDBAPI, @unchecked Sendable {
    let base: DynamoDBAPI
    let rival: LeaseTable
    var rivalCreated = false

    init(base: DynamoDBAPI, rival: LeaseTable) {
        self.base = base
        self.rival = rival
    }

    func createTable(_ input: CreateTableInput) throws -> TableDescription {
        try rival.prepare()
        rivalCreated = true
        return try base.createTable(input)
    }

    func describeTable(_ tableName: String) throws -> TableDescription { try base.describeTable(tableName) }
    func getItem(_ input: GetItemInput) throws -> Item? { try base.getItem(input) }
    func putItem(_ input: PutItemInput) throws -> WriteOutput { try base.putItem(input) }
    func updateItem(_ input: UpdateItemInput) throws -> WriteOutput { try base.updateItem(input) }
    func deleteItem(_ input: DeleteItemInput) throws -> WriteOutput { try base.deleteItem(input) }
    func query(_ input: QueryInput) throws -> PageOutput { try base.query(input) }
    func scan(_ input: ScanInput) throws -> PageOutput { try base.scan(input) }
    func transactWriteItems(_ input: TransactWriteItemsInput) throws -> TransactWriteItemsOutput {
        try base.transactWriteItems(input)
    }
}
