import MantaModel

/// How much more a site may export before it reaches its export limit:
/// the limit less what its grid meter shows it exporting now; without a
/// meter, less what its generators (PV and batteries) put out. nil when no
/// limit is in force.
@LoopActor
struct ExportRoom {
    let registry: DeviceRegistry
    let limits: ExportLimitEnforcer
    let members: MemberStates

    func roomW(site: String, nowMs now: Int64) -> Double? {
        guard let limit = limits.effective(site)?.limitW else { return nil }
        let devices = registry.bySite[site] ?? []
        func reading(_ d: DeviceDescriptor) -> Double? { members.powerW(d.number, nowMs: now) }
        if let meter = devices.first(where: { $0.kind == .meter }), let exportW = reading(meter) {
            return limit - exportW
        }
        let generated = devices.filter { $0.kind != .meter && $0.kind != .load }.compactMap(reading).reduce(0, +)
        return limit - generated
    }
}
