import Glibc
import MantaIO
import MantaJSON

/// Beyond one machine: the host's `role`, its broker (`mqtt`) and, on an
/// edge, its outbox (`edge`). docs/EDGE.md describes the protocol.
extension HostConfig {
    /// What this mantad is in a fleet spread over several hosts.
    public enum Role: String, Sendable, Decodable, CaseIterable {
        /// One host does everything (the default; no broker).
        case single
        /// Runs drivers for its sites and reports to a control host through the broker.
        case edge
        /// Sees every edge's devices as its own and trades them.
        case control
    }

    public struct MQTT: Sendable, Decodable, Equatable {
        /// `mqtt://host[:port]`.
        public var url: String
        /// The topic level every host of one fleet shares: `manta/<fleet>/...`.
        public var fleet: String
        public var keepaliveS: Int
        /// Control role: an edge silent this long is offline, and its devices with it.
        public var edgeOfflineAfterMs: Int64
        /// The broker login: a user name, and its password from a file or
        /// the environment (never in the config itself).
        public var username: String?
        public var passwordFile: String?
        public var passwordEnv: String?
        /// With mqtts://: the CA the broker's certificate must chain to.
        public var caFile: String?

        enum CodingKeys: String, CodingKey {
            case url, fleet, keepaliveS = "keepalive_s", edgeOfflineAfterMs = "edge_offline_after_ms"
            case username, passwordFile = "password_file", passwordEnv = "password_env", caFile = "ca_file"
        }
    }

    public struct Edge: Sendable, Decodable, Equatable {
        /// The edge's name on the broker; nil: the config's `name`.
        public var id: String?
        /// Committed telemetry kept for the control host, at most, in bytes
        /// of payload; past it the oldest batches are dropped and counted.
        public var outboxMaxBytes: Int
        /// Batches published ahead of the control host's acknowledgement.
        public var window: Int
        /// Unacknowledged batches are sent again after this long without progress.
        public var resendAfterMs: Int64

        enum CodingKeys: String, CodingKey {
            case id, outboxMaxBytes = "outbox_max_bytes", window, resendAfterMs = "resend_after_ms"
        }
    }

    /// The edge's name: `edge.id`, else the config's `name`.
    public var edgeID: String { edge.id ?? name }

    /// What the role needs and the sections allow, each naming the field.
    func roleProblems() -> [String] {
        var problems: [String] = []
        if role != .single {
            if case .failure(let e) = MQTTURL.parse(mqtt.url) { problems.append("mqtt.url: \(e)") }
            problems += brokerAccess().problems
            if !EdgeWire.validSegment(mqtt.fleet) { problems.append("mqtt.fleet: \(mqtt.fleet) must be one topic level (no /, + or #, at most 64 bytes)") }
            if clock != .realtime { problems.append("clock: role \(role.rawValue) needs the realtime clock (edges and their control host must share one time)") }
        }
        if role == .edge {
            if !EdgeWire.validSegment(edgeID) { problems.append("edge.id: \(edgeID) must be one topic level (no /, + or #, at most 64 bytes)") }
            if edgeID == "control" { problems.append("edge.id: control is the control host's own topic level") }
            if !vpps.isEmpty { problems.append("vpps: an edge host does not trade; its control host's VPPs take its devices") }
        }
        return problems + storeProblems()
    }

