import Testing
@testable import AWSDynamoDB

@Test func moduleLoads() { #expect(Bool(true)) }
