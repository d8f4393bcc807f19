import Glibc

/// A TCP address written `HOST:PORT`: the one reading of `api.listen`,
/// `mantad --listen` and `manta --rpc`.
///
/// HOST is an IPv4 dotted quad (`127.0.0.1`; four decimal parts 0-255,
/// without leading zeros, which some readers take as octal), `localhost`,
/// or an IPv6 address in brackets (`[::1]`). Names other than `localhost`
/// are refused: resolving them would make where the API listens depend on
/// DNS. PORT is a decimal 0...65535 (0: any free port, for a listener).
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public enum Family: Sendable, Equatable { case ipv4, ipv6, localhost }

    /// The address without brackets: "127.0.0.1", "::1", "localhost".
    public let host: String
    public let port: Int
    public let family: Family

    /// What is wrong with a HOST:PORT text; the message quotes it.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// As it is written back: IPv6 in brackets.
    public var description: String { family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Only this machine can reach it: localhost, 127.0.0.0/8 or ::1.
    public var isLoopback: Bool { HostPort.isLoopback(host) }

    /// `host` (without brackets) names this machine only.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        if host.hasPrefix("127."), dottedQuad(host) != nil { return true }
        var addr = in6_addr()
        guard inet_pton(AF_INET6, host, &addr) == 1 else { return false }
        // ::1 is fifteen zero bytes and a one.
        return withUnsafeBytes(of: &addr) { b in b.prefix(15).allSatisfy { $0 == 0 } && b[15] == 1 }
    }

    public static func parse(_ text: String) throws(Invalid) -> HostPort {
        func fail(_ why: String) -> Invalid {
            Invalid(description: "must be HOST:PORT (e.g. 127.0.0.1:7420 or [::1]:7420), got \"\(text)\": \(why)")
        }
        let hostPart: Substring, portPart: Substring, family: Family
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw fail("the IPv6 address has no closing ]") }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.first == ":" else { throw fail("no :PORT after the IPv6 address") }
            portPart = rest.dropFirst()
            var addr = in6_addr()
            guard inet_pton(AF_INET6, String(hostPart), &addr) == 1 else {
                throw fail("\(hostPart) is not an IPv6 address")
            }
            family = .ipv6
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw fail("no :PORT") }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { throw fail("an IPv6 address goes in brackets, e.g. [::1]:7420") }
            if hostPart.isEmpty { throw fail("no HOST before the port") }
            if hostPart == "localhost" {
                family = .localhost
            } else if let problem = dottedQuadProblem(hostPart) {
                throw fail(problem)
            } else {
                family = .ipv4
            }
        }
        guard !portPart.isEmpty else { throw fail("no port after the colon") }
        guard portPart.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portPart) else {
            throw fail("the port must be a number 0...65535")
        }
        guard port <= 65_535 else { throw fail("the port must be 0...65535, got \(port)") }
        return HostPort(host: String(hostPart), port: port, family: family)
    }

    /// The four parts of a dotted quad, or nil.
    private static func dottedQuad(_ text: some StringProtocol) -> [UInt8]? {
        dottedQuadProblem(text) == nil ? text.split(separator: ".").compactMap { UInt8($0) } : nil
    }

    /// Why `text` is not a dotted quad, or nil when it is one.
    private static func dottedQuadProblem(_ text: some StringProtocol) -> String? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let notAddress = "\(text) is not an IPv4 address (four numbers 0-255 with dots), localhost or a bracketed IPv6 address"
        guard parts.count == 4 else { return notAddress }
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(part) else {
                return notAddress
            }
            if n > 255 { return "\(text): \(part) is more than 255" }
            if part.count > 1 && part.first == "0" { return "\(text): \(part) has a leading zero (octal to some readers)" }
        }
        return nil
    }
}
