import Testing
@testable import Observability

@Test func moduleLoads() { #expect(Bool(true)) }
