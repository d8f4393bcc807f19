import MantaIO
import MantaJSON

/// Who is calling, over which connection.
@LoopActor
public final class RPCSession {
    public let peer: String
    /// Set by auth.login: the token's name, and its role.
    public var principal: String?
    public var role: RPCRole?
    /// Loopback peers may change state without a token when the host has
    /// no tokens configured.
    public let loopback: Bool
    /// A batch of this session's is still being handed out a slice at a
    /// time: its connection takes no new message until `resume` is called.
    var busy = false
    var resume: (@LoopActor () -> Void)?
    /// Sends this session a notification unasked, when its transport can
    /// (a TCP connection or a WebSocket; not an HTTP request), unless the
    /// client has more than `highWater` bytes still unread: false then (a
    /// producer drops it and counts), or when the connection is gone. The
    /// notification's JSON text is asked of `note` only when it will be
    /// sent: a subscriber behind on reading costs no serialising. Cleared
    /// on close.
    var push: (@LoopActor (_ highWater: Int, _ note: () -> [UInt8]) -> Bool)?

    /// The peer's address without its port.
    public let host: String

    init(peer: String, loopback: Bool) {
        self.peer = peer
        self.loopback = loopback
        host = Self.host(of: peer)
    }

    /// A session for a connection from `peer` ("HOST:PORT" or "[V6]:PORT"):
    /// loopback when the host part names this machine (IPv4-mapped too).
    convenience init(connectedFrom peer: String) {
        let host = Self.host(of: peer)
        self.init(peer: peer, loopback: HostPort.isLoopback(host) || host == "::ffff:127.0.0.1")
    }

    private nonisolated static func host(of peer: String) -> String {
        peer.hasPrefix("[") ? String(peer.dropFirst().prefix(while: { $0 != "]" })) : String(peer.prefix(while: { $0 != ":" }))
    }
}

/// Delivers a method's result, exactly once, on the loop.
public typealias RPCRespond = @LoopActor @Sendable (Result<JSON, RPCError>) -> Void

/// How a method produces its result. Handlers run on the loop.
public enum RPCHandler: Sendable {
    /// Answers at once.
    case sync(@LoopActor @Sendable (JSONObject, RPCSession) throws(RPCError) -> JSON)
    /// Answers later, exactly once, on the loop (it waits on a plugin or
    /// the store).
    case async(@LoopActor @Sendable (JSONObject, RPCSession, @escaping RPCRespond) -> Void)
}

/// One method of the operator API: its contract (what rpc.discover
/// publishes and what params are checked against) and its handler.
public struct RPCMethod: Sendable {
    public let name: String
    public let summary: String
    /// JSON Schema of the params object; checked before the handler runs.
    public let params: JSONSchema
    /// JSON Schema of the result, for the OpenRPC document.
    public let result: JSON
    /// State-changing: needs authorisation and is written to the audit log.
    public let mutating: Bool
    /// The role a token needs to call it (when tokens are configured).
    public var role: RPCRole {
        guard mutating else { return .viewer }
        return RPCRole.adminMethods.contains(name) ? .admin : .operator
    }
    public let handler: RPCHandler

    public init(_ name: String, _ summary: String, params: JSON, result: JSON, mutating: Bool = false,
                _ handler: RPCHandler) {
        self.name = name
        self.summary = summary
        do {
            self.params = try JSONSchema(params)
        } catch {
            // Every params schema is a literal in code; a test loads them all.
            preconditionFailure("\(name): params schema: \(error)")
        }
        self.result = result
        self.mutating = mutating
        self.handler = handler
    }

    /// Property names in declaration order: how by-position params map.
    var paramNames: [String] { params.root["properties"]?.object?.keys ?? [] }
}
