import MantaJSON

/// Feeder groups: the `feeders` section of the host config. A network
/// operator (DNSP) limits what a whole feeder or distribution transformer
/// may take back as well as each connection; a group names its sites by id
/// or prefix and holds their summed export under its limit (FeederShare).
extension HostConfig {
    public struct Feeder: Sendable, Decodable, Equatable {
        public var id: String
        /// Site ids, or prefixes ending in "*".
        public var sites: [String]
        /// The group's export limit, W; nil: only operating envelopes limit it.
        public var exportLimitW: Double?

        public func covers(_ site: String) -> Bool {
            sites.contains { $0.hasSuffix("*") ? site.hasPrefix($0.dropLast()) : site == $0 }
        }

        public init(id: String, sites: [String], exportLimitW: Double?) {
            self.id = id
            self.sites = sites
            self.exportLimitW = exportLimitW
        }

        enum CodingKeys: String, CodingKey { case id, sites, exportLimitW = "export_limit_w" }
    }

    /// The group named `id`.
    public func feeder(_ id: String) -> Feeder? { feeders.first { $0.id == id } }

    /// Feeders named twice.
    func feederProblems() -> [String] {
        var seen: [String: Int] = [:]
        return feeders.enumerated().compactMap { i, f in
            if let first = seen[f.id] { return "feeders[\(i)].id: \(f.id) is already the id of feeders[\(first)]" }
            seen[f.id] = i
            return nil
        }
    }
}

enum FeederSchemas {
    static let section: JSON = [
        "type": "array", "default": [], "maxItems": 10_000,
        "items": [
            "type": "object", "additionalProperties": false, "required": ["id", "sites"],
            "properties": [
                "id": HostConfigSchema.names,
                "sites": ["type": "array", "minItems": 1, "maxItems": 64,
                          "items": ["type": "string", "minLength": 1, "maxLength": 256],
                          "description": "site ids, or prefixes ending in *"],
                "export_limit_w": ["type": "number", "minimum": 0, "maximum": 1e9,
                                   "description": "the most the group's sites may export together, W"],
            ],
        ],
    ]
}
