import MantaABI
import MantaModel
import Testing
@testable import MantaHost

/// How DeviceHealth judges devices over time from their telemetry and
/// their driver's word (stale after 60 s, offline after 300 s).
@Suite struct DeviceHealthJudgement {
    let meter = DeviceDescriptor(number: 7, instance: "ss", index: 0, key: "home.meter", kind: .meter, site: "home",
                                 ratings: DeviceRatings(ratedPowerW: 10_000), controllable: false, readOnly: true)

    func sample(atMs t: Int64) -> Sample { Sample(device: 7, point: 1, timeMs: t, value: 1500, quality: .good) }

    @Test func aDeviceThatFallsSilentGoesStaleThenOfflineOnce() {
        var health = DeviceHealth(staleAfterMs: 60_000, offlineAfterMs: 300_000)
        var latest = LatestValues()
        latest.update(sample(atMs: 1_000))
        var seen: [(DeviceHealth.Status, String)] = []
        // One judgement a second for ten minutes of silence after one sample.
        for now in stride(from: Int64(1_000), through: 601_000, by: 1_000) {
            seen += health.update([meter], latest: latest, startedMs: 0, nowMs: now).map { ($0.to, $0.reason) }
        }
        #expect(seen.map(\.0) == [.online, .stale, .offline])
        #expect(seen.map(\.1) == ["", "no telemetry for more than 60 s", "no telemetry for more than 300 s"])
        #expect(health.status(7)?.sinceMs == 302_000)
        #expect(!health.usable(7))
    }

    @Test func theDriversWordWinsAndANewReasonIsNews() {
        var health = DeviceHealth(staleAfterMs: 60_000, offlineAfterMs: 300_000)
        var latest = LatestValues()
        latest.update(sample(atMs: 1_000))
        #expect(health.update([meter], latest: latest, startedMs: 0, nowMs: 1_000).map(\.to) == [.online])
        health.setLink(7, online: false, reason: "127.0.0.1:502 unit 1: connection refused", nowMs: 2_000)
        let down = health.update([meter], latest: latest, startedMs: 0, nowMs: 2_000)
        #expect(down.map { "\($0.from) -> \($0.to): \($0.reason)" } == ["online -> offline: 127.0.0.1:502 unit 1: connection refused"])
        #expect(health.update([meter], latest: latest, startedMs: 0, nowMs: 3_000).isEmpty)
        health.setLink(7, online: false, reason: "127.0.0.1:502 unit 1: timed out", nowMs: 4_000)
        #expect(health.update([meter], latest: latest, startedMs: 0, nowMs: 4_000).map(\.reason) == ["127.0.0.1:502 unit 1: timed out"])
        health.setLink(7, online: true, reason: "", nowMs: 5_000)
        latest.update(sample(atMs: 5_000))
        #expect(health.update([meter], latest: latest, startedMs: 0, nowMs: 5_000).map(\.to) == [.online])
        #expect(health.usable(7))
    }

    @Test func aDeviceNeverHeardFromIsGivenTheStaleTimeToStart() {
        var health = DeviceHealth(staleAfterMs: 60_000, offlineAfterMs: 300_000)
        let latest = LatestValues()
        #expect(health.update([meter], latest: latest, startedMs: 0, nowMs: 60_000).isEmpty)
        #expect(health.status(7)?.status == .unknown && health.status(7)?.sinceMs == 60_000 && health.usable(7))
        #expect(health.update([meter], latest: latest, startedMs: 0, nowMs: 61_000).map(\.reason) == ["no telemetry yet"])
        #expect(health.update([meter], latest: latest, startedMs: 0, nowMs: 301_000).map(\.reason)
            == ["no telemetry since the host started"])
    }
}
