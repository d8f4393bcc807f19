import MantaABI
import MantaEngine
import MantaIO
import MantaJSON
import MantaModel

/// Defends import caps (Cap Service): in a cap's window, whenever the
/// grid import of its site (or the sum over a VPP's sites) would pass the
/// limit, the batteries there discharge at least what keeps it under, on
/// top of what dispatch asked (a floor on their setpoints, split by the
/// fleet split over their headroom); ahead of the window on its days they
/// keep the planned reserve (their state-of-charge floor is raised, so
/// dispatch does not spend it).
@LoopActor
final class ImportCapControl: PeriodicStep {
    private(set) var caps = ImportCaps()
    private let registry: DeviceRegistry
    private let vpps: VPPSet
    private let setpoints: FleetSetpoints
    private let members: MemberStates
    private let control: DeviceControl
    private let events: EventLog
    private let store: StorePipeline
    private let clock: HostClock
    var timer: LoopTimer?
    /// Batteries under a floor now, by cap target.
    private var floored: [String: [UInt32]] = [:]
    private var sends = ResendGate<UInt32>(toleranceW: 10, refreshMs: MeterExportControl.validMs / 2)

    init(registry: DeviceRegistry, vpps: VPPSet, setpoints: FleetSetpoints, members: MemberStates, control: DeviceControl,
         events: EventLog, store: StorePipeline, clock: HostClock) {
        self.store = store
        self.registry = registry
        self.vpps = vpps
        self.setpoints = setpoints
        self.members = members
        self.control = control
        self.events = events
        self.clock = clock
    }

    var stepClock: HostClock { clock }
    var stepHostMs: Int64 { MeterExportControl.stepMs }

    /// The caps the store kept from an earlier run; one that no longer
    /// reads, or names a site or VPP gone, is an event and skipped.
    func restore(_ rows: [(target: String, definition: String)]) {
        for (target, text) in rows {
            guard let json = try? JSON.parse(text), let cap = ImportCaps.Cap(target: target, json: json),
                  target.hasPrefix("vpp:") ? vpps.vpp(String(target.dropFirst(4))) != nil
                      : registry.bySite[String(target.dropFirst(5))] != nil else {
                events.record(.warning, source: "host", kind: "cap.restore", "\(target): stored cap not restored")
                continue
            }
            caps.set(cap)
        }
    }

    /// Sets (or with nil, clears) the cap on `target` ("site:ID" or "vpp:ID"),
    /// and stores it for the next run.
    func set(_ cap: ImportCaps.Cap?, target: String) {
        let row = (target: target, definition: cap.map { $0.json.serialized() })
        store.add { $0.importCaps.append(row) }
        if let cap { caps.set(cap) } else {
            caps.clear(target)
            release(target)
            for b in batteries(of: target) { members.reserve(b.number, fraction: 0) }
        }
        step()
    }

    /// The sites and the dispatchable batteries a cap covers.
    func sites(of target: String) -> [String] {
        if target.hasPrefix("site:") { return [String(target.dropFirst(5))] }
        guard let v = vpps.vpp(String(target.dropFirst(4))) else { return [] }
        return Array(Set(v.members.compactMap { registry.device(number: $0.number)?.site })).sorted()
    }

    func batteries(of target: String) -> [DeviceDescriptor] {
        sites(of: target).flatMap { registry.bySite[$0] ?? [] }.filter { $0.dispatchable && $0.kind == .battery }
    }

    func step() {
        let now = clock.nowMs()
        for cap in caps.caps.values {
            let batteries = batteries(of: cap.target)
            // Ahead of the window: keep the reserve, spread by capacity.
            let total = batteries.map { $0.ratings.capacityWh.isFinite ? $0.ratings.capacityWh : 0 }.reduce(0, +)
            let fraction = cap.ahead(atMs: now) && total > 0 ? min(1, cap.reserveWh / total) : 0
            for b in batteries { members.reserve(b.number, fraction: fraction) }
            guard cap.holds(atMs: now) else {
                release(cap.target)
                continue
            }
            defend(cap, batteries, now: now)
        }
    }

    private func defend(_ cap: ImportCaps.Cap, _ batteries: [DeviceDescriptor], now: Int64) {
        var importW = 0.0
        for site in sites(of: cap.target) {
            guard let meter = registry.bySite[site]?.first(where: { $0.kind == .meter }),
                  let w = members.powerW(meter.number, nowMs: now)
            else { continue }
            importW -= w
        }
        let measured = batteries.compactMap { members.powerW($0.number, nowMs: now) }.reduce(0, +)
        let requested = batteries.map { setpoints.requestedW($0.number) ?? 0 }.reduce(0, +)
        // What the batteries must run together so that import meets the cap.
        let needed = measured + (importW - cap.limitW)
        guard needed > requested + 1 else {
            release(cap.target)
            return
        }
        let hours = Double(max(60_000, MeterExportControl.validMs)) / 3_600_000
        let views = batteries.compactMap { members.view(.init(number: $0.number, allocation: 1, priority: 0), nowMs: now) }
        let floors = FleetSplit.split(targetW: needed, members: views.map { $0.splitMember(hours: hours) }, hours: hours)
        floored[cap.target] = views.map(\.device.number)
        for (v, floor) in zip(views, floors) {
            setpoints.floor(v.device.number, atLeastW: floor)
            guard let d = registry.device(number: v.device.number) else { continue }
            let value = max(setpoints.requestedW(d.number) ?? 0, floor)
            guard sends.due(d.number, value, nowMs: now) else { continue }
            control.send(d, mode: .activePower, value: value.rounded(), validForMs: MeterExportControl.validMs,
                         source: "import-cap") { _ in }
        }
    }

    private func release(_ target: String) {
        guard let numbers = floored.removeValue(forKey: target) else { return }
        for n in numbers {
            setpoints.floor(n, atLeastW: nil)
            sends.forget(n)
            if let d = registry.device(number: n), let w = setpoints.requestedW(n) {
                control.send(d, mode: .activePower, value: w, validForMs: MeterExportControl.validMs, source: "import-cap") { _ in }
            }
        }
    }
}
