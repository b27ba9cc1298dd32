import KubeCore
import CCurl
import Foundation
import Synchronization

/// What one finished transfer produced.
struct TransferResult: Sendable {
    enum Failure: Sendable, Equatable {
        case cancelled
        case timeout(String)
        case transport(String, KubeAPIError.TransportCause)
        /// The stream consumer asked to stop (e.g. a watch ERROR event); already reported by it.
        case aborted
    }

    var status: Int
    var body: [UInt8]
    var retryAfter: String?
    var failure: Failure?
}

/// Receives the body of a 2xx streamed response chunk by chunk, on the engine thread.
protocol StreamSink: AnyObject {
    func receive(_ chunk: UnsafeBufferPointer<UInt8>) -> StreamAction
    /// A response's headers ended (each response of the transfer: a retried 401 has its own).
    func headersEnded(status: Int)
}

/// One easy handle and everything it needs while the engine drives it.
///
/// Mutable state is touched only on the engine thread (write/header callbacks and completion), so the
/// class is `@unchecked Sendable`; `cancelled` is the one field other threads write.
final class CurlTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    let cancelled = Atomic<Bool>(false)
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var connectToList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let sink: (any StreamSink)?
    private var streaming: Bool?
    private var body: [UInt8] = []
    private var retryAfter: String?
    private var completion: (@Sendable (TransferResult) -> Void)?

    init(request: HTTPRequest, sink: (any StreamSink)?, completion: @escaping @Sendable (TransferResult) -> Void) throws(KubeAPIError) {
        guard let easy = curl_easy_init() else {
            throw KubeAPIError(reason: .transport, code: 0, message: "curl_easy_init failed")
        }
        self.easy = easy
        self.sink = sink
        self.completion = completion
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try configure(request)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        curl_slist_free_all(connectToList)
        errorBuffer.deallocate()
    }

    private func check(_ code: CURLcode, _ what: String) throws(KubeAPIError) {
        guard code == CURLE_OK else {
            let text = String(cString: curl_easy_strerror(code))
            throw KubeAPIError(reason: .transport, code: 0, message: "curl option \(what): \(text)")
        }
    }

    private func setLong(_ option: CURLoption, _ value: Int, _ what: String) throws(KubeAPIError) {
        try check(ccurl_easy_setopt_long(easy, option, value), what)
    }

    private func setString(_ option: CURLoption, _ value: String, _ what: String) throws(KubeAPIError) {
        // curl copies string options (since 7.17).
        try check(ccurl_easy_setopt_string(easy, option, value), what)
    }

    private func setBlob(_ option: CURLoption, _ bytes: [UInt8], _ what: String) throws(KubeAPIError) {
        var copy = bytes
        let code = copy.withUnsafeMutableBytes { raw -> CURLcode in
            var blob = curl_blob(data: raw.baseAddress, len: raw.count, flags: UInt32(CURL_BLOB_COPY))
            return ccurl_easy_setopt_blob(easy, option, &blob)
        }
        try check(code, what)
    }

    private func configure(_ request: HTTPRequest) throws(KubeAPIError) {
        try setString(CURLOPT_URL, request.url, "url")
        try setLong(CURLOPT_NOSIGNAL, 1, "nosignal")
        try check(ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "errorbuffer")
        try setLong(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS), "http version")
        try setLong(CURLOPT_PIPEWAIT, 1, "pipewait")
        // gzip/deflate when the server offers it (the API server compresses large lists, as client-go asks).
        try setString(CURLOPT_ACCEPT_ENCODING, "", "accept encoding")
        try setLong(CURLOPT_TCP_KEEPALIVE, 1, "keepalive")
        try setLong(CURLOPT_TCP_KEEPIDLE, 30, "keepidle")
        try setLong(CURLOPT_TCP_KEEPINTVL, 15, "keepintvl")
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeout.milliseconds, "connect timeout")
        if let timeout = request.timeout {
            try setLong(CURLOPT_TIMEOUT_MS, timeout.milliseconds, "timeout")
        }
        if let idle = request.lowSpeedTime {
            // Less than 1 byte/s for `idle` aborts a watch whose connection silently died.
            try setLong(CURLOPT_LOW_SPEED_LIMIT, 1, "low speed limit")
            try setLong(CURLOPT_LOW_SPEED_TIME, max(1, idle.milliseconds / 1000), "low speed time")
        }
        if let connectTo = request.connectTo {
            guard let list = curl_slist_append(nil, connectTo) else {
                throw KubeAPIError(reason: .transport, code: 0, message: "curl_slist_append failed")
            }
            connectToList = list // curl keeps the pointer: freed in deinit
            try check(ccurl_easy_setopt_slist(easy, CURLOPT_CONNECT_TO, list), "connect to")
        }

        // TLS
        let tls = request.tls
        if tls.insecureSkipVerify {
            try setLong(CURLOPT_SSL_VERIFYPEER, 0, "verify peer")
            try setLong(CURLOPT_SSL_VERIFYHOST, 0, "verify host")
        }
        if let ca = tls.caData { try setBlob(CURLOPT_CAINFO_BLOB, ca, "ca") }
        if let cert = request.credentials.clientCertificate { try setBlob(CURLOPT_SSLCERT_BLOB, cert, "client certificate") }
        if let key = request.credentials.clientKey { try setBlob(CURLOPT_SSLKEY_BLOB, key, "client key") }

        // Method and body
        switch request.method {
        case "GET": try setLong(CURLOPT_HTTPGET, 1, "get")
        default: try setString(CURLOPT_CUSTOMREQUEST, request.method, "method")
        }
        if let body = request.body {
            try check(ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "body size")
            let code = body.withUnsafeBytes { raw -> CURLcode in
                // COPYPOSTFIELDS copies POSTFIELDSIZE bytes, so the array need not outlive this call.
                ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(errorBuffer)))
            }
            try check(code, "body")
        }

        var headers = request.headers
        if let authorization = request.credentials.authorization { headers.append("Authorization: \(authorization)") }
        headers.append("Expect:") // no 100-continue round trip
        for header in headers {
            guard let list = curl_slist_append(headerList, header) else {
                throw KubeAPIError(reason: .transport, code: 0, message: "curl_slist_append failed")
            }
            headerList = list
        }
        try check(ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), "headers")

        let me = Unmanaged.passUnretained(self).toOpaque()
        try check(ccurl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback), "write function")
        try check(ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me), "write data")
        try check(ccurl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback), "header function")
        try check(ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me), "header data")
    }


    // MARK: engine-thread callbacks

    fileprivate func write(_ chunk: UnsafeBufferPointer<UInt8>) -> StreamAction {
        if streaming == nil {
            var code = 0
            _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
            streaming = sink != nil && (200..<300).contains(code)
        }
        if streaming == true, let sink {
            return sink.receive(chunk)
        }
        body.append(contentsOf: chunk)
        return .accept
    }

    fileprivate func header(_ line: UnsafeBufferPointer<UInt8>) {
        // Header lines arrive one per call, the blank line ending each response's headers; only
        // Retry-After and, for a stream, the end of the headers (the server has answered) matter.
        if line.count <= 2, line.allSatisfy({ $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) {
            if let sink {
                var code = 0
                _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
                sink.headersEnded(status: code)
            }
            return
        }
        guard line.count > 12 else { return }
        let text = String(decoding: line, as: UTF8.self)
        if text.lowercased().hasPrefix("retry-after:") {
            retryAfter = text.dropFirst("retry-after:".count).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    static func cause(_ code: CURLcode) -> KubeAPIError.TransportCause {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .hostNotFound
        case CURLE_COULDNT_CONNECT: return .connectionRefused
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR: return .certificateVerification
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER: return .tlsHandshake
        default: return .other
        }
    }

    /// Called exactly once by the engine, on its thread.
    func finish(_ code: CURLcode?) {
        guard let completion else { return }
        self.completion = nil
        var status = 0
        _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var failure: TransferResult.Failure?
        if cancelled.load(ordering: .acquiring) {
            failure = .cancelled
        } else if let code, code != CURLE_OK {
            var message = String(cString: errorBuffer)
            if message.isEmpty { message = String(cString: curl_easy_strerror(code)) }
            switch code {
            case CURLE_OPERATION_TIMEDOUT: failure = .timeout(message)
            case CURLE_WRITE_ERROR where streaming == true: failure = .aborted
            default: failure = .transport(message, Self.cause(code))
            }
        } else if code == nil {
            failure = .cancelled
        }
        completion(TransferResult(status: status, body: body, retryAfter: retryAfter, failure: failure))
        body = []
    }
}

private func curlWriteCallback(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let context else { return 0 }
    let total = size * count
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    guard let ptr, total > 0 else { return total }
    let buffer = UnsafeBufferPointer(start: UnsafeRawPointer(ptr).assumingMemoryBound(to: UInt8.self), count: total)
    switch transfer.write(buffer) {
    case .accept: return total
    case .pause: return Int(CURL_WRITEFUNC_PAUSE)
    case .abort: return 0
    }
}

private func curlHeaderCallback(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    let total = size * count
    guard let context, let ptr else { return total }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    transfer.header(UnsafeBufferPointer(start: UnsafeRawPointer(ptr).assumingMemoryBound(to: UInt8.self), count: total))
    return total
}

extension Duration {
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        // Saturates: timeouts come from flags and a huge one means "no limit", not a trap.
        let millis = seconds.multipliedReportingOverflow(by: 1000)
        let sum = millis.partialValue.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        if millis.overflow || sum.overflow { return seconds < 0 ? .min : .max }
        return Int(sum.partialValue)
    }
}
