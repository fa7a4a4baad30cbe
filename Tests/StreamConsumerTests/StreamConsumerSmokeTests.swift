import Testing
@testable import StreamConsumer

@Test func moduleLoads() { #expect(Bool(true)) }
