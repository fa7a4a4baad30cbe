import Foundation
import TestPeers
import Testing

@testable import SystemdSupport

@Suite struct SystemdNotifierTests {
    @Test func readyAndStatus_goInOneDatagram() throws {
        let receiver = try NotifyReceiver()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.address])
        #expect(notifier.isEnabled)
        let sent = try notifier.notify(.ready, .status("serving 3 shards"))
        #expect(sent)
        #expect(receiver.receive() == "READY=1\nSTATUS=serving 3 shards")
    }

    @Test func abstractSocketAddress_isUsed() throws {
        let receiver = try NotifyReceiver(abstract: true)
        let notifier = SystemdNotifier(socketPath: receiver.address)
        try notifier.notify(.stopping)
        #expect(receiver.receive() == "STOPPING=1")
    }

    @Test func watchdogPing_isWATCHDOG1() throws {
        let receiver = try NotifyReceiver()
        try SystemdNotifier(socketPath: receiver.address).notify(.watchdog)
        #expect(receiver.receive() == "WATCHDOG=1")
    }

    @Test func reloading_carriesMonotonicTimestamp() throws {
        let receiver = try NotifyReceiver()
        let before = monotonicMicroseconds()
        try SystemdNotifier(socketPath: receiver.address).notify(.reloadingNow())
        let after = monotonicMicroseconds()
        let message = try #require(receiver.receive())
        let lines = message.split(separator: "\n")
        #expect(lines.first == "RELOADING=1")
        #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
        let stamp = try #require(lines.last.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) })
        #expect((before...after).contains(stamp))
    }

    @Test func statusText_isKeptOnOneLine() {
        #expect(NotifyMessage.status("a\nb\r\nc").line == "STATUS=a b c")
    }

    @Test func withoutSocket_nothingIsSent() throws {
        let notifier = SystemdNotifier(environment: ["OTHER": "x"])
        #expect(!notifier.isEnabled)
        #expect(try notifier.notify(.ready) == false)
        #expect(try SystemdNotifier(socketPath: "").notify(.ready) == false)
    }

    @Test func missingSocket_throwsWithErrno() throws {
        let notifier = SystemdNotifier(socketPath: NSTemporaryDirectory() + "/zael-no-such-\(UUID().uuidString).sock")
        let error = try #require(throws: SystemdError.self) { try notifier.notify(.ready) }
        #expect(error.code == ENOENT)
        #expect(error.operation == "sd_notify")
    }

    @Test func tooLongSocketPath_isRejected() throws {
        let notifier = SystemdNotifier(socketPath: "/" + String(repeating: "x", count: 200))
        let error = try #require(throws: SystemdError.self) { try notifier.notify(.ready) }
        #expect(error.code == ENAMETOOLONG)
    }
}
