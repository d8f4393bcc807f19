import MantaJSON
import MantaMarket

extension HostConfig {
    /// A virtual power plant as the config (or vpps.create) defines it. The
    /// same value is what the store keeps for a VPP created or changed at
    /// runtime: `json` writes it back with the config's keys.
    public struct VPP: Sendable, Decodable, Equatable {
        public var id: String
        public var region: Region
        public var market: String
        /// The strategy that dispatches (the first champion, with an arena).
        public var strategy: String
        /// `draft` never dispatches; `suspended` stops dispatching and keeps
        /// its members (and their allocations) reserved.
        public var status: VPPStatus
        /// Every dispatchable device of these driver instances...
        public var drivers: [String]
        /// ...and on sites matching these patterns ("home-*") is a member
        /// with this share of its power and energy.
        public var sites: [String]
        public var allocation: Double
        /// Members chosen one by one, by site, or by a site attribute; an
        /// entry for a device wins over one for its site, which wins over a
        /// group, which wins over drivers and sites above.
        public var members: [MemberSelector]
        public var arena: Arena?
        /// Negative-price protection: while the interval's price is below
        /// zero, member sites export at most this much (W).
        public var negativePriceExportLimitW: Double?
        /// At a negative price: export nothing more than the limit, or also
        /// charge batteries with room from the grid.
        public var negativePriceMode: NegativePriceMode
        /// `plan`: what its strategy dispatches each interval is lodged and
        /// recorded as a bid (the trading desk's records follow the plan);
        /// nil or `none`: only operator bids.
        public var bidding: Bidding?

        enum CodingKeys: String, CodingKey {
            case id, region, market, strategy, status, drivers, sites, allocation, members, arena, bidding
            case negativePriceExportLimitW = "negative_price_export_limit_w", negativePriceMode = "negative_price_mode"
        }
    }

    public enum Bidding: String, Sendable, Decodable, CaseIterable {
        case none, plan
    }

    public enum NegativePriceMode: String, Sendable, Decodable, CaseIterable {
        case zeroExport = "zero_export", absorb
    }

    /// Contenders trading in shadow beside a VPP's fleet (LiveArena).
    public struct Arena: Sendable, Decodable, Equatable {
        public var contenders: [String]
        public var windowIntervals: Int
        /// A challenger must beat the champion's score by this fraction.
        public var hysteresis: Double
        public var minTenureIntervals: Int

        enum CodingKeys: String, CodingKey {
            case contenders, hysteresis
            case windowIntervals = "window_intervals", minTenureIntervals = "min_tenure_intervals"
        }
    }

    public enum VPPStatus: String, Sendable, Decodable, CaseIterable {
        case draft, active, suspended
    }

    /// One entry of a VPP's member list: exactly one of device, site,
    /// region, retailer or tag, with the share it takes and its priority.
    public struct MemberSelector: Sendable, Decodable, Equatable {
        public var device: String?
        /// A site id, or a prefix ending in "*".
        public var site: String?
        public var region: Region?
        public var retailer: String?
        public var tag: String?
        /// Share of each matched device's power and energy, 0..1.
        public var allocation: Double
        /// Lower numbers are called on first when the fleet's target is split.
        public var priority: Int

        public init(device: String? = nil, site: String? = nil, region: Region? = nil, retailer: String? = nil,
                    tag: String? = nil, allocation: Double = 1, priority: Int = 0) {
            self.device = device
            self.site = site
            self.region = region
            self.retailer = retailer
            self.tag = tag
            self.allocation = allocation
            self.priority = priority
        }

        /// How specific the entry is: a device beats a site beats a group.
        var rank: Int { device != nil ? 3 : site != nil ? 2 : 1 }

        /// What the entry names, as it is written in messages.
        public var label: String {
            if let device { return "device \(device)" }
            if let site { return "site \(site)" }
            if let region { return "region \(region.code)" }
            if let retailer { return "retailer \(retailer)" }
            return "tag \(tag ?? "")"
        }

        /// Whether it takes `device` (its id and site's config).
        func matches(deviceID: String, site: String, siteConfig: HostConfig.Site?) -> Bool {
            if let device { return deviceID == device }
            if let p = self.site { return p.hasSuffix("*") ? site.hasPrefix(p.dropLast()) : site == p }
            if let region { return siteConfig?.region == region }
            if let retailer { return siteConfig?.retailer == retailer }
            if let tag { return siteConfig?.tags.contains(tag) ?? false }
            return false
        }
    }
}

extension HostConfig.VPP {
    /// The definition as the config and vpps.create write it.
    public var json: JSON {
        var o = JSONObject([
            ("id", .string(id)), ("region", .string(region.code)), ("market", .string(market)),
            ("strategy", .string(strategy)), ("status", .string(status.rawValue)),
            ("drivers", .array(drivers.map(JSON.string))), ("sites", .array(sites.map(JSON.string))),
            ("allocation", .number(allocation)), ("members", .array(members.map(\.json))),
        ])
        if let a = arena {
            o["arena"] = .object(JSONObject([
                ("contenders", .array(a.contenders.map(JSON.string))), ("window_intervals", .int(a.windowIntervals)),
                ("hysteresis", .number(a.hysteresis)), ("min_tenure_intervals", .int(a.minTenureIntervals)),
            ]))
        }
        if let n = negativePriceExportLimitW { o["negative_price_export_limit_w"] = .number(n) }
        o["negative_price_mode"] = .string(negativePriceMode.rawValue)
        if let b = bidding, b != .none { o["bidding"] = .string(b.rawValue) }
        return .object(o)
    }
}

