import Testing
@testable import UsageAggregation

@Test func moduleLoads() { #expect(Bool(true)) }
