import CCurl
import Foundation

/// `HTTPTransport` over one libcurl easy handle, reused for every request so that sequential
/// calls share one keep-alive connection. The options that never change (timeouts, protocols,
/// callbacks) are set once when the handle is made; each request sets only its URL, method, body,
/// headers and response sink (no `curl_easy_reset`: an idle shard makes dozens of calls a minute).
///
/// Use one instance per thread (a shard worker or a lane): the handle is not thread-safe. TLS
/// peer and host verification stay on (libcurl's defaults, never changed here); proxies come
/// from the environment (`https_proxy`, `no_proxy`…) exactly as libcurl reads them.
public final class CurlTransport: HTTPTransport {
    /// Timeouts of one request.
    public struct Configuration: Sendable {
        /// Time to establish the TCP (and TLS) connection. Default 3 s.
        public var connectTimeout: Duration
        /// Time for the whole request, connection included. Default 30 s (a GetRecords page of
        /// 1 MB over a slow link must fit).
        public var requestTimeout: Duration

        /// A PEM file of CA certificates to verify servers against instead of the system's
        /// (a TLS-inspecting corporate proxy). Verification itself is never turned off.
        /// Default nil: libcurl's built-in bundle.
        public var caBundlePath: String?
        /// Largest response body accepted; a larger one fails the call (`.fatal`,
        /// `ResponseTooLarge`) instead of exhausting memory. Default 64 MiB (a GetRecords page is
        /// at most a few MB).
        public var maxResponseBytes: Int

        public init(
            connectTimeout: Duration = .seconds(3), requestTimeout: Duration = .seconds(30),
            caBundlePath: String? = nil,
            maxResponseBytes: Int = 64 << 20
        ) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.caBundlePath = caBundlePath
            self.maxResponseBytes = maxResponseBytes
        }
    }

    public let configuration: Configuration
    private let abortFlag: StopLatch?
    // The easy handle; used only by the one thread that calls `send` at a time.
    private let handle: UnsafeMutableRawPointer
    // libcurl keeps this pointer (CURLOPT_ERRORBUFFER) for the handle's life.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private static let errorBufferSize = Int(CURL_ERROR_SIZE) + 1

    /// Connections libcurl opened for the last request (0 when it reused one); for tests and
    /// connection metrics.
    public private(set) var lastNewConnections = 0

    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// - Parameter abortFlag: when fired, a request in flight stops within about a second and
    ///   throws kind `.cancelled`.
    public init(configuration: Configuration = .init(), abortFlag: StopLatch? = nil) {
        precondition(Self.globalInit == CURLE_OK, "curl_global_init failed")
        guard let handle = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.handle = handle
        self.configuration = configuration
        self.abortFlag = abortFlag
        errorBuffer = .allocate(capacity: Self.errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: Self.errorBufferSize)
        configureHandle()
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends `request` and returns the response of any HTTP status; throws only when no
    /// complete response arrived (`.transient`, `.fatal` for unusable URLs, or `.cancelled`).
    public func send(_ request: HTTPRequest, operation: String) throws -> HTTPResponse {
        if let abortFlag, abortFlag.isFired {
            throw AWSError(kind: .cancelled, code: "Cancelled", message: "shutdown requested", operation: operation)
        }
        let sink = ResponseSink(abortFlag: abortFlag, maxBytes: configuration.maxResponseBytes)
        let sinkPointer = Unmanaged.passRetained(sink)
        defer { sinkPointer.release() }

        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // No "Expect: 100-continue" round trip, and no default form Content-Type.
        headerList = curl_slist_append(headerList, "Expect:")
        if request.header("Content-Type") == nil { headerList = curl_slist_append(headerList, "Content-Type:") }

        errorBuffer[0] = 0
        let code: CURLcode = request.body.withUnsafeBufferPointer { body in
            configure(request, body: body, headers: headerList, sink: sinkPointer.toOpaque())
            let code = curl_easy_perform(handle)
            // The body and the header list are gone after this call: leave libcurl no pointer
            // into them (the next request sets both again).
            _ = zael_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
            _ = zael_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
            return code
        }
        var connects = 0
        _ = zael_curl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        lastNewConnections = connects
        guard code == CURLE_OK else {
            throw translate(code, operation: operation, sink: sink)
        }
        var status = 0
        _ = zael_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }

    /// The options every request of this handle shares; set once, in `init`.
    private func configureHandle() {
        _ = zael_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        // Signals are not thread-safe: never let libcurl use SIGALRM for timeouts.
        _ = zael_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = zael_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.roundedUpMilliseconds)
        _ = zael_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, configuration.requestTimeout.roundedUpMilliseconds)
        _ = zael_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        // Allowed protocols: never follow a URL into file:// or friends.
        _ = zael_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        if let caBundlePath = configuration.caBundlePath {
            _ = zael_curl_setopt_string(handle, CURLOPT_CAINFO, caBundlePath)
        }
        _ = zael_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody)
        _ = zael_curl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader)
        if abortFlag != nil {
            _ = zael_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
            _ = zael_curl_setopt_xferinfo_callback(handle, curlProgress)
        }
    }

    /// The options of one request. Each one set here is set on every request, so nothing of the
    /// previous request's method, body or sink carries over.
    private func configure(
        _ request: HTTPRequest, body: UnsafeBufferPointer<UInt8>, headers: UnsafeMutablePointer<curl_slist>?,
        sink: UnsafeMutableRawPointer
    ) {
        _ = zael_curl_setopt_string(handle, CURLOPT_URL, request.url)
        _ = zael_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)

        // CURLOPT_HTTPGET, CURLOPT_NOBODY and CURLOPT_POST each set libcurl's method outright
        // (and HTTPGET and POST clear NOBODY); CUSTOMREQUEST is cleared unless this request
        // needs it.
        switch request.method {
        case "GET":
            _ = zael_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, nil)
            _ = zael_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "HEAD":
            _ = zael_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, nil)
            _ = zael_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
        default:
            _ = zael_curl_setopt_string(
                handle, CURLOPT_CUSTOMREQUEST, request.method == "POST" ? nil : request.method)
            _ = zael_curl_setopt_long(handle, CURLOPT_POST, 1)
            _ = zael_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            // libcurl reads the body from our buffer during curl_easy_perform (no copy); an empty
            // body still needs a valid pointer.
            let bytes = body.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) }
            _ = zael_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, bytes ?? sink)
        }

        _ = zael_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sink)
        _ = zael_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, sink)
        if abortFlag != nil { _ = zael_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, sink) }
    }

    /// The one place where libcurl failures become `AWSError`s.
    private func translate(_ code: CURLcode, operation: String, sink: ResponseSink) -> AWSError {
        let detail = String(cString: errorBuffer)
        let summary = String(cString: curl_easy_strerror(code))
        let message = detail.isEmpty ? summary : "\(summary): \(detail)"
        if sink.aborted || code == CURLE_ABORTED_BY_CALLBACK {
            return AWSError(kind: .cancelled, code: "Cancelled", message: "shutdown requested", operation: operation)
        }
        if sink.tooLarge {
            return AWSError(
                kind: .fatal, code: "ResponseTooLarge",
                message: "response body exceeds \(configuration.maxResponseBytes) bytes", operation: operation)
        }
        let (kind, awsCode): (AWSError.Kind, String)
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            (kind, awsCode) = (.transient, "CurlTimeout")
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            (kind, awsCode) = (.transient, "CurlConnect")
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            (kind, awsCode) = (.transient, "CurlReset")
        case CURLE_SSL_CONNECT_ERROR:
            (kind, awsCode) = (.transient, "CurlTLS")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
            // A certificate that does not verify will not verify on retry: an operator must act.
            (kind, awsCode) = (.fatal, "CurlTLSVerification")
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            (kind, awsCode) = (.fatal, "CurlBadURL")
        default:
            (kind, awsCode) = (.transient, "Curl\(code.rawValue)")
        }
        return AWSError(kind: kind, code: awsCode, message: message, operation: operation)
    }
}

