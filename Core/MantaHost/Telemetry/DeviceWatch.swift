import MantaModel

/// Keeps every device's health current: once a second it re-judges the
/// fleet from the latest telemetry and what drivers say of their links,
/// and records each change as an event, except that a driver's whole fleet
/// changing at once is one event, not thousands.
@LoopActor
final class DeviceWatch {
    private(set) var health: DeviceHealth
    private let registry: DeviceRegistry
    private let ingest: TelemetryIngest
    private let events: EventLog
    private let clock: HostClock
    private let startedMs: Int64

    init(staleAfterMs: Int64, offlineAfterMs: Int64, registry: DeviceRegistry, ingest: TelemetryIngest, events: EventLog,
         clock: HostClock) {
        health = DeviceHealth(staleAfterMs: staleAfterMs, offlineAfterMs: offlineAfterMs)
        self.registry = registry
        self.ingest = ingest
        self.events = events
        self.clock = clock
        startedMs = clock.nowMs()
    }

    func status(_ device: UInt32) -> DeviceHealth.Entry? { health.status(device) }

    /// Whether dispatch may use the device: not offline.
    func usable(_ device: UInt32) -> Bool { health.usable(device) }

    /// A driver says whether it can reach its device `index`.
    func setLink(instance: Int, device index: UInt32, online: Bool, reason: String) {
        guard let d = registry.device(instance: instance, index: index) else { return }
        health.setLink(d.number, online: online, reason: reason, nowMs: clock.nowMs())
    }

    /// Re-judges every device and records the changes.
    func check() {
        let now = clock.nowMs()
        let changes = health.update(registry.devices, latest: ingest.latest, startedMs: startedMs, nowMs: now)
        var groups: [String: [DeviceHealth.Change]] = [:]
        for c in changes { groups["\(c.device.instance)\u{0}\(c.to.rawValue)", default: []].append(c) }
        for (key, list) in groups.sorted(by: { $0.key < $1.key }) {
            _ = key
            let to = list[0].to
            let severity: Severity = to == .online ? .info : .warning
            if list.count <= 10 {
                for c in list {
                    events.record(severity, source: c.device.id, kind: "device.\(to.rawValue)",
                                  "\(c.from.rawValue) -> \(to.rawValue)\(c.reason.isEmpty ? "" : ": \(c.reason)")", atMs: now)
                }
            } else {
                let first = list.prefix(3).map(\.device.id).joined(separator: ", ")
                events.record(severity, source: list[0].device.instance, kind: "device.\(to.rawValue)",
                              "\(list.count) devices are now \(to.rawValue) (\(first), ...)"
                                  + (list[0].reason.isEmpty ? "" : ": \(list[0].reason)"), atMs: now)
            }
        }
    }
}
