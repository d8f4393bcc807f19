/// The newest sample of every (device, point): what the fleet looks like now.
///
/// Written on every accepted sample, so it is built for that: one hash
/// lookup and an in-place store per update, no allocation once a pair has
/// been seen. A sample older than the one held is ignored, so that a late
/// retransmission cannot roll the state back.
public struct LatestValues: Sendable {
    public struct Entry: Sendable, Equatable {
        public var device: UInt32
        public var point: UInt32
        public var timeMs: Int64
        public var value: Double
        public var quality: Quality
    }

    private var slots: [UInt64: Int32] = [:]
    private var entries: ContiguousArray<Entry> = []
    private var perDevice: [UInt32: [Int32]] = [:]

    public init() {}

    /// Number of (device, point) pairs held.
    public var count: Int { entries.count }

    @inline(__always)
    private static func key(_ device: UInt32, _ point: UInt32) -> UInt64 {
        UInt64(device) << 32 | UInt64(point)
    }

    /// Stores `sample` if it is at least as new as what is held. Returns
    /// whether it was stored.
    @discardableResult
    public mutating func update(_ sample: Sample) -> Bool {
        let k = LatestValues.key(sample.device, sample.point)
        if let slot = slots[k] {
            let i = Int(slot)
            guard sample.timeMs >= entries[i].timeMs else { return false }
            entries[i].timeMs = sample.timeMs
            entries[i].value = sample.value
            entries[i].quality = sample.quality
            return true
        }
        let slot = Int32(entries.count)
        entries.append(Entry(device: sample.device, point: sample.point, timeMs: sample.timeMs,
                             value: sample.value, quality: sample.quality))
        slots[k] = slot
        perDevice[sample.device, default: []].append(slot)
        return true
    }

    public func latest(device: UInt32, point: UInt32) -> Entry? {
        slots[LatestValues.key(device, point)].map { entries[Int($0)] }
    }

    /// Every point held for `device`, in the order first seen.
    public func entries(device: UInt32) -> [Entry] {
        (perDevice[device] ?? []).map { entries[Int($0)] }
    }

    /// When `device` last sent anything (its newest sample of any point).
    public func lastSampleMs(device: UInt32) -> Int64? {
        guard let slots = perDevice[device] else { return nil }
        var newest = Int64.min
        for s in slots { newest = max(newest, entries[Int(s)].timeMs) }
        return newest
    }

    /// A usable value: the latest sample of the pair if it is good or
    /// estimated and no older than `maxAgeMs` at `nowMs`; nil otherwise.
    public func fresh(device: UInt32, point: UInt32, nowMs: Int64, maxAgeMs: Int64) -> Double? {
        guard let e = latest(device: device, point: point), e.quality <= .estimated,
              nowMs - e.timeMs <= maxAgeMs
        else { return nil }
        return e.value
    }
}
