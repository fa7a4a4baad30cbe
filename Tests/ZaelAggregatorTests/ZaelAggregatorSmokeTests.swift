import Testing
@testable import ZaelAggregator

@Test func moduleLoads() { #expect(Bool(true)) }
