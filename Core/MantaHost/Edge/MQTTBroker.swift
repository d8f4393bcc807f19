/// A broker address: `mqtt://host[:port]` (port 1883 when left out), or
/// `mqtts://host[:port]` for MQTT over TLS (port 8883).
struct MQTTURL: Sendable, Equatable, CustomStringConvertible {
    var host: String
    var port: Int
    var tls = false

    init(host: String, port: Int, tls: Bool = false) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// Parses `text`, or says what is wrong with it.
    static func parse(_ text: String) -> Result<MQTTURL, MQTTError> {
        let tls = text.hasPrefix("mqtts://")
        guard tls || text.hasPrefix("mqtt://") else {
            return .failure(MQTTError("\(text): a broker URL starts with mqtt:// or mqtts:// (TLS)"))
        }
        let usual = tls ? 8883 : 1883
        var rest = Substring(text.dropFirst(tls ? 8 : 7))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@") else {
            return .failure(MQTTError("\(text): expected \(tls ? "mqtts" : "mqtt")://HOST[:PORT] (a login goes in mqtt.username)"))
        }
        let host: Substring, port: Int
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return .failure(MQTTError("\(text): unclosed [ in the host")) }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let tail = rest[rest.index(after: close)...]
            guard tail.isEmpty || tail.hasPrefix(":") else { return .failure(MQTTError("\(text): expected :PORT after ]")) }
            guard let p = tail.isEmpty ? usual : Int(tail.dropFirst()), (1...65535).contains(p) else {
                return .failure(MQTTError("\(text): the port must be 1..65535"))
            }
            port = p
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else {
                return .failure(MQTTError("\(text): the port must be 1..65535"))
            }
            port = p
        } else {
            host = rest
            port = usual
        }
        guard !host.isEmpty, host.count <= 253 else { return .failure(MQTTError("\(text): the host is empty or too long")) }
        return .success(MQTTURL(host: String(host), port: port, tls: tls))
    }

    /// Whether the broker is on this machine (a login may then go in clear).
    var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }

    var description: String {
        let scheme = tls ? "mqtts" : "mqtt"
        return host.contains(":") ? "\(scheme)://[\(host)]:\(port)" : "\(scheme)://\(host):\(port)"
    }
}

/// How a host proves itself to the broker, and checks the broker.
struct MQTTAccess: Sendable, Equatable {
    /// The MQTT login (CONNECT's user name and password); nil: anonymous.
    var username: String?
    var password: String?
    /// With mqtts://: the PEM CA bundle the broker's certificate must chain
    /// to; nil: the system's (/etc/ssl/certs).
    var caFile: String?
}
