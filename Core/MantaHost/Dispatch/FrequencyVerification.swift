import DequeModule
import MantaEngine
import MantaMarket
import MantaText

/// A frequency event's verification, in the manner of AEMO's FCAS
/// verification tool: for each VPP with members that answered, the MW it
/// was enabled for in each contingency service of the event's side, against
/// the MW it delivered (the members' power change from just before the
/// event) at the end of each service's time frame: 1 s, 6 s, 60 s, 5 min.
///
/// `expected_mw` is what a proportional response owes at the frequency
/// measured then: the enablement times FrequencyDroop's share at
/// `dispatch.full_response_hz`, the formula the batteries answer with. Regulation is not verified: it is not enabled live.
@LoopActor
final class FrequencyVerification {
    struct Row: Sendable {
        var afterS: Int64
        var service: FCASService
        var enabledMW: Double
        var hz: Double
        var expectedMW: Double
        var deliveredMW: Double
    }

    struct VPPReport: Sendable {
        var vpp: String
        /// Members measured in the event.
        var members: Int
        /// Whether the interval's enablement was known at the event.
        var enabled: Bool
        var rows: [Row]
    }

    struct Report: Sendable {
        var id: Int
        var event: FrequencyWatch.Event
        var vpps: [VPPReport]
    }

    /// The services each offset of FrequencyWatch.offsetsS verifies, by side.
    static let raise: [FCASService] = [.raise1Sec, .raise6Sec, .raise60Sec, .raise5Min]
    static let lower: [FCASService] = [.lower1Sec, .lower6Sec, .lower60Sec, .lower5Min]
    /// Reports kept for fcas.verification.
    static let kept = 50

    private let vpps: VPPSet
    private let events: EventLog
    private let fullResponseHz: Double
    private(set) var reports = Deque<Report>()
    private var nextID = 1
    /// Each VPP's enablement when the open event began.
    private var enabledAtStart: [String: FCASDispatch.Enabled] = [:]

    init(vpps: VPPSet, events: EventLog, fullResponseHz: Double) {
        self.vpps = vpps
        self.events = events
        self.fullResponseHz = fullResponseHz
    }

    /// An event began at `t`: keeps what each VPP had enabled for the
    /// interval it began in.
    func begin(atMs t: Int64) {
        enabledAtStart = [:]
        for vpp in vpps.all {
            if let f = vpp.fcas, f.intervalEndMs - MarketTime.intervalMs < t && t <= f.intervalEndMs { enabledAtStart[vpp.config.id] = f }
        }
    }

    func verify(_ e: FrequencyWatch.Event) {
        let services = e.low ? Self.raise : Self.lower
        var out: [VPPReport] = []
        for vpp in vpps.all {
            let measured = vpp.members.filter { e.baselineW[$0.number] != nil }
            guard !measured.isEmpty else { continue }
            let f = enabledAtStart[vpp.config.id]
            var rows: [Row] = []
            for (k, s) in services.enumerated() {
                let enabled = f?.mw[s.rawValue] ?? 0
                var delivered = 0.0
                for m in measured {
                    guard let base = e.baselineW[m.number], let now = e.powerW[k][m.number] else { continue }
                    delivered += (e.low ? now - base : base - now) / 1e6
                }
                rows.append(Row(afterS: FrequencyWatch.offsetsS[k], service: s, enabledMW: enabled, hz: e.hz[k],
                                expectedMW: enabled * FrequencyDroop.share(at: e.hz[k], raise: e.low, fullResponseHz: fullResponseHz),
                                deliveredMW: delivered))
            }
            out.append(VPPReport(vpp: vpp.config.id, members: measured.count, enabled: f != nil, rows: rows))
            record(e, vpp: vpp.config.id, rows)
        }
        reports.append(Report(id: nextID, event: e, vpps: out))
        nextID += 1
        if reports.count > Self.kept { reports.removeFirst() }
    }

    /// One event row per VPP: a warning when a service got less than 90%
    /// of what it was owed.
    private func record(_ e: FrequencyWatch.Event, vpp: String, _ rows: [Row]) {
        let short = rows.filter { $0.expectedMW > 0 && $0.deliveredMW < 0.9 * $0.expectedMW }
        let text = rows.map { r in
            "\(r.service.name) \(mw(r.deliveredMW)) of \(mw(r.expectedMW)) MW owed (\(mw(r.enabledMW)) enabled) at \(r.afterS) s"
        }.joined(separator: "; ")
        let side = e.low ? "under" : "over"
        events.record(short.isEmpty ? .info : .warning, source: vpp, kind: "fcas.verification",
                      "\(side)-frequency event at \(MarketTime.iso(e.startMs)) to \(NumberText.rounded(e.extremeHz, 3)) Hz: \(text)",
                      atMs: e.startMs)
    }

    private func mw(_ x: Double) -> String { NumberText.rounded(x, 4) }
}
