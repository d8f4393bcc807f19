import Glibc
import MantaABI
import MantaSDK
import Testing

/// Each ABI type to C and back, as the other side of the ABI would see it.
@Suite struct Marshalling {
    @Test func pricesCrossAsAnArrayAndComeBackTheSame() {
        let prices = [
            Price(intervalEndMs: 1_657_980_300_000, region: "VIC1", rrp: 87.5, demandMW: 5210),
            Price(intervalEndMs: 1_657_980_600_000, region: "NSW1", rrp: -12, status: .forecast),
        ]
        let back = Price.withC(prices) { base, count, stride in Price.read(base, count: count, stride: stride) }
        #expect(back?.count == 2)
        #expect(back?[0] == prices[0])
        #expect(back?[1].status == .forecast && back?[1].region == "NSW1" && back?[1].demandMW.isNaN == true)
        #expect(back?[0].firm == true && back?[1].firm == false)
    }

    @Test func pricesFromANewerFillerAreReadByTheirStrideAndOlderOnesRefused() {
        let own = MemoryLayout<manta_price_t>.size, stride = own + 16
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 2 * stride, alignment: 8)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0xAB, count: 2 * stride)
        let region = "SA1"
        let read: [Price]? = region.withManta { r in
            for i in 0..<2 {
                // A filler of a later minor: a larger struct_size, fields appended.
                var p = manta_price_t()
                p.struct_size = UInt32(stride)
                p.status = MANTA_PRICE_FIRM
                p.interval_end_ms = Int64(i + 1) * 300_000
                p.region = r
                p.rrp = 100 + Double(i)
                p.demand_mw = 1
                (raw + i * stride).storeBytes(of: p, as: manta_price_t.self)
            }
            return Price.read(raw.assumingMemoryBound(to: manta_price_t.self), count: 2, stride: UInt32(stride))
        }
        #expect(read?.map(\.rrp) == [100, 101])
        #expect(read?.map(\.intervalEndMs) == [300_000, 600_000])
        #expect(read?.allSatisfy { $0.region == "SA1" } == true)
        // A stride below ABI 1.0's size is malformed, not guessed at.
        #expect(Price.read(raw.assumingMemoryBound(to: manta_price_t.self), count: 2, stride: UInt32(own - 8)) == nil)
        // So is a struct_size below it.
        raw.storeBytes(of: UInt32(8), as: UInt32.self)
        #expect(Price.read(raw.assumingMemoryBound(to: manta_price_t.self), count: 2, stride: UInt32(stride)) == nil)
    }

    @Test func fcasPricesCrossByTheirBitsAndAnOlderFillerHasNone() {
        var fcas = [Double](repeating: .nan, count: Price.fcasCount)
        fcas[Int(MANTA_FCAS_RAISE6SEC)] = 1.25
        fcas[Int(MANTA_FCAS_LOWERREG)] = 0
        let p = Price(intervalEndMs: 300_000, region: "SA1", rrp: 50, fcas: fcas)
        #expect(p.fcasPriced == (1 << MANTA_FCAS_RAISE6SEC) | (1 << MANTA_FCAS_LOWERREG))
        let back = Price.withC([p]) { base, count, stride in Price.read(base, count: count, stride: stride) }
        #expect(back?.first == p)
        #expect(back?.first?.fcas[Int(MANTA_FCAS_LOWERREG)] == 0)  // a price of zero is a price
        // A 1.1 filler's struct ends before fcas_priced: whatever follows it is not read as FCAS.
        let size10 = ABIGrowth.Size10.price
        #expect(size10 == 48)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<manta_price_t>.size, alignment: 8)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0xFF, count: MemoryLayout<manta_price_t>.size)
        let old: [Price]? = "SA1".withManta { r in
            var c = manta_price_t()
            c.struct_size = UInt32(size10)
            c.status = MANTA_PRICE_FIRM
            c.region = r
            c.rrp = 10
            withUnsafeBytes(of: c) { raw.copyMemory(from: $0.baseAddress!, byteCount: size10) }
            return Price.read(raw.assumingMemoryBound(to: manta_price_t.self), count: 1, stride: UInt32(size10))
        }
        #expect(old?.first?.rrp == 10 && old?.first?.fcas == [])
    }

    @Test func setpointsCrossAndAnUnknownModeIsNamed() throws {
        let s = Setpoint(device: 7, mode: .exportLimit, commandID: 42, value: 3000, validFromMs: 10, validUntilMs: 20)
        #expect(s.c.struct_size == UInt32(MemoryLayout<manta_setpoint_t>.size))
        #expect(s.c.mode == MANTA_SETPOINT_EXPORT_LIMIT)
        #expect(try Setpoint.read(s.c).get() == s)
        var odd = s.c
        odd.mode = 9
        #expect(throws: UnknownCode(what: "setpoint mode", code: 9)) { try Setpoint.read(odd).get() }
        #expect(UnknownCode(what: "setpoint mode", code: 9).description == "unknown setpoint mode 9")
    }

    @Test func responseSetpointsCarryTheirDroopAndAnOlderWritersReadsAsTheDevicesOwn() throws {
        let s = Setpoint(device: 2, mode: .raiseResponse, commandID: 8, value: 4000, validFromMs: 10, validUntilMs: 20,
                         fullResponseHz: 0.5)
        #expect(s.c.mode == MANTA_SETPOINT_RAISE_RESPONSE && s.c.full_response_hz == 0.5)
        #expect(try Setpoint.read(s.c).get() == s)
        #expect(SetpointMode(name: "lower_response") == .lowerResponse)
        // A 1.2 host's setpoint ends before full_response_hz: whatever lies there is not read.
        var old = s.c
        old.struct_size = UInt32(ABIGrowth.Size10.setpoint)
        #expect(ABIGrowth.Size10.setpoint == 48)
        #expect(try Setpoint.read(old).get().fullResponseHz.isNaN)
        // 0 means "the device's own setting" too.
        var zero = s.c
        zero.full_response_hz = 0
        #expect(try Setpoint.read(zero).get().fullResponseHz.isNaN)
    }

    @Test func outcomesCrossWithTheirMessageCutAtACharacter() {
        let o = SetpointOutcome(.clamped, applied: 4800, "limited to the inverter rating", commandID: 5)
        #expect(SetpointOutcome(o.c, commandID: 5) == o)
        // 300 two-byte characters do not fit MANTA_MESSAGE_SIZE: cut whole.
        let long = String(repeating: "é", count: 300)
        let cut = SetpointOutcome(SetpointOutcome(.failed, applied: .nan, long).c, commandID: 0).message
        #expect(cut.utf8.count <= Int(MANTA_MESSAGE_SIZE) - 1 && cut.utf8.count >= Int(MANTA_MESSAGE_SIZE) - 3)
        #expect(cut.allSatisfy { $0 == "é" })
        var unknown = o.c
        unknown.outcome = 77
        #expect(SetpointOutcome(unknown, commandID: 5).outcome == .failed)
    }

    @Test func devicesCrossWithRatingsAndFlagsAndAnUnknownKindIsRefused() throws {
        var d = DeviceInfo(kind: .battery, key: "home-1.battery", site: "home-1")
        d.manufacturer = "Manta"
        d.model = "SimBattery"
        d.serial = "S1"
        d.ratings = DeviceRatings(ratedPowerW: 5000, maxChargeW: 5000, maxDischargeW: 4000, capacityWh: 13_500,
                                  socMin: 0.1, socMax: 0.95, roundTripEfficiency: 0.9)
        d.controllable = true
        var lent: [UnsafeMutablePointer<CChar>] = []
        defer { lent.forEach { free($0) } }
        let c = d.c { s in
            let p = strdup(s)!
            lent.append(p)
            return manta_str_t(ptr: p, len: UInt64(s.utf8.count))
        }
        #expect(c.kind == MANTA_DEVICE_BATTERY && c.flags == MANTA_DEVICE_F_CONTROLLABLE)
        #expect(try DeviceInfo.read(c).get() == d)
        var readOnly = d
        readOnly.controllable = false
        readOnly.readOnly = true
        #expect(readOnly.flags == MANTA_DEVICE_F_READ_ONLY)
        var responsive = d
        responsive.respondsToFrequency = true
        #expect(responsive.flags == MANTA_DEVICE_F_CONTROLLABLE | MANTA_DEVICE_F_FREQUENCY_RESPONSE)
        var flagged = c
        flagged.flags = responsive.flags
        #expect(try DeviceInfo.read(flagged).get() == responsive)
        var odd = c
        odd.kind = 42
        #expect(throws: UnknownDeviceKind(code: 42, key: "home-1.battery")) { try DeviceInfo.read(odd).get() }
    }

    @Test func bidsAndTheirOutcomesCross() {
        let bid = Bid(bidID: 9, region: "QLD1", intervalEndMs: 600_000, quantityMW: -1.5, price: 40)
        #expect(bid.service == MANTA_SERVICE_ENERGY)
        #expect(bid.withC { Bid($0.pointee) } == bid)
        let outcome = BidOutcome(.notCleared, clearingPrice: 55, "price 55 did not reach the limit 40")
        #expect(BidOutcome(outcome.c) == outcome)
        var unknown = outcome.c
        unknown.status = 0
        #expect(BidOutcome(unknown).status == .rejected)
    }

    @Test func anObservationLaidOutForDecideReadsBackTheSame() {
        let assets = (1...3).map { i in
            AssetState(id: "v/battery-\(i)", kind: i == 3 ? .hybridInverter : .battery, soc: 0.2 * Double(i),
                       capacityWh: 13_500, maxChargeW: 5000, maxDischargeW: 4000 + Double(i), socMin: 0.1, socMax: 1,
                       powerW: -250 * Double(i), roundTripEfficiency: 0.9)
        }
        let history = [60.0, 75, 90, 120, 300]
        let obs = Observation(nowMs: 1000, intervalEndMs: 300_000, intervalMs: 300_000, deadlineMs: 2000, vpp: "v",
                              region: "VIC1", price: 95, priceHistory: history[1...], assets: assets)
        let layout = ObservationLayout()
        var targets = [Double](repeating: 0, count: 3)
        for soc in [0.5, 0.6] {  // laid out again with a new state of charge: the kept arrays are refreshed
            var o = obs
            o.assets[0].soc = soc
            let (back, count) = layout.withC(o, targets: &targets) { c, decision in
                decision.pointee.target_w[1] = 1234
                return (Observation(UnsafePointer(c)), decision.pointee.count)
            }
            #expect(back == o)
            #expect(count == 3)
        }
        #expect(targets == [0, 1234, 0])
    }

    @Test func anAssetsSiteReachesTheStrategyAndAnOlderHostsReadsAsNone() throws {
        var a = AssetState(id: "v/battery-1", kind: .battery, soc: 0.5, capacityWh: 13_500, maxChargeW: 5000, maxDischargeW: 5000,
                           socMin: 0, socMax: 1, powerW: 200, roundTripEfficiency: 0.9)
        var b = a
        b.id = "v/battery-2"
        a.site = SiteState(id: "home-001", loadW: 850, pvW: 3100, gridW: 2450, exportLimitW: 1500, importCapW: nil)
        let obs = Observation(nowMs: 0, intervalEndMs: 300_000, intervalMs: 300_000, deadlineMs: 1, vpp: "v", region: "SA1",
                              price: 50, priceHistory: [], assets: [a, b])
        var targets = [0.0, 0.0]
        let seen = ObservationLayout().withC(obs, targets: &targets) { c, _ -> (Observation?, Double, Double) in
            let raw = c.pointee.assets!
            return (Observation(UnsafePointer(c)), raw[0].import_cap_w, raw[1].site_load_w)
        }
        #expect(seen.0?.assets[0].site == a.site && seen.0?.assets[1].site == nil)
        #expect(seen.1 == .infinity && seen.2.isNaN)  // in C: no cap is +inf, not known is NaN
        // A 1.4 host's asset is 88 bytes: the site is not there, whatever its memory holds after them.
        var old = manta_asset_state_t()
        old.struct_size = UInt32(ABIGrowth.Size10.assetState)
        old.site_load_w = 999
        let read = "home-001".withCString { p in
            old.site = manta_str_t(ptr: p, len: 8)
            return AssetState(old).site
        }
        #expect(ABIGrowth.Size10.assetState == 88 && read == nil)
    }

    @Test func fcasPricesReachTheStrategyAndItsEnablementComesBack() {
        let assets = (1...2).map { i in
            AssetState(id: "v/battery-\(i)", kind: .battery, soc: 0.5, capacityWh: 13_500, maxChargeW: 5000, maxDischargeW: 5000,
                       socMin: 0, socMax: 1, powerW: 0, roundTripEfficiency: 0.9)
        }
        var obs = Observation(nowMs: 0, intervalEndMs: 300_000, intervalMs: 300_000, deadlineMs: 1, vpp: "v", region: "SA1",
                              price: 50, priceHistory: [], assets: assets)
        obs.fcas = [Double](repeating: .nan, count: Price.fcasCount)
        obs.fcas[Int(MANTA_FCAS_RAISE6SEC)] = 2.5
        obs.fcas[Int(MANTA_FCAS_LOWERREG)] = 0
        var targets = [Double](repeating: 0, count: 2), fcas = [Double](repeating: 0, count: 2 * Price.fcasCount)
        let (seen, priced, bufferGiven) = ObservationLayout().withC(obs, targets: &targets, fcasMW: &fcas) { c, decision in
            decision.pointee.fcas_mw[1 * Int(MANTA_FCAS_COUNT) + Int(MANTA_FCAS_RAISE6SEC)] = 0.004
            return (Observation(UnsafePointer(c))?.fcas, c.pointee.fcas_priced, decision.pointee.fcas_mw != nil)
        }
        #expect(priced == (1 << MANTA_FCAS_RAISE6SEC) | (1 << MANTA_FCAS_LOWERREG) && bufferGiven)
        #expect(seen?[Int(MANTA_FCAS_RAISE6SEC)] == 2.5 && seen?[Int(MANTA_FCAS_LOWERREG)] == 0 && seen?[0].isNaN == true)
        #expect(fcas[Int(MANTA_FCAS_COUNT) + Int(MANTA_FCAS_RAISE6SEC)] == 0.004 && fcas.filter { $0 != 0 }.count == 1)
        // Without FCAS the decision's buffer is NULL and the observation says no service is priced.
        obs.fcas = []
        let (none, noBuffer) = ObservationLayout().withC(obs, targets: &targets) { c, d in (c.pointee.fcas_priced, d.pointee.fcas_mw == nil) }
        #expect(none == 0 && noBuffer)
    }
}
