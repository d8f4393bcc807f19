import MantaIO
import MantaText

/// The addresses and ports a discovery scans: "192.168.1.20",
/// "192.168.1.0/24", "inverter.local"; "502", "502,1502,15020-15030".
public enum DiscoveryTargets {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The most addresses one scan may cover (a /16).
    public static let maxHosts = 65_536

    /// The hosts of `target`: itself, or every address of a CIDR block
    /// (without its network and broadcast addresses when it has them).
    public static func hosts(_ target: String) throws(Failure) -> [String] {
        let parts = target.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, !target.isEmpty else { throw Failure(description: "target \(target): expected an address or CIDR block") }
        guard parts.count == 2 else { return [target] }
        guard let base = ipv4(String(parts[0])) else { throw Failure(description: "target \(target): \(parts[0]) is not an IPv4 address") }
        guard let bits = Int(parts[1]), (16...32).contains(bits) else {
            throw Failure(description: "target \(target): prefix must be /16 to /32 (at most \(maxHosts) addresses)")
        }
        let size = UInt32(1) << UInt32(32 - bits)
        let network = bits == 32 ? base : base & ~(size - 1)
        let range: ClosedRange<UInt32> = size <= 2 ? network...(network + size - 1) : (network + 1)...(network + size - 2)
        return range.map(dotted)
    }

    /// Ports from "502,1502,15020-15030".
    public static func ports(_ list: String) throws(Failure) -> [Int] {
        var out: [Int] = []
        for item in list.split(separator: ",") {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmed) }
            guard ends.count <= 2, let lo = ends.first ?? nil, let hi = ends.last ?? nil, 1 <= lo, lo <= hi, hi <= 65_535 else {
                throw Failure(description: "ports: \(item) is not a port or a range such as 15020-15030")
            }
            out += Array(lo...hi)
        }
        guard !out.isEmpty else { throw Failure(description: "ports: give at least one") }
        guard out.count <= 4096 else { throw Failure(description: "ports: \(out.count) ports; at most 4096") }
        return Array(Set(out)).sorted()
    }

    static func ipv4(_ s: String) -> UInt32? {
        let octets = s.split(separator: ".", omittingEmptySubsequences: false).map { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 != nil && $0! <= 255 }) else { return nil }
        return octets.reduce(0) { $0 << 8 | $1! }
    }

    static func dotted(_ a: UInt32) -> String { "\(a >> 24).\(a >> 16 & 0xFF).\(a >> 8 & 0xFF).\(a & 0xFF)" }
}
