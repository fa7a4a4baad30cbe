import AWSCore
import AWSDynamoDB
import Metrics

/// Sends one bucket duty's conditional UpdateItems and counts their outcomes under the duty's
/// name: the refill and the proactive doubling write the same way.
struct MaintenanceWriter {
    let metrics: MaintenanceMetrics
    private let client: DynamoDBAPI
    private let tableName: String

    init(client: DynamoDBAPI, tableName: String, duty: String, metricsFactory: MetricsFactory) {
        self.client = client
        self.tableName = tableName
        self.metrics = MaintenanceMetrics(duty: duty, factory: metricsFactory)
    }

    /// True when written; false when the condition no longer held (someone else moved first:
    /// counted and skipped). Any other error is counted and thrown, so the engine delivers the
    /// batch again.
    func send(_ request: MaintenanceRequest) throws -> Bool {
        do {
            _ = try client.updateItem(request.updateItemInput(table: tableName))
            metrics.writes.increment()
            return true
        } catch let error as AWSError where error.kind == .conditional {
            metrics.conditionFailures.increment()
            return false
        } catch {
            metrics.errors.increment()
            throw error
        }
    }
}
