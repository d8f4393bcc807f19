import MantaIO

extension HostConfig {
    /// Where JSON-RPC over HTTP (`POST /rpc`) and WebSocket (`/ws`) are served.
    public struct HTTP: Sendable {
        public var host: String
        public var port: Int
        /// How long a browser session (`POST /login`) lasts.
        public var sessionTTLMs: Int64 = 28_800_000
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        /// HOST:PORT as it is written back (an IPv6 host in brackets).
        public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// A PEM certificate (chain) and its private key, for HTTPS and WSS.
    public struct TLS: Sendable, Decodable {
        public var cert: String
        public var key: String
    }

    static func http(_ f: HostConfigFile.HTTPFile?, problems: inout [String]) -> HTTP? {
        guard let f else { return nil }
        do {
            let parsed = try HostPort.parse(f.listen)
            var http = HTTP(host: parsed.host, port: parsed.port)
            http.sessionTTLMs = f.sessionTTLs * 1000
            return http
        } catch {
            problems.append("api.http.listen: \(error)")
            return nil
        }
    }

    /// The TLS files, each checked readable now: a typo is a config error
    /// naming the field, not a listener that fails later.
    static func tls(_ t: TLS?, fields: (cert: String, key: String) = ("api.tls.cert", "api.tls.key"),
                    problems: inout [String]) -> TLS? {
        guard let t else { return nil }
        var ok = true
        for (field, path) in [(fields.cert, t.cert), (fields.key, t.key)] {
            do { _ = try FileSystem.read(path, maxBytes: 1 << 20) } catch {
                problems.append("\(field): \(error)")
                ok = false
            }
        }
        return ok ? t : nil
    }
}

extension HostConfigFile {
    struct HTTPFile: Decodable {
        var listen: String
        var sessionTTLs: Int64

        enum CodingKeys: String, CodingKey { case listen, sessionTTLs = "session_ttl_s" }
    }
}

extension HostConfig.API {
    /// Serves HTTP and WebSocket on `address`, HOST:PORT as HostPort reads
    /// it (as `mantad --http-listen` does).
    public mutating func serveHTTP(on address: String) throws(HostPort.Invalid) {
        let parsed = try HostPort.parse(address)
        let ttl = http?.sessionTTLMs
        http = HostConfig.HTTP(host: parsed.host, port: parsed.port)
        if let ttl { http?.sessionTTLMs = ttl }
    }

    /// Serves both APIs over TLS with these PEM files (mantad's
    /// `--tls-cert` and `--tls-key`). Returns the problems, each naming its flag.
    public mutating func serveTLS(cert: String, key: String) -> [String] {
        var problems: [String] = []
        tls = HostConfig.tls(HostConfig.TLS(cert: cert, key: key), fields: ("--tls-cert", "--tls-key"), problems: &problems)
        return problems
    }
}
