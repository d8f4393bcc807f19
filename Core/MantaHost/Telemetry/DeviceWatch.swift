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

    /// Devices judged per loop turn: 200,000 at once held the loop for
    /// about 100 ms every second, and every dispatch answer behind it.
    static let devicesPerTurn = 20_000
    /// The check under way: where it stands and what it found so far.
    private var pass: (nowMs: Int64, next: Int, changes: [DeviceHealth.Change])?

    /// Re-judges every device, a slice a loop turn, and records the
    /// changes; a check still under way when the next is due is finished
    /// first (the next is skipped).
    func check() {
        guard pass == nil else { return }
        pass = (clock.nowMs(), 0, [])
        judgeSlice()
    }

    private func judgeSlice() {
        guard var p = pass else { return }
        let devices = registry.devices
        let end = min(devices.count, p.next + Self.devicesPerTurn)
        p.changes += health.update(devices[p.next..<end], latest: ingest.latest, startedMs: startedMs, nowMs: p.nowMs)
        p.next = end
        guard end >= devices.count else {
            pass = p
            EventLoop.shared.execute { [self] in judgeSlice() }
            return
        }
        pass = nil
        record(p.changes, nowMs: p.nowMs)
    }

    private func record(_ changes: [DeviceHealth.Change], nowMs now: Int64) {
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
