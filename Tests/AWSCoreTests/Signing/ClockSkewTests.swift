import Foundation
import InMemoryLogging
import Logging
import TestPeers
import Testing

@testable import AWSCore

@Suite struct ClockSkewTests {
    let credentials = StaticCredentialProvider(
        Credentials(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", source: "test"))

    /// A logger whose entries `logs` keeps (in memory; the global bootstrap is never touched).
    func logger(_ logs: InMemoryLogHandler) -> Logger { Logger(label: "test.clock-skew", factory: { _ in logs }) }

    func warnings(_ logs: InMemoryLogHandler) -> [String] {
        logs.entries.filter { $0.level == .warning }.map(\.message.description)
    }

    func client(_ server: PeerScriptServer, skew: ClockSkew, logger: Logger) -> AWSJSONClient {
        AWSJSONClient(
            endpoint: server.endpoint, targetPrefix: "DynamoDB_20120810", region: "us-east-1",
            transport: CurlTransport(), credentials: credentials,
            retrier: Retrier(policy: .init(maxAttempts: 1), abortFlag: nil), clockSkew: skew, logger: logger)
    }

    /// The seconds since the epoch an `X-Amz-Date` value names.
    func epochSeconds(_ amzDate: String) throws -> Double {
        let chars = Array(amzDate)
        try #require(chars.count == 16 && chars[8] == "T" && chars[15] == "Z", "X-Amz-Date \(amzDate)")
        func number(_ range: Range<Int>) throws -> Int32 { try #require(Int32(String(chars[range]))) }
        var parts = tm()
        parts.tm_year = try number(0..<4) - 1900
        parts.tm_mon = try number(4..<6) - 1
        parts.tm_mday = try number(6..<8)
        parts.tm_hour = try number(9..<11)
        parts.tm_min = try number(11..<13)
        parts.tm_sec = try number(13..<15)
        return Double(timegm(&parts))
    }

    @Test(arguments: [600.0, -600.0])
    func skewedServer_firstCallSucceedsOnItsSecondSend_laterCallsOnTheirFirst(serverAhead: Double) throws {
        let server = try PeerScriptServer.faultServer(mode: "skewed", extra: ["--clock-offset", String(serverAhead)])
        let skew = ClockSkew()
        let logs = InMemoryLogHandler()
        // One attempt allowed: the resend after a clock rejection must not need the retrier.
        let first = client(server, skew: skew, logger: logger(logs))
        _ = try first.call("DescribeTable", input: .object([(key: "TableName", value: .string("t"))]))
        var stats = try server.stats()
        #expect(stats.statuses == [400, 200])
        #expect(abs(skew.offset - serverAhead) < 5, "learnt offset \(skew.offset)")

        _ = try first.call("DescribeTable", input: .object([(key: "TableName", value: .string("t"))]))
        // A second client sharing the offset (as every client shares the process-wide one).
        let second = client(server, skew: skew, logger: logger(logs))
        _ = try second.call("GetRecords", input: .object([]))
        stats = try server.stats()
        #expect(stats.statuses == [400, 200, 200, 200])

        // The rejected request carried the host's time, the others the server's.
        let host = Date().timeIntervalSince1970
        let dates = try stats.amzDates.map(epochSeconds)
        #expect(abs(dates[0] - host) < 60)
        for date in dates.dropFirst() { #expect(abs(date - (host + serverAhead)) < 60) }

        // One warning for the clock fault, however many requests it touched.
        #expect(warnings(logs).count == 1, "\(warnings(logs))")
        let warning = warnings(logs).first ?? ""
        #expect(warning.hasPrefix("host clock is off by ") && warning.hasSuffix(" s; signing with the server's time"))
        #expect(abs(Self.seconds(in: warning) - Int(abs(serverAhead))) <= 5, "\(warning)")
    }

    @Test func serverInStep_noCorrection() throws {
        let server = try PeerScriptServer.faultServer(mode: "skewed", extra: ["--clock-offset", "30"])
        let skew = ClockSkew()
        let logs = InMemoryLogHandler()
        _ = try client(server, skew: skew, logger: logger(logs)).call("DescribeTable", input: .object([]))
        #expect(try server.stats().statuses == [200])
        #expect(skew.offset == 0)
        #expect(warnings(logs).isEmpty)
    }

    /// The number in "host clock is off by N s; …".
    static func seconds(in warning: String) -> Int {
        let words = warning.split(separator: " ")
        guard let index = words.firstIndex(of: "by"), index + 1 < words.count else { return -1 }
        return Int(words[index + 1]) ?? -1
    }

    // MARK: - Deciding what is a clock error

    func response(dateOffset: TimeInterval, from base: Date) -> HTTPResponse {
        let date = base.addingTimeInterval(dateOffset)
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [Int8](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        let header = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return HTTPResponse(status: 400, headers: [(name: "date", value: header)], body: [])
    }

    func error(_ code: String, _ message: String) -> AWSError {
        AWSError(kind: .credentials, code: code, message: message, operation: "PutItem")
    }

    @Test func learn_needsAClockErrorAndADateBeyondTheThreshold() {
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        let expired = error(
            "InvalidSignatureException",
            "Signature expired: 20270115T080000Z is now earlier than 20270115T080500Z (20270115T081000Z - 5 min.)")
        let cases: [(AWSError, TimeInterval, Bool)] = [
            (expired, 600, true),
            (expired, -600, true),
            (expired, 200, false),  // within 4 minutes: the clock is not the problem
            (
                error(
                    "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."
                ), 1200, true
            ),
            (error("RequestExpired", "Request has expired."), -900, true),
            (error("RequestInTheFuture", "Request is in the future"), 900, true),
            (
                error("SignatureDoesNotMatch", "Signature not yet current: 20270115T080000Z is still later than …"),
                -700, true
            ),
            (
                error(
                    "InvalidSignatureException",
                    "The request signature we calculated does not match the signature you provided."), 600, false
            ),
            (error("ValidationException", "Signature expired"), 600, false),
            (error("ThrottlingException", "Rate exceeded"), 600, false),
        ]
        for (failure, offset, expected) in cases {
            let skew = ClockSkew()
            let learnt = skew.learn(
                from: failure, response: response(dateOffset: offset, from: base), signedAt: base, receivedAt: base,
                logger: nil)
            #expect(learnt == expected, "\(failure.code) \(failure.message) at \(offset) s")
            #expect(skew.offset == (expected ? offset : 0))
        }
        // No Date header, or one that does not parse: nothing to learn from.
        let skew = ClockSkew()
        #expect(
            !skew.learn(
                from: expired, response: HTTPResponse(status: 400, headers: [], body: []), signedAt: base,
                receivedAt: base, logger: nil))
        #expect(
            !skew.learn(
                from: expired,
                response: HTTPResponse(status: 400, headers: [(name: "date", value: "yesterday")], body: []),
                signedAt: base, receivedAt: base, logger: nil))
    }

    @Test func send_resendsOnceOnly_whenTheServerKeepsRejecting() throws {
        let skew = ClockSkew()
        var sends = 0
        var request = HTTPRequest(method: "POST", url: "http://127.0.0.1:1/")
        let started = Date()
        var thrown: AWSError?
        do {
            _ = try skew.send(
                &request, now: { started }, logger: nil, sign: { _, _ in },
                transmit: { _ in
                    sends += 1
                    // A server whose clock runs ever further ahead.
                    return self.response(dateOffset: Double(sends) * 600, from: started)
                },
                classify: { _ in self.error("RequestExpired", "Request has expired.") })
        } catch let error as AWSError {
            thrown = error
        }
        #expect(thrown?.code == "RequestExpired")
        #expect(sends == 2)
    }

    @Test func send_signsWithTheCorrectedTime() throws {
        let skew = ClockSkew()
        let host = Date(timeIntervalSince1970: 1_800_000_000)
        var signedWith: [Date] = []
        var request = HTTPRequest(method: "POST", url: "http://127.0.0.1:1/")
        let response = try skew.send(
            &request, now: { host }, logger: nil, sign: { _, date in signedWith.append(date) },
            transmit: { _ in self.response(dateOffset: 900, from: host) },
            classify: { _ in signedWith.count == 1 ? self.error("RequestExpired", "Request has expired.") : nil })
        #expect(response.status == 400)  // the fake classifies its second answer as a success
        #expect(signedWith == [host, host.addingTimeInterval(900)])
        #expect(skew.corrected(host) == host.addingTimeInterval(900))
    }

    @Test func httpDate_parsesIMFFixdateOnly() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
        #expect(HTTPDate.parse("Sat, 05 Dec 2026 22:28:04 GMT") == Date(timeIntervalSince1970: 1_796_509_684))
        for bad in [
            "", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT",
        ] {
            #expect(HTTPDate.parse(bad) == nil, "\(bad)")
        }
    }
}
