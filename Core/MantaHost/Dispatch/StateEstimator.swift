import MantaABI
import MantaModel

/// Carries each battery's state of charge forward between readings, so a
/// fleet that reports every minute (or less often) still dispatches.
///
/// An estimate starts from the device's last state-of-charge reading and
/// integrates the power the host told it to run since (charge times the
/// one-way efficiency, discharge divided by it). A fresh reading always
/// replaces the estimate; an estimate older than `maxAgeMs` is not given
/// (the device holds), since an unobserved battery drifts.
@LoopActor
final class StateEstimator {
    struct Reading: Sendable, Equatable {
        /// 0..1.
        var soc: Double
        var quality: Quality
        /// Host-clock time of the reading it starts from.
        var readingMs: Int64
    }

    private struct Track {
        var soc: Double
        var asOfMs: Int64
        /// The reading the estimate started from.
        var readingMs: Int64
        /// Power commanded since `asOfMs`, W (+ = discharge).
        var powerW: Double
    }

    /// By device number (numbers are dense: the registry hands them out in order).
    private var tracks: [Track?] = []
    private let maxAgeMs: Int64

    init(maxAgeMs: Int64) {
        self.maxAgeMs = maxAgeMs
    }

    /// The state of charge of `device` at `now`: the reading when it is
    /// fresh (`maxFreshMs`), else the estimate from it; nil when neither.
    func soc(device: UInt32, reading: LatestValues.Entry?, ratings: DeviceRatings, nowMs now: Int64, maxFreshMs: Int64)
        -> Reading?
    {
        guard let reading, reading.value.isFinite, reading.quality != .invalid else { return nil }
        if now - reading.timeMs <= maxFreshMs, reading.quality == .good {
            return Reading(soc: reading.value, quality: .good, readingMs: reading.timeMs)
        }
        guard now - reading.timeMs <= maxAgeMs else { return nil }
        let t = advanced(device, reading: reading, ratings: ratings, to: now)
        return Reading(soc: t.soc, quality: .estimated, readingMs: t.readingMs)
    }

    /// The host told `device` to run `powerW` from `now`.
    func commanded(device: UInt32, powerW: Double, reading: LatestValues.Entry?, ratings: DeviceRatings, nowMs now: Int64) {
        guard let reading, reading.value.isFinite else { return }
        var t = advanced(device, reading: reading, ratings: ratings, to: now)
        t.powerW = powerW.isFinite ? powerW : 0
        store(t, device)
    }

    private func store(_ t: Track, _ device: UInt32) {
        let i = Int(device)
        if i >= tracks.count { tracks += [Track?](repeating: nil, count: max(i + 1 - tracks.count, tracks.count)) }
        tracks[i] = t
    }

    /// The track brought to `now`, restarted from `reading` when that is
    /// newer than what the track started from.
    private func advanced(_ device: UInt32, reading: LatestValues.Entry, ratings r: DeviceRatings, to now: Int64) -> Track {
        var t = (Int(device) < tracks.count ? tracks[Int(device)] : nil) ?? Track(soc: reading.value, asOfMs: reading.timeMs, readingMs: reading.timeMs, powerW: 0)
        if reading.timeMs > t.readingMs {
            let power = t.powerW
            t = Track(soc: reading.value, asOfMs: reading.timeMs, readingMs: reading.timeMs, powerW: power)
        }
        guard now > t.asOfMs, r.capacityWh.isFinite, r.capacityWh > 0 else { return t }
        let hours = Double(now - t.asOfMs) / 3_600_000
        let eta = r.roundTripEfficiency.isFinite && r.roundTripEfficiency > 0 ? r.roundTripEfficiency.squareRoot() : 1
        let energyWh = t.powerW > 0 ? -t.powerW * hours / eta : -t.powerW * hours * eta
        // A battery stops at its limits; one already beyond them stays there.
        let lo = min(r.socMin.isFinite ? r.socMin : 0, t.soc), hi = max(r.socMax.isFinite ? r.socMax : 1, t.soc)
        t.soc = min(hi, max(lo, t.soc + energyWh / r.capacityWh))
        t.asOfMs = now
        store(t, device)
        return t
    }
}
