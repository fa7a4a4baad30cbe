import Foundation
import Logging
import Testing

@testable import Observability

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct StatusServerTests {
    private let logger = Logger(label: "test.status")

    /// A short socket path (sun_path holds 107 bytes) in a fresh directory.
    private func socketPath() throws -> (directory: String, path: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zst-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        return (directory, directory + "/status.sock")
    }

    @Test func clientReadsBackTheSnapshot() throws {
        let (directory, path) = try socketPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let expected = StatusFixtures.snapshot()
        let server = try StatusServer(path: path, logger: logger) { expected }
        server.start()
        defer { server.stop() }

        #expect(try StatusClient.fetch(path: path) == expected)
        #expect(try StatusClient.fetch(path: path) == expected)  // one document per connection, repeatedly
        #expect(try StatusClient.fetch(path: path).config.first { $0.key == "aws.secret_access_key" }?.value == "****")
    }

    @Test func socketFileHasMode0660_andStopRemovesIt() throws {
        let (directory, path) = try socketPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try StatusServer(path: path, logger: logger) { StatusFixtures.snapshot() }
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        server.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func snapshotClosureRunsPerConnection() throws {
        let (directory, path) = try socketPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let counter = LockedCounter()
        let server = try StatusServer(path: path, logger: logger) {
            var snapshot = StatusFixtures.snapshot(shards: 0)
            snapshot.totals.batches = counter.next()
            return snapshot
        }
        server.start()
        defer { server.stop() }
        #expect(try StatusClient.fetch(path: path).totals.batches == 1)
        #expect(try StatusClient.fetch(path: path).totals.batches == 2)
    }

    @Test func junkFromClients_doesNotStopTheServer() throws {
        let (directory, path) = try socketPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let expected = StatusFixtures.snapshot()
        let server = try StatusServer(path: path, logger: logger) { expected }
        server.start()
        defer { server.stop() }

        let junk: [[UInt8]] = [
            Array("GET / HTTP/1.1\r\n\r\n".utf8), [0, 1, 2, 255],
            (0..<(512 * 1024)).map { UInt8(truncatingIfNeeded: $0) }, [],
        ]
        for bytes in junk {
            // Whatever the client sends, it still gets the document (or at worst is cut off).
            let reply = try RawSocket.exchangeUnix(path: path, bytes)
            // Small inputs fit the socket buffer, so the reply always arrives in full.
            if bytes.count < 4096 { #expect(!reply.isEmpty) }
            if !reply.isEmpty {
                #expect(throws: Never.self) {
                    try StatusSnapshot.decoder().decode(StatusSnapshot.self, from: Data(reply))
                }
            }
        }
        // A client that connects and vanishes without reading.
        for _ in 0..<20 {
            let fd = try StatusClient.connect(path: path)
            close(fd)
        }
        #expect(try StatusClient.fetch(path: path) == expected)
    }

    @Test func staleSocketFile_isReplaced_liveOneAndOtherFilesAreNot() throws {
        let (directory, path) = try socketPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // A socket file left behind by a process that died: bound, never served, closed.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = try SocketIO.unixAddress(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        close(stale)
        #expect(FileManager.default.fileExists(atPath: path))

        let server = try StatusServer(path: path, logger: logger) { StatusFixtures.snapshot(shards: 1) }
        server.start()
        #expect(try StatusClient.fetch(path: path).shards.count == 1)

        // A second daemon on the same path must not steal the live socket.
        #expect(throws: ObservabilityError.self) {
            _ = try StatusServer(path: path, logger: logger) { StatusFixtures.snapshot() }
        }
        #expect(try StatusClient.fetch(path: path).shards.count == 1)
        server.stop()

        // A regular file at the path is never deleted.
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        #expect(throws: ObservabilityError.self) {
            _ = try StatusServer(path: path, logger: logger) { StatusFixtures.snapshot() }
        }
        #expect(FileManager.default.contents(atPath: path) == Data("keep".utf8))
    }

    @Test func clientErrors_areReported() throws {
        let (directory, path) = try socketPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: ObservabilityError.self) { try StatusClient.fetch(path: path) }  // nobody listens
        #expect(throws: ObservabilityError.self) { try StatusClient.fetch(path: String(repeating: "x", count: 200)) }
        #expect(throws: ObservabilityError.self) {
            _ = try StatusServer(path: "/" + String(repeating: "y", count: 120), logger: logger) {
                StatusFixtures.snapshot()
            }
        }
    }
}

/// A thread-safe counter for closures that run on the server thread.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64 = 0  // guarded by `lock`

    func next() -> Int64 {
        lock.withLock {
            value += 1
            return value
        }
    }
}
