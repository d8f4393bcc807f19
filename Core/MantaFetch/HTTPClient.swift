import CCurl

/// A blocking HTTP(S) GET over libcurl, for connectors that poll servers
/// such as NEMWeb from their own worker thread. One client keeps its
/// connection alive between requests.
public final class HTTPClient {
    private let handle: UnsafeMutableRawPointer
    public let timeoutMs: Int

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let url: String
        public let reason: String
        public var description: String { "\(url): \(reason)" }
    }

    /// curl_global_init, run once per process however many clients and
    /// threads there are: it is not thread-safe itself, and a static let is
    /// initialised exactly once (swift_once), the first time it is read.
    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    public init(timeoutMs: Int = 10_000, userAgent: String = "manta-vpp") {
        _ = Self.globalInit
        handle = curl_easy_init()!
        self.timeoutMs = timeoutMs
        manta_curl_set_long(handle, CURLOPT_TIMEOUT_MS, timeoutMs)
        manta_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 5000))
        manta_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 1)
        manta_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)  // timeouts without SIGALRM: we run on a worker thread
        manta_curl_set_string(handle, CURLOPT_USERAGENT, userAgent)
        manta_curl_set_write(handle) { data, size, count, context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeUnretainedValue()
            body.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
    }

    deinit { curl_easy_cleanup(handle) }

    private final class Body {
        var bytes: [UInt8] = []
    }

    /// The body of `url` when the server answers 200, else a Failure naming
    /// the status or the transport error.
    public func get(_ url: String) throws(Failure) -> [UInt8] {
        let body = Body()
        manta_curl_set_string(handle, CURLOPT_URL, url)
        manta_curl_set_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(body).toOpaque())
        let rc = curl_easy_perform(handle)
        guard rc == CURLE_OK else { throw Failure(url: url, reason: String(cString: curl_easy_strerror(rc))) }
        let status = manta_curl_status(handle)
        guard status == 200 || (status == 0 && url.hasPrefix("file:")) else { throw Failure(url: url, reason: "HTTP \(status)") }
        return body.bytes
    }
}