    /// The broker login and CA as `mqtt` gives them, the password read from
    /// its file or variable, and every problem with them, each naming its field.
    func brokerAccess() -> (access: MQTTAccess, problems: [String]) {
        var problems: [String] = []
        var access = MQTTAccess(username: mqtt.username, caFile: mqtt.caFile)
        switch (mqtt.passwordFile, mqtt.passwordEnv) {
        case (nil, nil): break
        case (_?, _?): problems.append("mqtt: give the password one way, password_file or password_env")
        case (let path?, nil):
            if let line = Self.secretLine(path) { access.password = line } else {
                problems.append("mqtt.password_file: \(path) is not a readable regular file of at most 4 KiB")
            }
        case (nil, let name?):
            if let raw = getenv(name) { access.password = String(cString: raw) } else {
                problems.append("mqtt.password_env: \(name) is not set in mantad's environment")
            }
        }
        if access.password != nil && access.username == nil {
            problems.append("mqtt.username: needed with a password")
        }
        let url = try? MQTTURL.parse(mqtt.url).get()
        if let ca = mqtt.caFile {
            if url?.tls == false { problems.append("mqtt.ca_file: only for an mqtts:// broker") }
            if !FileSystem.isRegularFile(ca) { problems.append("mqtt.ca_file: \(ca) is not a readable regular file") }
        }
        if access.password != nil, let url, !url.tls, !url.isLoopback {
            problems.append("mqtt.url: a password would cross the network in clear to \(url.host); use mqtts://")
        }
        return (access, problems)
    }

    /// What is wrong with `store` for this host's role, each naming its field.
    public func storeProblems() -> [String] {
        guard store.backend == .postgres else { return [] }
        var problems: [String] = []
        if role == .edge {
            problems.append("store.backend: an edge keeps its store and outbox in SQLite on its own disk (it must run with no network); use sqlite")
        }
        if let url = store.url, !PostgresURL.isURI(url) {
            // Not echoed: a key=value string may hold a password.
            problems.append("store.url: not a PostgreSQL URI (it starts postgresql:// or postgres://, e.g. postgresql://USER@HOST[:PORT]/DATABASE)")
        } else if store.url == nil {
            problems.append("store.url: needed with store.backend postgres (e.g. postgresql://manta@127.0.0.1:5432/manta)")
        }
        return problems
    }
}

enum EdgeSchemas {
    static let role: JSON = ["enum": ["single", "edge", "control"], "default": "single",
                             "description": "single: one host; edge: drivers only, reporting to a control host over MQTT; control: trades every edge's devices"]
    static let mqtt: JSON = [
        "type": "object", "additionalProperties": false, "default": [:],
        "properties": [
            "url": ["type": "string", "minLength": 8, "maxLength": 300, "default": "mqtt://127.0.0.1:1883"],
            "fleet": ["type": "string", "minLength": 1, "maxLength": 64, "default": "manta",
                      "description": "the topic level all hosts of one fleet share"],
            "keepalive_s": ["type": "integer", "minimum": 5, "maximum": 3600, "default": 10],
            "edge_offline_after_ms": ["type": "integer", "minimum": 1000, "maximum": 86_400_000, "default": 30000,
                                      "description": "control role: an edge silent this long is offline, with its devices"],
            "username": ["type": "string", "minLength": 1, "maxLength": 256, "description": "the broker login's user name"],
            "password_file": ["type": "string", "format": "path", "minLength": 1, "maxLength": 4096,
                              "description": "a file whose first line is the broker password"],
            "password_env": ["type": "string", "minLength": 1, "maxLength": 256,
                             "description": "an environment variable holding the broker password"],
            "ca_file": ["type": "string", "format": "path", "minLength": 1, "maxLength": 4096,
                        "description": "mqtts://: the PEM CA the broker's certificate must chain to (default: the system's)"],
        ],
    ]
    static let edge: JSON = [
        "type": "object", "additionalProperties": false, "default": [:],
        "properties": [
            "id": ["type": "string", "minLength": 1, "maxLength": 64, "description": "the edge's name on the broker; default the config's name"],
            "outbox_max_bytes": ["type": "integer", "minimum": 65536, "maximum": 17_179_869_184, "default": 268_435_456,
                                 "description": "committed telemetry kept for the control host while it or the broker is away"],
            "window": ["type": "integer", "minimum": 1, "maximum": 900, "default": 64,
                       "description": "batches sent ahead of the control host's acknowledgement"],
            "resend_after_ms": ["type": "integer", "minimum": 500, "maximum": 3_600_000, "default": 5000,
                                "description": "unacknowledged batches are sent again after this long without progress"],
        ],
    ]
}
