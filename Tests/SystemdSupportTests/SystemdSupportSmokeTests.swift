import Testing
@testable import SystemdSupport

@Test func moduleLoads() { #expect(Bool(true)) }
