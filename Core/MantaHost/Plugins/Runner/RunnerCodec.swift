import MantaABI
import MantaSDK

// The ABI's values on the runner wire, one writer and one reader each.

extension FrameWriter {
    /// The host clock, at the head of every host -> runner call.
    mutating func clock(_ c: HostClock) {
        switch c.mode {
        case .realtime:
            u8(0)
            i64(0)
            f64(1)
        case let .replay(start, speed):
            u8(1)
            i64(start)
            f64(speed)
        }
        i64(c.runningSinceMs)
    }

    mutating func observation(_ o: Observation) {
        i64(o.nowMs)
        i64(o.intervalEndMs)
        i64(o.intervalMs)
        i64(o.deadlineMs)
        str(o.vpp)
        str(o.region)
        f64(o.price)
        u32(UInt32(o.priceHistory.count))
        for p in o.priceHistory { f64(p) }
        u32(UInt32(o.assets.count))
        for a in o.assets {
            str(a.id)
            i32(a.kind.rawValue)
            for v in [a.soc, a.capacityWh, a.maxChargeW, a.maxDischargeW, a.socMin, a.socMax, a.powerW, a.roundTripEfficiency] {
                f64(v)
            }
            // The site (ABI 1.5): its id ("" for none), then NaN for what is not known.
            let site = a.site
            str(site?.id ?? "")
            for v in [site?.loadW, site?.pvW, site?.gridW, site?.exportLimitW, site?.importCapW] { f64(v ?? .nan) }
        }
        fcas(o.fcas)
    }

    /// FCAS prices as a bit per priced service, then those values.
    mutating func fcas(_ values: [Double]) {
        var priced: UInt32 = 0
        for (i, v) in values.prefix(Price.fcasCount).enumerated() where !v.isNaN { priced |= 1 << UInt32(i) }
        u32(priced)
        for (i, v) in values.enumerated() where priced & (1 << UInt32(i)) != 0 { f64(v) }
    }

    mutating func device(_ d: Result<DeviceInfo, UnknownDeviceKind>) {
        switch d {
        case .failure(let e):
            u8(0)
            i32(e.code)
            str(e.key)
        case .success(let d):
            u8(1)
            i32(d.kind.rawValue)
            str(d.key)
            str(d.site)
            str(d.manufacturer)
            str(d.model)
            str(d.serial)
            let r = d.ratings
            for v in [r.ratedPowerW, r.maxChargeW, r.maxDischargeW, r.capacityWh, r.socMin, r.socMax, r.roundTripEfficiency] {
                f64(v)
            }
            bool(d.controllable)
            bool(d.readOnly)
            bool(d.respondsToFrequency)
        }
    }

    mutating func setpoint(_ s: Setpoint) {
        u32(UInt32(s.device))
        i32(s.mode.rawValue)
        u64(s.commandID)
        f64(s.value)
        i64(s.validFromMs)
        i64(s.validUntilMs)
        f64(s.fullResponseHz)
    }

    mutating func outcome(_ o: SetpointOutcome) {
        u64(o.commandID)
        i32(o.outcome.rawValue)
        f64(o.appliedValue)
        str(o.message)
    }

    mutating func price(_ p: Price) {
        i64(p.intervalEndMs)
        str(p.region)
        f64(p.rrp)
        f64(p.demandMW)
        i32(p.status.rawValue)
        fcas(p.fcas)
    }

    mutating func bid(_ b: Bid) {
        u64(b.bidID)
        i32(b.service)
        str(b.region)
        i64(b.intervalEndMs)
        f64(b.quantityMW)
        f64(b.price)
    }

    mutating func bidOutcome(_ o: BidOutcome) {
        i32(o.status.rawValue)
        f64(o.clearedMW)
        f64(o.clearingPrice)
        str(o.message)
    }

    mutating func sample(_ s: manta_sample_t) {
        u32(s.device)
        u32(s.point)
        i64(s.time_ms)
        f64(s.value)
        i32(s.quality)
        u32(0)
    }

    /// A batch of samples: a count, then each as `sample` writes it. The
    /// fields are manta_sample_t's, in its order and widths, so on a
    /// little-endian machine the batch is the struct array's bytes.
    mutating func samples(_ s: UnsafeBufferPointer<manta_sample_t>) {
        u32(UInt32(s.count))
        #if _endian(little)
        if MemoryLayout<manta_sample_t>.stride == sampleWireBytes {
            var zeroed = Array(s)
            for i in zeroed.indices { zeroed[i].reserved = 0 }
            zeroed.withUnsafeBytes { appendRaw($0) }
            return
        }
        #endif
        for x in s { sample(x) }
    }

    /// A plugin call's answer: true and the value, or false and the
    /// plugin's message. `FrameReader.result` reads it.
    mutating func result<T>(_ r: Result<T, PluginCallError>, _ value: (inout FrameWriter, T) -> Void) {
        switch r {
        case .failure(let e):
            bool(false)
            str(e.message)
        case .success(let v):
            bool(true)
            value(&self, v)
        }
    }
}

/// One sample on the wire: u32 device, u32 point, i64 time, f64 value,
/// i32 quality, u32 reserved (0).
let sampleWireBytes = 32

extension FrameReader {
    /// What `FrameWriter.result` wrote; a failure without a readable
    /// message is "`what` failed".
    mutating func result<T>(what: String, _ value: (inout FrameReader) throws(ProtocolViolation) -> T)
        throws(ProtocolViolation) -> Result<T, PluginCallError> {
        guard try bool() else { return .failure(PluginCallError((try? str()) ?? "\(what) failed")) }
        return .success(try value(&self))
    }

