import MantaEngine
import MantaIO
import MantaMarket

/// A backtest's site with load as the CLI and the API ask for it: the
/// household file (read on the worker), the import cap the batteries
/// defend and the demand tariff its import is billed on.
public struct SiteRequest: Sendable {
    public var loadPath: String
    public var importCap: (limitW: Double, window: DailyWindow)?
    public var demand: DemandTariff?

    /// A household file is a year of half hours (about 1 MB); this bounds
    /// what a request can make the worker read.
    public static let maxFileBytes = 64 << 20

    public init(loadPath: String, importCap: (limitW: Double, window: DailyWindow)? = nil, demand: DemandTariff? = nil) {
        self.loadPath = loadPath
        self.importCap = importCap
        self.demand = demand
    }

    /// Reads the household file into the site; `networkPerMWh` is billed
    /// on its import.
    func load(networkPerMWh: Double) throws(BacktestError) -> BacktestSite {
        guard FileSystem.isRegularFile(loadPath) else { throw BacktestError("site load \(loadPath): not a file") }
        let bytes: [UInt8]
        do { bytes = try FileSystem.read(loadPath, maxBytes: Self.maxFileBytes) } catch { throw BacktestError("site load: \(error)") }
        let profile: SiteProfile
        do { profile = try SiteProfile.parse(String(decoding: bytes, as: UTF8.self), file: loadPath) } catch {
            throw BacktestError("site load: \(error)")
        }
        let name = Paths.basename(loadPath).split(separator: ".").first.map(String.init) ?? "site"
        return BacktestSite(name: name, profile: profile, importCap: importCap, demand: demand, networkPerMWh: networkPerMWh)
    }

    /// The `manta backtest` flags that ask for this site (a plugin
    /// strategy's backtest runs in a child CLI).
    public var arguments: [String] {
        func window(_ w: DailyWindow) -> String {
            "\(DailyWindow.hhmm(w.fromMinute))-\(DailyWindow.hhmm(w.toMinute))@"
                + w.dayList.joined(separator: ",")
        }
        var out = ["--site-load", loadPath]
        if let c = importCap { out += ["--import-cap", "\(c.limitW)@\(window(c.window))"] }
        if let t = demand {
            out += ["--demand-tariff", "\(t.rateAUD)/\(t.unit)/\(t.period.rawValue)" + (t.window.isAlways ? "" : "@\(window(t.window))")]
            if let pf = t.powerFactor { out += ["--power-factor", "\(pf)"] }
        }
        return out
    }

    /// An import cap written `W@HH:MM-HH:MM[@DAYS]` (DAYS: mon,tue,...,
    /// weekdays, weekends or all; every day when left out).
    public static func importCap(_ text: String) -> Result<(limitW: Double, window: DailyWindow), SpecError> {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, let w = Double(parts[0]), w.isFinite, w >= 0, w <= 1e9 else {
            return .failure(SpecError("expected W@HH:MM-HH:MM[@DAYS] with W from 0 to 1e9, e.g. 1500@16:00-18:00@weekdays; got '\(text)'"))
        }
        switch window(parts.dropFirst()) {
        case .success(let window):
            guard window.fromMinute != window.toMinute else { return .failure(SpecError("the window's start and end are the same")) }
            return .success((w, window))
        case .failure(let e): return .failure(e)
        }
    }

    /// A demand tariff written `RATE/kW|kVA/month|day[@HH:MM-HH:MM[@DAYS]]`
    /// (the whole day when no hours are given); kVA needs `powerFactor`.
    public static func demandTariff(_ text: String, powerFactor: Double?) -> Result<DemandTariff, SpecError> {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        let rate = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 3, rate.count == 3, let aud = Double(rate[0]),
              let period = DemandTariff.Period(rawValue: rate[2].lowercased()), ["kw", "kva"].contains(rate[1].lowercased()) else {
            return .failure(SpecError("expected RATE/kW|kVA/month|day[@HH:MM-HH:MM[@DAYS]], e.g. 12.5/kW/month@16:00-21:00@weekdays; got '\(text)'"))
        }
        switch parts.count == 1 ? .success(.always) : Self.window(parts.dropFirst()) {
        case .success(let window):
            return demandTariff(rateAUD: aud, kva: rate[1].lowercased() == "kva", period: period, powerFactor: powerFactor,
                                window: window)
        case .failure(let e): return .failure(e)
        }
    }

    /// A demand tariff from its parts, as the CLI and the API name them: a
    /// power factor with a charge per kVA, and only then; each problem
    /// names its field.
    public static func demandTariff(rateAUD: Double, kva: Bool, period: DemandTariff.Period, powerFactor: Double?,
                                    window: DailyWindow) -> Result<DemandTariff, SpecError> {
        if kva, powerFactor == nil { return .failure(SpecError("power_factor: a charge per kVA needs the site's power factor")) }
        if !kva, powerFactor != nil { return .failure(SpecError("power_factor: only for unit kVA")) }
        let tariff = DemandTariff(rateAUD: rateAUD, period: period, powerFactor: powerFactor, window: window)
        if let p = tariff.problems().first { return .failure(SpecError(p)) }
        return .success(tariff)
    }

    /// `HH:MM-HH:MM` and optional days.
    private static func window(_ parts: ArraySlice<Substring>) -> Result<DailyWindow, SpecError> {
        var days = Set(1...7)
        if parts.count == 2 {
            guard let d = DailyWindow.days(parts.last!.split(separator: ",")) else {
                return .failure(SpecError("days '\(parts.last!)': expected mon ... sun, weekdays, weekends or all, comma-separated"))
            }
            days = d
        }
        guard let hours = parts.first, let w = DailyWindow(hours: hours, days: days) else {
            return .failure(SpecError("hours '\(parts.first ?? "")': expected HH:MM-HH:MM (market time)"))
        }
        return .success(w)
    }

    public struct SpecError: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }
}
