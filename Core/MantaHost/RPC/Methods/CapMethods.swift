import MantaEngine
import MantaJSON
import MantaMarket

/// cap.set, cap.list: import caps by time window (Cap Service).
@LoopActor
struct CapMethods {
    let caps: ImportCapControl
    let registry: DeviceRegistry
    let vpps: VPPSet
    let reader: StoreReader
    let members: MemberStates
    let clock: HostClock

    static let dayNames = DailyWindow.dayNames
    static let clockTime: JSON = ["type": "string", "minLength": 5, "maxLength": 5, "description": "HH:MM, market time (AEST)"]

    var methods: [RPCMethod] {
        [
            .sync("cap.set",
                  "Holds a site's or a VPP's grid import at or under limit_w on the given days from..to (market time); the batteries defend it by discharging and keep a reserve ahead of it. limit_w null clears.",
                  params: Schemas.params([
                      ("site", ["type": "string", "minLength": 1, "maxLength": 256]), ("vpp", VPPSchemas.names),
                      ("limit_w", ["type": ["number", "null"], "minimum": 0, "maximum": 1e9]),
                      ("days", ["type": "array", "items": ["enum": .array(Self.dayNames.map(JSON.string))], "minItems": 1,
                                "maxItems": 7, "default": .array(Self.dayNames.map(JSON.string))]),
                      ("from", Self.clockTime), ("to", Self.clockTime),
                      ("reserve_wh", ["type": "number", "minimum": 0, "maximum": 1e10,
                                      "description": "energy to keep ahead of the window; planned from yesterday's window when absent"]),
                  ], required: ["limit_w"]),
                  result: Schemas.object, mutating: true) { [self] (p: SetParams, _) throws(RPCError) in
                let target = try target(p)
                guard let limit = p.limitW else {
                    caps.set(nil, target: target)
                    return ["target": .string(target), "cleared": true]
                }
                guard let from = p.from.flatMap({ DailyWindow.minute($0) }), let to = p.to.flatMap({ DailyWindow.minute($0) }), from != to else {
                    throw .invalidParams("from, to: give the window as HH:MM, from before to (or past midnight), not equal")
                }
                // The schema holds days to the names, so they read.
                let window = DailyWindow(days: DailyWindow.days(p.days) ?? [], fromMinute: from, toMinute: to)
                var cap = ImportCaps.Cap(target: target, limitW: limit, window: window)
                let (reserve, source) = p.reserveWh.map { ($0, "operator") } ?? plannedReserve(cap)
                cap.reserveWh = reserve
                caps.set(cap, target: target)
                return capJSON(cap, reserveSource: source)
            },
            .sync("cap.list", "Import caps in force, with their windows and reserves.", result: Schemas.objectList) { [self] (_: NoParams, _) in
                .array(caps.caps.caps.values.sorted { $0.target < $1.target }.map { capJSON($0, reserveSource: nil) })
            },
        ]
    }

    private func target(_ p: SetParams) throws(RPCError) -> String {
        switch (p.site, p.vpp) {
        case let (s?, nil):
            guard registry.bySite[s] != nil else { throw .notFound("no site \(s)") }
            guard registry.hasMeter(site: s) else { throw .invalidParams("site: \(s) has no grid meter, so its import cannot be held") }
            return "site:\(s)"
        case let (nil, v?):
            guard vpps.vpp(v) != nil else { throw .notFound("no VPP \(v)") }
            return "vpp:\(v)"
        default: throw .invalidParams("name the cap's site or vpp (one of them)")
        }
    }

    /// The reserve for the window, planned from the same window yesterday
    /// (persistence: the energy the sites' load spent above the cap, the
    /// batteries' own discharge added back to the meter, plus a fifth);
    /// with no history, everything above soc_min.
    private func plannedReserve(_ cap: ImportCaps.Cap) -> (Double, String) {
        let dayStart = MarketTime.dayStart(clock.nowMs()) - MarketTime.dayMs
        let from = dayStart + Int64(cap.window.fromMinute) * 60_000
        let to = from + Int64(cap.hours * 3_600_000)
        func readings(_ device: UInt32, sign: Double) -> [CapDefence.Reading] {
            let rows = (try? reader.telemetry(device: device, point: members.powerPoint, run: nil, fromMs: from, toMs: to, limit: 100_000)) ?? []
            return rows.map { ($0.timeMs, sign * $0.value) }
        }
        var above = 0.0, seen = false
        for site in caps.sites(of: cap.target) {
            guard let devices = registry.bySite[site], let meter = devices.first(where: { $0.kind == .meter }) else { continue }
            let meterImport = readings(meter.number, sign: -1)  // the meter reads + for export
            guard meterImport.count > 1 else { continue }
            seen = true
            let storage = devices.filter { $0.kind == .battery }.map { readings($0.number, sign: 1) }
            above += CapDefence.energyAboveCapWh(meterImport: meterImport, storage: storage, limitW: cap.limitW)
        }
        if seen { return (above * 1.2, "yesterday") }
        let usable = caps.batteries(of: cap.target).map { d -> Double in
            let r = d.ratings
            return r.capacityWh.isFinite ? r.capacityWh * max(0, (r.socMax.isFinite ? r.socMax : 1) - (r.socMin.isFinite ? r.socMin : 0)) : 0
        }.reduce(0, +)
        return (usable, "full (no history of the window)")
    }

    private func capJSON(_ c: ImportCaps.Cap, reserveSource: String?) -> JSON {
        var o = JSONObject([
            ("target", .string(c.target)), ("limit_w", .number(c.limitW)),
            ("days", .array(c.window.dayList.map(JSON.string))),
            ("from", .string(DailyWindow.hhmm(c.window.fromMinute))), ("to", .string(DailyWindow.hhmm(c.window.toMinute))),
            ("reserve_wh", .number(c.reserveWh)),
            ("in_window", .bool(c.holds(atMs: clock.nowMs()))),
        ])
        if let reserveSource { o["reserve_source"] = .string(reserveSource) }
        return .object(o)
    }

    struct SetParams: RPCParams {
        var site, vpp: String?
        var limitW: Double?
        var days: [String]
        var from, to: String?
        var reserveWh: Double?
        enum CodingKeys: String, CodingKey { case site, vpp, limitW = "limit_w", days, from, to, reserveWh = "reserve_wh" }
    }
}