/// Collects one response; passed to libcurl's callbacks as their context pointer.
private final class ResponseSink {
    let abortFlag: StopLatch?
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    let maxBytes: Int
    var aborted = false
    var tooLarge = false

    init(abortFlag: StopLatch?, maxBytes: Int) {
        self.abortFlag = abortFlag
        self.maxBytes = maxBytes
    }

    func appendHeaderLine(_ line: UnsafeBufferPointer<UInt8>) {
        // Byte work only (`HTTPHeaderLine`): this runs for every header line of every response.
        // A new status line (after `100 Continue` or a redirect) starts a new header block.
        if HTTPHeaderLine.isStatusLine(line) {
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: UnsafeBufferPointer(rebasing: line[..<colon]), as: UTF8.self).lowercased()
        let value = HTTPHeaderLine.trimmedValue(UnsafeBufferPointer(rebasing: line[(colon + 1)...]))
        headers.append((name: name, value: value))
        // Size the body once for large GetRecords pages instead of growing it chunk by chunk.
        if name == "content-length", let length = Int(value), length > 0, length <= maxBytes {
            body.reserveCapacity(length)
        }
    }
}

private func curlWriteBody(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    if sink.body.count + length > sink.maxBytes {
        sink.tooLarge = true
        return 0  // libcurl stops the transfer with CURLE_WRITE_ERROR
    }
    data.withMemoryRebound(to: UInt8.self, capacity: length) {
        sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}

private func curlWriteHeader(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    data.withMemoryRebound(to: UInt8.self, capacity: length) {
        sink.appendHeaderLine(UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}

private func curlProgress(
    _ context: UnsafeMutableRawPointer?, _: curl_off_t, _: curl_off_t, _: curl_off_t, _: curl_off_t
) -> Int32 {
    guard let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    if sink.abortFlag?.isFired == true {
        sink.aborted = true
        return 1
    }
    return 0
}
