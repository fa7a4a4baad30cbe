import Testing
@testable import AWSCore

@Test func moduleLoads() { #expect(Bool(true)) }