    /// (mode: 0 realtime / 1 replay, start, speed, running since).
    mutating func clock() throws(ProtocolViolation) -> (replay: Bool, startMs: Int64, speed: Double, sinceMs: Int64) {
        (try u8() == 1, try i64(), try f64(), try i64())
    }

    mutating func observation() throws(ProtocolViolation) -> Observation {
        let now = try i64(), end = try i64(), interval = try i64(), deadline = try i64()
        let vpp = try str(), region = try str(), price = try f64()
        var history: [Double] = []
        for _ in 0..<(try count(minBytes: 8)) { history.append(try f64()) }
        var assets: [AssetState] = []
        for _ in 0..<(try count(minBytes: 116)) {
            let id = try str(), kind = DeviceKind(rawValue: try i32()) ?? .battery
            var v: [Double] = []
            for _ in 0..<8 { v.append(try f64()) }
            var a = AssetState(id: id, kind: kind, soc: v[0], capacityWh: v[1], maxChargeW: v[2], maxDischargeW: v[3],
                               socMin: v[4], socMax: v[5], powerW: v[6], roundTripEfficiency: v[7])
            let site = try str()
            var w: [Double?] = []
            for _ in 0..<5 { let x = try f64(); w.append(x.isNaN ? nil : x) }
            if !site.isEmpty { a.site = SiteState(id: site, loadW: w[0], pvW: w[1], gridW: w[2], exportLimitW: w[3], importCapW: w[4]) }
            assets.append(a)
        }
        var o = Observation(nowMs: now, intervalEndMs: end, intervalMs: interval, deadlineMs: deadline, vpp: vpp,
                            region: region, price: price, priceHistory: history[...], assets: assets)
        o.fcas = try fcas()
        return o
    }

    /// What fcas(_:) wrote: empty when no service was priced.
    mutating func fcas() throws(ProtocolViolation) -> [Double] {
        let priced = try u32()
        guard priced >> UInt32(Price.fcasCount) == 0 else { throw ProtocolViolation("FCAS bits \(priced)") }
        guard priced != 0 else { return [] }
        var values = [Double](repeating: .nan, count: Price.fcasCount)
        for i in 0..<Price.fcasCount where priced & (1 << UInt32(i)) != 0 { values[i] = try f64() }
        return values
    }

    mutating func device() throws(ProtocolViolation) -> Result<DeviceInfo, UnknownDeviceKind> {
        guard try bool() else { return .failure(UnknownDeviceKind(code: try i32(), key: try str())) }
        let code = try i32()
        guard let kind = DeviceKind(rawValue: code) else { throw ProtocolViolation("device kind \(code)") }
        var d = DeviceInfo(kind: kind, key: try str(), site: try str())
        d.manufacturer = try str()
        d.model = try str()
        d.serial = try str()
        var v: [Double] = []
        for _ in 0..<7 { v.append(try f64()) }
        d.ratings = DeviceRatings(ratedPowerW: v[0], maxChargeW: v[1], maxDischargeW: v[2], capacityWh: v[3],
                                  socMin: v[4], socMax: v[5], roundTripEfficiency: v[6])
        d.controllable = try bool()
        d.readOnly = try bool()
        d.respondsToFrequency = try bool()
        return .success(d)
    }

    mutating func setpoint() throws(ProtocolViolation) -> Setpoint {
        let device = Int(try u32()), code = try i32()
        guard let mode = SetpointMode(rawValue: code) else { throw ProtocolViolation("setpoint mode \(code)") }
        return Setpoint(device: device, mode: mode, commandID: try u64(), value: try f64(), validFromMs: try i64(),
                        validUntilMs: try i64(), fullResponseHz: try f64())
    }

    mutating func outcome() throws(ProtocolViolation) -> SetpointOutcome {
        let id = try u64(), code = try i32()
        return SetpointOutcome(.init(code: code), applied: try f64(), try str(), commandID: id)
    }

    mutating func price() throws(ProtocolViolation) -> Price {
        var p = Price(intervalEndMs: try i64(), region: try str(), rrp: try f64(), demandMW: try f64(), status: PriceStatus(code: try i32()))
        p.fcas = try fcas()
        return p
    }

    mutating func bid() throws(ProtocolViolation) -> Bid {
        Bid(bidID: try u64(), service: try i32(), region: try str(), intervalEndMs: try i64(), quantityMW: try f64(),
            price: try f64())
    }

    mutating func bidOutcome() throws(ProtocolViolation) -> BidOutcome {
        BidOutcome(BidStatus(code: try i32()), clearedMW: try f64(), clearingPrice: try f64(), try str())
    }

    mutating func sample() throws(ProtocolViolation) -> manta_sample_t {
        let s = manta_sample_t(device: try u32(), point: try u32(), time_ms: try i64(), value: try f64(), quality: try i32(),
                               reserved: 0)
        _ = try u32()
        return s
    }

    /// A batch as `FrameWriter.samples` writes it.
    mutating func samples() throws(ProtocolViolation) -> [manta_sample_t] {
        let n = try count(minBytes: sampleWireBytes)
        #if _endian(little)
        if MemoryLayout<manta_sample_t>.stride == sampleWireBytes {
            return try raw(n * sampleWireBytes) { bytes in
                [manta_sample_t](unsafeUninitializedCapacity: n) { buf, done in
                    UnsafeMutableRawBufferPointer(buf).copyMemory(from: bytes)
                    for i in 0..<n { buf[i].reserved = 0 }
                    done = n
                }
            }
        }
        #endif
        var out: [manta_sample_t] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try sample()) }
        return out
    }
}
