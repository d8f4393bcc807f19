import MantaJSON

/// Dynamic operating envelopes: the export limits a network operator
/// publishes for a site (or a feeder group) window by window, as South
/// Australia's flexible exports do (5- or 30-minute windows, 0 to 10 kW a
/// site, a day ahead). Each target has one schedule of windows, in time
/// order and not overlapping; between windows no envelope limits it and
/// its other limits stand. A value: NetworkLimits owns the host's.
struct OperatingEnvelopes: Sendable {
    struct Window: Sendable, Equatable {
        /// Host clock, ms; the window holds from start up to end.
        var startMs: Int64
        var endMs: Int64
        var exportLimitW: Double
    }

    /// Windows one target may hold: a week of 5-minute windows.
    static let maxWindows = 2016
    /// Windows all targets may hold together.
    static let maxTotal = 1_000_000
    /// The longest one window, ms.
    static let maxWindowMs: Int64 = 7 * 86_400_000

    /// "site:ID" or "feeder:ID" -> its windows, in time order.
    private(set) var schedules: [String: [Window]] = [:]
    private(set) var total = 0

    /// Replaces `target`'s schedule (empty: clears it).
    mutating func set(_ target: String, _ windows: [Window]) {
        total += windows.count - (schedules[target]?.count ?? 0)
        schedules[target] = windows.isEmpty ? nil : windows
    }

    /// The window of `target` holding at `ms`, if any.
    func inForce(_ target: String, atMs ms: Int64) -> Window? {
        guard let windows = schedules[target] else { return nil }
        // The first window ending after ms; it holds if it has started.
        var lo = 0, hi = windows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if windows[mid].endMs <= ms { lo = mid + 1 } else { hi = mid }
        }
        return lo < windows.count && windows[lo].startMs <= ms ? windows[lo] : nil
    }

    /// Drops the windows that ended by `ms`; returns the targets whose
    /// schedule is now empty.
    mutating func prune(endedBy ms: Int64) -> [String] {
        var emptied: [String] = []
        for (target, windows) in schedules where windows.first.map({ $0.endMs <= ms }) ?? false {
            let kept = windows.drop { $0.endMs <= ms }
            total -= windows.count - kept.count
            schedules[target] = kept.isEmpty ? nil : Array(kept)
            if kept.isEmpty { emptied.append(target) }
        }
        return emptied
    }

    /// The first problem of a schedule as given, naming the window; nil: none.
    static func problem(_ windows: [Window]) -> String? {
        for (i, w) in windows.enumerated() {
            guard w.endMs > w.startMs else { return "windows[\(i)].end: must be after its start" }
            let (length, overflow) = w.endMs.subtractingReportingOverflow(w.startMs)
            guard !overflow, length <= maxWindowMs else { return "windows[\(i)]: longer than a week" }
            if i > 0, w.startMs < windows[i - 1].endMs {
                return "windows[\(i)].start: before the end of windows[\(i - 1)] (windows in time order, not overlapping)"
            }
        }
        return nil
    }

    /// As the store keeps a schedule: [[start_ms, end_ms, export_limit_w], ...].
    static func json(_ windows: [Window]) -> JSON {
        .array(windows.map { .array([.int($0.startMs), .int($0.endMs), .number($0.exportLimitW)]) })
    }

    /// Read back from the store; nil when it does not read as a schedule.
    static func windows(_ json: JSON) -> [Window]? {
        guard let rows = json.array, rows.count <= maxWindows else { return nil }
        var windows: [Window] = []
        for row in rows {
            guard let r = row.array, r.count == 3, let start = r[0].integer, let end = r[1].integer,
                  let limit = r[2].number, limit.isFinite, limit >= 0 else { return nil }
            windows.append(Window(startMs: start, endMs: end, exportLimitW: limit))
        }
        return problem(windows) == nil ? windows : nil
    }
}
