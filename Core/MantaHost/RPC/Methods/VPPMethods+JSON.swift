import MantaJSON
import MantaMarket
import MantaModel

extension VPPMethods {
    func vppJSON(_ v: VPPRuntime) -> JSON {
        // No live figures here (vpps.capacity reads every member's telemetry):
        // listing stays cheap whatever the fleet's size.
        let c = v.config
        var o = JSONObject([
            ("id", .string(c.id)), ("region", .string(c.region.code)), ("market", .string(c.market)),
            ("strategy", .string(v.dispatchingName)), ("status", .string(c.status.rawValue)),
            ("members", .int(v.members.count)), ("allocated", .number(v.members.reduce(0) { $0 + $1.allocation })),
            ("definition", c.json),
        ])
        if let s = v.last { o["last"] = .object(s.json) }
        if let f = v.fcas {
            o["fcas"] = .object(JSONObject(timeFields("interval_end", f.intervalEndMs) + [
                ("enabled_mw", .object(JSONObject(FCASService.allCases.filter { f.mw[$0.rawValue] > 0 }.map {
                    ($0.name, .number(f.mw[$0.rawValue]))
                }))),
                ("members", .int(f.members)), ("clamps", .int(f.clamps)),
                ("first_clamp", f.firstClamp.map(JSON.string) ?? .null),
            ]))
        }
        return .object(o)
    }

    func capacityJSON(_ c: VPPCapacity) -> JSONObject {
        JSONObject([
            ("members", .int(c.members)), ("online", .int(c.online)), ("soc_estimated", .int(c.socEstimated)),
            ("capacity_wh", .number(c.capacityWh)), ("energy_available_wh", .number(c.energyAvailableWh)),
            ("headroom_wh", .number(c.headroomWh)), ("max_discharge_w", .number(c.maxDischargeW)),
            ("max_charge_w", .number(c.maxChargeW)), ("power_w", .number(c.powerW)),
            ("available_up_w", .number(c.availableUpW)), ("available_down_w", .number(c.availableDownW)),
            ("next_interval", ["available_up_w": .number(c.nextUpW), "available_down_w": .number(c.nextDownW)]),
            ("response_time_s", c.responseTimeS.map(JSON.number) ?? .null),
            ("round_trip_efficiency", c.roundTripEfficiency.map(JSON.number) ?? .null),
        ])
    }

    func conflictsJSON(threshold: Double) -> JSON {
        func name(_ n: UInt32) -> String { registry.device(number: n)?.id ?? "#\(n)" }
        let near = VPPSet.books(vpps.all).filter { $0.value.count > 1 && $0.value.reduce(0) { $0 + $1.allocation } >= threshold }
            .sorted { $0.key < $1.key }
        return [
            "near_misses": .array(near.prefix(10_000).map { n, shares in
                [
                    "device": .string(name(n)), "total": .number(shares.reduce(0) { $0 + $1.allocation }),
                    "shares": .array(shares.map { ["vpp": .string($0.vpp), "allocation": .number($0.allocation)] }),
                ]
            }),
            "trimmed": .array(vpps.trimmed.prefix(10_000).map { t in
                ["device": .string(name(t.device)), "vpp": .string(t.vpp), "asked": .number(t.asked), "kept": .number(t.kept)]
            }),
            "region_mismatches": .array(vpps.all.flatMap { v in
                v.leftOut.prefix(10_000).map { ["vpp": .string(v.config.id), "device": .string($0.device), "reason": .string($0.why)] }
            }),
        ]
    }

    // MARK: params

    /// A VPP named by `id` (as vpps.create names it) or `vpp` (as the
    /// member methods do): exactly one.
    struct TargetParams: RPCParams {
        var id, vpp: String?
        func target() throws(RPCError) -> String {
            switch (id, vpp) {
            case let (i?, nil): return i
            case let (nil, v?): return v
            default: throw .invalidParams("name the VPP with id or vpp (one of them)")
            }
        }
    }

    static func targetSchema(_ more: [(String, JSON)]) -> JSON {
        Schemas.params([("id", VPPSchemas.names), ("vpp", VPPSchemas.names)] + more)
    }

    static var updateSchema: JSON {
        let properties = VPPSchemas.definition["properties"]?.object ?? JSONObject()
        let fields = ["region", "market", "strategy", "status", "drivers", "sites", "allocation", "members",
                      "negative_price_export_limit_w", "negative_price_mode"]
        // The same bounds as vpps.create, without defaults: an absent field is unchanged.
        return targetSchema(fields.compactMap { f in
            guard var s = properties[f]?.object else { return nil }
            s["default"] = nil
            return (f, .object(s))
        })
    }

    struct UpdateParams: RPCParams {
        var id, vpp: String?
        var region: Region?
        var market, strategy: String?
        var status: HostConfig.VPPStatus?
        var drivers, sites: [String]?
        var allocation: Double?
        var members: [HostConfig.MemberSelector]?
        var negativePriceExportLimitW: Double?
        var negativePriceMode: HostConfig.NegativePriceMode?

        enum CodingKeys: String, CodingKey {
            case id, vpp, region, market, strategy, status, drivers, sites, allocation, members
            case negativePriceExportLimitW = "negative_price_export_limit_w", negativePriceMode = "negative_price_mode"
        }

        func target() throws(RPCError) -> String { try TargetParams(id: id, vpp: vpp).target() }
    }

    struct MembersParams: RPCParams {
        var vpp: String
        var members: [HostConfig.MemberSelector]
    }

    struct CapacityParams: RPCParams {
        var vpp: String?
    }

    struct ConflictParams: RPCParams {
        var threshold: Double
    }
}

extension VPPRuntime.Summary {
    /// A decision as vpps.list's `last` and the `dispatch` topic give it.
    var json: JSONObject {
        JSONObject(timeFields("interval_end", intervalEndMs) + [
            ("price", .number(price)), ("status", .string(status.name)), ("reason", .string(reason)),
            ("target_w", .number(targetW)), ("charging", .int(charging)),
            ("discharging", .int(discharging)), ("holding", .int(holding)),
        ])
    }
}
