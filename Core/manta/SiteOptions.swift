import ArgumentParser
import MantaEngine
import MantaHost
import MantaIO

/// `manta backtest`'s site with load: the batteries behind a household's
/// meter, billed with them and without.
struct SiteOptions: ParsableArguments {
    @Option(help: "A household's load and PV (Ausgrid Solar Home CSV, or NEM12 meter data) replayed by calendar day; the batteries sit behind its meter and the report bills it with and without them.")
    var siteLoad: String?

    @Option(help: "An import cap the batteries defend: W@HH:MM-HH:MM[@DAYS], e.g. 1500@16:00-18:00@weekdays (market time; DAYS mon,...,sun, weekdays, weekends, all).")
    var importCap: String?

    @Option(help: "The site's demand tariff: RATE/kW|kVA/month|day[@HH:MM-HH:MM[@DAYS]], e.g. 12.5/kW/month@16:00-21:00@weekdays (the peak half hour's mean import).")
    var demandTariff: String?

    @Option(help: "The site's power factor, for a demand tariff per kVA (0 < pf <= 1).")
    var powerFactor: Double?

    /// The site these options ask for, or nil when --site-load is not given
    /// (then the others are refused).
    func request() throws -> SiteRequest? {
        guard let siteLoad else {
            if importCap != nil || demandTariff != nil || powerFactor != nil {
                throw ValidationError("--import-cap, --demand-tariff and --power-factor need --site-load")
            }
            return nil
        }
        guard FileSystem.isRegularFile(siteLoad) else { throw ValidationError("--site-load: \(siteLoad) is not a file") }
        var site = SiteRequest(loadPath: siteLoad)
        if let importCap {
            switch SiteRequest.importCap(importCap) {
            case .success(let c): site.importCap = c
            case .failure(let e): throw ValidationError("--import-cap: \(e)")
            }
        }
        if let powerFactor, demandTariff == nil { throw ValidationError("--power-factor (\(powerFactor)) needs --demand-tariff per kVA") }
        if let demandTariff {
            switch SiteRequest.demandTariff(demandTariff, powerFactor: powerFactor) {
            case .success(let t): site.demand = t
            case .failure(let e): throw ValidationError("--demand-tariff: \(e)")
            }
        }
        return site
    }
}
