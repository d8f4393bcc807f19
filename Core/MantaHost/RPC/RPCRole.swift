/// What a token may do. Each method needs one role (rpc.discover states
/// it as `x-role`); a higher role may do all a lower one may.
public enum RPCRole: String, Sendable, Decodable, Comparable, CaseIterable {
    /// Read methods.
    case viewer
    /// And what runs the fleet: dispatch, VPPs, bids, limits, caps, backtests.
    case `operator`
    /// And what runs the host: shutting it down, scanning networks for devices.
    case admin

    /// The state-changing methods only an admin may call; every other
    /// state-changing method needs an operator, every read method a viewer.
    static let adminMethods: Set<String> = ["host.shutdown", "devices.discover", "tokens.create", "tokens.revoke", "tokens.list",
                                                 "plugins.restart"]

    private var rank: Int { RPCRole.allCases.firstIndex(of: self)! }
    public static func < (a: RPCRole, b: RPCRole) -> Bool { a.rank < b.rank }
}

/// One configured API token: the host keeps its name, SHA-256 and role,
/// never the token.
public struct APIToken: Sendable {
    public var name: String
    public var sha256: [UInt8]
    public var role: RPCRole
}
