import MantaABI
import MantaEngine
import MantaIO
import MantaModel
import MantaText

/// Holds each metered site's export at the grid meter to its export limit
/// (MeterExport): a few times per telemetry period it reads the site's
/// meter, PV and batteries, infers the household load, and sends the
/// battery the most it may run (dispatch's request, less what would push
/// export over the limit) and the PV the cap of the remaining excess only.
///
/// A site without a grid meter cannot be controlled at the meter: its
/// limit caps its inverters' output instead (ExportLimitEnforcer).
@LoopActor
final class MeterExportControl: PeriodicStep {
    private let registry: DeviceRegistry
    private let limits: ExportLimitEnforcer
    private let setpoints: FleetSetpoints
    private let members: MemberStates
    private let control: DeviceControl
    private let clock: HostClock
    var timer: LoopTimer?
    /// PV caps in force per site.
    private var pvSent: [String: Double] = [:]
    /// Sites where batteries are capped now.
    private var capped: Set<String> = []
    private var batterySends = ResendGate<UInt32>(toleranceW: 10, refreshMs: MeterExportControl.validMs / 2)
    private var pvSends = ResendGate<String>(toleranceW: 50, refreshMs: MeterExportControl.validMs / 2)

    /// Host-clock time between steps, and how long what a step sends lasts.
    static let stepMs: Int64 = 5_000
    static let validMs: Int64 = 60_000

    init(registry: DeviceRegistry, limits: ExportLimitEnforcer, setpoints: FleetSetpoints, members: MemberStates,
         control: DeviceControl, clock: HostClock) {
        self.registry = registry
        self.limits = limits
        self.setpoints = setpoints
        self.members = members
        self.control = control
        self.clock = clock
    }

    var stepClock: HostClock { clock }
    var stepHostMs: Int64 { MeterExportControl.stepMs }

    /// Sites with a grid meter: their limits are held here, not at the inverters.
    func controls(_ site: String) -> Bool { registry.hasMeter(site: site) }

    func step() {
        let now = clock.nowMs()
        for site in Set(limits.limitedSites).union(capped).union(pvSent.keys) where controls(site) {
            guard let limit = limits.effective(site)?.limitW else {
                release(site, now: now)
                continue
            }
            control(site, limitW: limit, absorb: limits.absorbing(site), now: now)
        }
    }

    private func reading(_ d: DeviceDescriptor, now: Int64) -> Double? { members.powerW(d.number, nowMs: now) }

    private func control(_ site: String, limitW: Double, absorb: Bool, now: Int64) {
        let devices = registry.bySite[site] ?? []
        guard let meter = devices.first(where: { $0.kind == .meter }), let exportW = reading(meter, now: now) else { return }
        let pvs = devices.filter { $0.kind == .pvInverter && $0.controllable && !$0.readOnly && $0.enabled }
        let batteries = devices.filter { $0.dispatchable && $0.kind == .battery }
        let pvW = pvs.compactMap { reading($0, now: now) }.reduce(0, +)
        let batteryW = batteries.compactMap { reading($0, now: now) }.reduce(0, +)
        let load = max(0, pvW + batteryW - exportW)
        // A PV running at the cap sent may have more sun: probe upward by a
        // tenth of its rating each step, so the cap follows the sun back.
        let rated = pvs.map { $0.ratings.ratedPowerW.isFinite ? $0.ratings.ratedPowerW : 0 }.reduce(0, +)
        var available = pvW
        if let cap = pvSent[site], pvW >= cap - max(50, 0.02 * rated) { available = pvW + max(100, 0.1 * rated) }
        let requested = batteries.map { setpoints.requestedW($0.number) ?? 0 }.reduce(0, +)
        var headroom = 0.0
        for b in batteries {
            guard let v = members.view(.init(number: b.number, allocation: 1, priority: 0), nowMs: now) else { continue }
            headroom += v.splitMember(hours: Double(Self.validMs) / 3_600_000).chargeHeadroomW
        }
        let plan = MeterExport.plan(.init(limitW: limitW, loadW: load, pvAvailableW: available, batteryW: requested,
                                          chargeHeadroomW: headroom, absorb: absorb))
        // The batteries: capped at their share of the plan while it is below what dispatch asked.
        if plan.batteryW < requested - 1 || absorb {
            capped.insert(site)
            let weights = batteries.map { max(1, $0.ratings.maxChargeW.isFinite ? $0.ratings.maxChargeW : 1) }
            let total = weights.reduce(0, +)
            for (b, w) in zip(batteries, weights) {
                let cap = plan.batteryW * w / total
                setpoints.cap(b.number, atMostW: cap)
                guard batterySends.due(b.number, cap, nowMs: now) else { continue }
                control.send(b, mode: .activePower, value: cap.rounded(), validForMs: Self.validMs, source: "export-limit") { _ in }
            }
        } else if capped.contains(site) {
            releaseBatteries(site, batteries, now: now)
        }
        sendPV(site, pvs, limitW: plan.pvLimitW, rated: rated, now: now)
    }

    private func sendPV(_ site: String, _ pvs: [DeviceDescriptor], limitW: Double?, rated: Double, now: Int64) {
        let last = pvSent[site]
        let weights = pvs.map { $0.ratings.ratedPowerW.isFinite && $0.ratings.ratedPowerW > 0 ? $0.ratings.ratedPowerW : 1 }
        let total = weights.reduce(0, +)
        guard let limitW else {
            // Uncapped again: each inverter's own rating, a cap that never binds.
            guard last != nil else { return }
            pvSent[site] = nil
            pvSends.forget(site)
            for (d, w) in zip(pvs, weights) {
                control.send(d, mode: .exportLimit, value: max(w, rated), validForMs: Self.validMs, source: "export-limit") { _ in }
            }
            return
        }
        guard pvSends.due(site, limitW, nowMs: now) else { return }
        pvSent[site] = limitW
        for (d, w) in zip(pvs, weights) {
            control.send(d, mode: .exportLimit, value: (limitW * w / total).rounded(), validForMs: Self.validMs,
                         source: "export-limit") { _ in }
        }
    }

    private func releaseBatteries(_ site: String, _ batteries: [DeviceDescriptor], now: Int64) {
        capped.remove(site)
        for b in batteries {
            setpoints.cap(b.number, atMostW: nil)
            batterySends.forget(b.number)
            // Back to what dispatch asked, for the rest of its validity.
            if let w = setpoints.requestedW(b.number) {
                control.send(b, mode: .activePower, value: w, validForMs: Self.validMs, source: "export-limit") { _ in }
            }
        }
    }

    private func release(_ site: String, now: Int64) {
        let devices = registry.bySite[site] ?? []
        if capped.contains(site) { releaseBatteries(site, devices.filter { $0.dispatchable && $0.kind == .battery }, now: now) }
        if pvSent[site] != nil {
            let pvs = devices.filter { $0.kind == .pvInverter && $0.controllable && !$0.readOnly && $0.enabled }
            sendPV(site, pvs, limitW: nil, rated: pvs.map { $0.ratings.ratedPowerW.isFinite ? $0.ratings.ratedPowerW : 0 }.reduce(0, +),
                   now: now)
        }
    }
}
