/// One limit's consumption change in one bucket stream record (`ConsumptionDelta` in the
/// reference).
public struct UsageDelta: Sendable, Equatable {
    public var namespaceId: String
    public var entityId: String
    public var resource: String
    public var limitName: String
    /// `b_{limit}_tc` new − old, millitokens; never zero.
    public var millitokens: Int128
    /// The NewImage's `rf`, epoch milliseconds: the snapshot window comes from it.
    public var timestampMilliseconds: Int128
    /// A soft limit debited into debt by this record: counted as `{limit}#od`.
    public var overdrawn: Bool

    public init(
        namespaceId: String, entityId: String, resource: String, limitName: String, millitokens: Int128,
        timestampMilliseconds: Int128, overdrawn: Bool = false
    ) {
        self.namespaceId = namespaceId
        self.entityId = entityId
        self.resource = resource
        self.limitName = limitName
        self.millitokens = millitokens
        self.timestampMilliseconds = timestampMilliseconds
        self.overdrawn = overdrawn
    }

    /// Whole tokens as the reference stores them: `millitokens // 1000`, rounded toward −∞.
    public var tokens: Int128 { PythonInteger.floorDivide(millitokens, by: 1000) }
}
