import MantaABI
import MantaModel

/// What a strategy is shown of each asset's site (ABI 1.5): the home's
/// load and PV, the grid meter, and the export limit and import cap in
/// force, read once per site per decision from the latest readings, the
/// ExportLimitEnforcer and the import caps.
@LoopActor
final class SiteStates {
    private let registry: DeviceRegistry
    private let members: MemberStates
    private let exportLimits: ExportLimitEnforcer
    private let importCaps: ImportCapControl

    init(registry: DeviceRegistry, members: MemberStates, exportLimits: ExportLimitEnforcer, importCaps: ImportCapControl) {
        self.registry = registry
        self.members = members
        self.exportLimits = exportLimits
        self.importCaps = importCaps
    }

    /// Sets `assets[i].site` for each member view of VPP `vpp`.
    func fill(_ assets: inout [AssetState], views: [MemberStates.View], vpp: String, nowMs now: Int64) {
        var seen: [String: SiteState] = [:]
        for (i, v) in views.enumerated() where i < assets.count && !v.site.isEmpty {
            if let s = seen[v.site] {
                assets[i].site = s
                continue
            }
            let s = state(v.site, vpp: vpp, nowMs: now)
            seen[v.site] = s
            assets[i].site = s
        }
    }

    /// One site now: the meter's reading, the PV's output, the load
    /// inferred from them and the storage (PV + storage - export), and
    /// the limits in force.
    func state(_ site: String, vpp: String?, nowMs now: Int64) -> SiteState {
        let (grid, pv, storage) = members.siteFlows(registry.bySite[site] ?? [], nowMs: now)
        let load = grid.map { max(0, (pv ?? 0) + (storage ?? 0) - $0) }
        return SiteState(id: site, loadW: load, pvW: pv.map { max(0, $0) }, gridW: grid,
                         exportLimitW: exportLimits.effective(site)?.limitW,
                         importCapW: importCaps.caps.inForce(site: site, vpp: vpp, atMs: now))
    }
}