extension HostConfig.MemberSelector {
    public var json: JSON {
        var o = JSONObject()
        if let device { o["device"] = .string(device) }
        if let site { o["site"] = .string(site) }
        if let region { o["region"] = .string(region.code) }
        if let retailer { o["retailer"] = .string(retailer) }
        if let tag { o["tag"] = .string(tag) }
        o["allocation"] = .number(allocation)
        o["priority"] = .int(priority)
        return .object(o)
    }

    /// The same selector, whatever its share and priority.
    func selects(same other: Self) -> Bool {
        device == other.device && site == other.site && region == other.region && retailer == other.retailer && tag == other.tag
    }
}

/// The JSON Schemas of a VPP's fields, shared by the config file and the
/// vpps.* methods so that both refuse the same things the same way.
enum VPPSchemas {
    static let names: JSON = ["type": "string", "minLength": 1, "maxLength": 64]
    static let regions: JSON = .array(Region.allCases.map { .string($0.code) })
    static let allocation: JSON = ["type": "number", "minimum": 0, "maximum": 1, "default": 1,
                                   "description": "share of each device's power and energy, 0..1"]
    static let status: JSON = ["enum": .array(HostConfig.VPPStatus.allCases.map { .string($0.rawValue) }), "default": "active"]

    static let member: JSON = [
        "type": "object", "additionalProperties": false,
        "properties": [
            "device": ["type": "string", "minLength": 1, "maxLength": 256, "description": "a device id"],
            "site": ["type": "string", "minLength": 1, "maxLength": 256, "description": "a site id, or a prefix ending in *"],
            "region": ["enum": regions],
            "retailer": ["type": "string", "minLength": 1, "maxLength": 256],
            "tag": ["type": "string", "minLength": 1, "maxLength": 256],
            "allocation": allocation,
            "priority": ["type": "integer", "minimum": 0, "maximum": 1000, "default": 0,
                         "description": "lower numbers are called on first"],
        ],
    ]
    static let members: JSON = ["type": "array", "items": member, "maxItems": 100_000, "default": []]

    /// One VPP, in the config's vpps[] and as vpps.create takes it.
    static let definition: JSON = [
        "type": "object", "additionalProperties": false, "required": ["id", "region", "market", "strategy"],
        "properties": [
            "id": VPPSchemas.names,
            "region": ["enum": VPPSchemas.regions],
            "market": VPPSchemas.names,
            "strategy": VPPSchemas.names,
            "drivers": ["type": "array", "items": VPPSchemas.names, "default": []],
            "sites": ["type": "array", "items": ["type": "string", "minLength": 1, "maxLength": 256], "default": []],
            "allocation": VPPSchemas.allocation,
            "status": VPPSchemas.status,
            "members": VPPSchemas.members,
            "negative_price_export_limit_w": [
                "type": "number", "minimum": 0, "maximum": 1e9,
                "description": "while the price is below zero, member sites export at most this (negative-price protection)",
            ],
            "bidding": [
                "enum": .array(HostConfig.Bidding.allCases.map { .string($0.rawValue) }),
                "description": "plan: each interval, what the strategy dispatches is lodged with the market connector and recorded as a bid (bids.get, trades.list); none: only operator bids",
            ],
            "negative_price_mode": [
                "enum": .array(HostConfig.NegativePriceMode.allCases.map { .string($0.rawValue) }), "default": "zero_export",
                "description": "at a negative price: zero_export (export at most the limit), or absorb (also charge batteries with room from the grid)",
            ],
            "arena": [
                "type": "object", "additionalProperties": false, "required": ["contenders"],
                "description": "strategies trading in shadow beside the fleet; the best dispatches",
                "properties": [
                    "contenders": ["type": "array", "items": VPPSchemas.names, "minItems": 1],
                    "window_intervals": ["type": "integer", "minimum": 1, "default": 288],
                    "hysteresis": ["type": "number", "minimum": 0, "default": 0.1],
                    "min_tenure_intervals": ["type": "integer", "minimum": 0, "default": 12],
                ],
            ],
        ],
    ]

    /// Pattern and group entries (site prefixes, regions, retailers, tags)
    /// one VPP may have: each is tried on every device when members are
    /// chosen, so they are bounded; entries for one device or site are not.
    static let maxGroupEntries = 64

    /// Why a VPP's member list cannot be used as a whole, or nil.
    static func listProblem(_ members: [HostConfig.MemberSelector]) -> String? {
        let groups = members.filter { $0.device == nil && ($0.site.map { $0.hasSuffix("*") } ?? true) }.count
        return groups > maxGroupEntries ? "members: \(groups) pattern or group entries; at most \(maxGroupEntries)" : nil
    }

    /// A member entry names exactly one selector; nil when it does.
    static func problem(_ m: HostConfig.MemberSelector) -> String? {
        let named = [m.device != nil, m.site != nil, m.region != nil, m.retailer != nil, m.tag != nil].filter { $0 }.count
        return named == 1 ? nil : "needs exactly one of device, site, region, retailer or tag (has \(named))"
    }
}
