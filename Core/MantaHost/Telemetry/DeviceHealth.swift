import MantaModel

/// Whether each device can be trusted right now: online, stale (no
/// telemetry for `staleAfterMs`), offline (none for `offlineAfterMs`, or its
/// driver says it cannot reach it, and why), or unknown (nothing heard yet).
/// A value: `DeviceWatch` owns the host's, on the loop.
struct DeviceHealth: Sendable {
    enum Status: String, Sendable {
        case unknown, online, stale, offline
    }

    struct Entry: Sendable {
        var status = Status.unknown
        var reason = ""
        var sinceMs: Int64
        /// What the driver last said (manta.host.devices/1), if anything.
        var link: (online: Bool, reason: String)?
    }

    let staleAfterMs: Int64
    let offlineAfterMs: Int64
    private(set) var entries: [UInt32: Entry] = [:]

    init(staleAfterMs: Int64, offlineAfterMs: Int64) {
        self.staleAfterMs = staleAfterMs
        self.offlineAfterMs = offlineAfterMs
    }

    func status(_ device: UInt32) -> Entry? { entries[device] }

    /// Whether dispatch may use the device: not offline.
    func usable(_ device: UInt32) -> Bool { entries[device]?.status != .offline }

    /// The driver says the device is (un)reachable; the next `update` acts on it.
    mutating func setLink(_ device: UInt32, online: Bool, reason: String, nowMs: Int64) {
        var e = entries[device] ?? Entry(sinceMs: nowMs)
        e.link = (online, reason)
        entries[device] = e
    }

    struct Change: Sendable {
        var device: DeviceDescriptor
        var from: Status
        var to: Status
        var reason: String
    }

    /// Re-judges every device at `nowMs` from its telemetry and its driver's
    /// word; returns what changed. A device that stays offline is news again
    /// only when the reason changes (its driver says something new).
    mutating func update(_ devices: ArraySlice<DeviceDescriptor>, latest: LatestValues, startedMs: Int64, nowMs: Int64) -> [Change] {
        var changes: [Change] = []
        for d in devices where d.enabled {
            let known = entries[d.number]
            var e = known ?? Entry(sinceMs: nowMs)
            let (status, reason) = judge(e, last: latest.lastSampleMs(device: d.number), startedMs: startedMs, nowMs: nowMs)
            if status != e.status || (status == .offline && reason != e.reason) {
                changes.append(Change(device: d, from: e.status, to: status, reason: reason))
                e.status = status
                e.reason = reason
                e.sinceMs = nowMs
            } else if known != nil {
                continue  // unchanged: nothing to write back
            }
            entries[d.number] = e
        }
        return changes
    }

    private func judge(_ e: Entry, last: Int64?, startedMs: Int64, nowMs: Int64) -> (Status, String) {
        if let link = e.link, !link.online { return (.offline, link.reason) }
        guard let last else {
            // Nothing heard yet: give the driver the stale time to start.
            return nowMs - startedMs > offlineAfterMs ? (.offline, "no telemetry since the host started")
                : nowMs - startedMs > staleAfterMs ? (.stale, "no telemetry yet") : (.unknown, "")
        }
        // The reasons name the threshold, not the running age, so that they
        // stay true (and unchanged) for as long as the status lasts.
        let age = nowMs - last
        if age > offlineAfterMs { return (.offline, "no telemetry for more than \(offlineAfterMs / 1000) s") }
        if age > staleAfterMs { return (.stale, "no telemetry for more than \(staleAfterMs / 1000) s") }
        return (.online, "")
    }
}
