import MantaEngine
import MantaIO
import MantaJSON

/// backtest.run's site with load: `site_load`, `import_cap`, `demand_tariff`.
extension BacktestMethods {
    static var siteParams: [(String, JSON)] {
        let hhmm = CapMethods.clockTime
        let days: JSON = ["type": "array", "items": ["enum": .array(DailyWindow.dayNames.map(JSON.string))], "minItems": 1, "maxItems": 7,
                          "description": "every day when left out"]
        return [
            ("site_load", ["type": "string", "maxLength": 4096,
                           "description": "a household's load and PV (Ausgrid Solar Home CSV or NEM12) the batteries sit behind, billed with and without them; under data_roots"]),
            ("import_cap", Schemas.params([
                ("limit_w", ["type": "number", "minimum": 0, "maximum": 1e9]), ("from", hhmm), ("to", hhmm), ("days", days),
            ], required: ["limit_w", "from", "to"])),
            ("demand_tariff", Schemas.params([
                ("rate_aud", ["type": "number", "minimum": 0, "maximum": 10_000, "description": "AUD per kW (or kVA) of the period's peak half hour"]),
                ("unit", ["enum": ["kW", "kVA"], "default": "kW"]),
                ("period", ["enum": .array(DemandTariff.Period.allCases.map { .string($0.rawValue) }), "default": "month"]),
                ("power_factor", ["type": "number", "exclusiveMinimum": 0, "maximum": 1, "description": "for unit kVA"]),
                ("from", hhmm), ("to", hhmm), ("days", days),
            ], required: ["rate_aud"])),
        ]
    }

    struct ImportCapParams: Decodable, Sendable {
        var limitW: Double
        var from, to: String
        var days: [String]?
        enum CodingKeys: String, CodingKey { case limitW = "limit_w", from, to, days }
    }

    struct DemandTariffParams: Decodable, Sendable {
        var rateAUD: Double
        var unit, period: String?
        var powerFactor: Double?
        var from, to: String?
        var days: [String]?
        enum CodingKeys: String, CodingKey { case rateAUD = "rate_aud", unit, period, powerFactor = "power_factor", from, to, days }
    }

    /// The request's site, every problem naming its param; nil without `site_load`.
    func site(_ p: RunParams, dir: String) throws(RPCError) -> SiteRequest? {
        guard let given = p.siteLoad else {
            if p.importCap != nil || p.demandTariff != nil { throw .invalidParams("import_cap and demand_tariff need site_load") }
            return nil
        }
        let path = Paths.resolve(given, against: dir)
        try dataRoots.check(path, given: given, param: "site_load")
        guard FileSystem.isRegularFile(path) else { throw .invalidParams("site_load: \(given) is not a file") }
        var site = SiteRequest(loadPath: path)
        if let c = p.importCap {
            site.importCap = (c.limitW, try Self.window(from: c.from, to: c.to, days: c.days, param: "import_cap"))
            if c.from == c.to { throw .invalidParams("import_cap: from and to are the same") }
        }
        if let t = p.demandTariff {
            let window = t.from == nil && t.to == nil && t.days == nil ? DailyWindow.always
                : try Self.window(from: t.from ?? "00:00", to: t.to ?? "00:00", days: t.days, param: "demand_tariff")
            // The schema holds unit and period to their names.
            switch SiteRequest.demandTariff(rateAUD: t.rateAUD, kva: t.unit == "kVA",
                                            period: DemandTariff.Period(rawValue: t.period ?? "month") ?? .month,
                                            powerFactor: t.powerFactor, window: window) {
            case .success(let tariff): site.demand = tariff
            case .failure(let e): throw .invalidParams("demand_tariff.\(e)")
            }
        }
        return site
    }

    private static func window(from: String, to: String, days: [String]?, param: String) throws(RPCError) -> DailyWindow {
        guard let f = DailyWindow.minute(from) else { throw .invalidParams("\(param).from: \(from) is not HH:MM (00:00 ... 23:59)") }
        guard let t = DailyWindow.minute(to) else { throw .invalidParams("\(param).to: \(to) is not HH:MM (00:00 ... 23:59)") }
        return DailyWindow(days: days.flatMap { DailyWindow.days($0) } ?? Set(1...7), fromMinute: f, toMinute: t)
    }
}
