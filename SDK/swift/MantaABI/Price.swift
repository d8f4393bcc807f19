import Glibc
import MantaSDK

/// Whether a price is settled (MANTA_PRICE_*).
public enum PriceStatus: Int32, Sendable, CaseIterable {
    /// Settled or dispatch price.
    case firm = 1
    /// Pre-dispatch or model forecast.
    case forecast = 2

    /// A connector's code; one this side does not know reads as firm, as a
    /// price without a status always has.
    public init(code: Int32) { self = code == PriceStatus.forecast.rawValue ? .forecast : .firm }

    public var name: String { self == .firm ? "firm" : "forecast" }
}

/// One interval's price (manta_price_t), as connectors publish it and the
/// host files it.
public struct Price: Sendable, Equatable {
    /// END of the interval, UTC ms.
    public var intervalEndMs: Int64
    public var region: String
    /// Regional reference price, AUD/MWh.
    public var rrp: Double
    /// Regional demand, NaN when unknown.
    public var demandMW: Double
    public var status: PriceStatus
    /// FCAS prices, AUD/MW/h of enablement, indexed by MANTA_FCAS_* (ABI
    /// 1.2): either empty (no FCAS) or `Price.fcasCount` long with NaN for
    /// a service not priced.
    public var fcas: [Double]

    /// MANTA_FCAS_COUNT.
    public static let fcasCount = Int(MANTA_FCAS_COUNT)

    public init(intervalEndMs: Int64, region: String, rrp: Double, demandMW: Double = .nan, status: PriceStatus = .firm,
                fcas: [Double] = []) {
        self.intervalEndMs = intervalEndMs
        self.region = region
        self.rrp = rrp
        self.demandMW = demandMW
        self.status = status
        self.fcas = fcas
    }

    /// Equal when every field is, an FCAS price of NaN matching NaN.
    public static func == (a: Price, b: Price) -> Bool {
        a.intervalEndMs == b.intervalEndMs && a.region == b.region && a.rrp == b.rrp
            && (a.demandMW == b.demandMW || a.demandMW.isNaN && b.demandMW.isNaN) && a.status == b.status
            && a.fcas.count == b.fcas.count && zip(a.fcas, b.fcas).allSatisfy { $0 == $1 || $0.isNaN && $1.isNaN }
    }

    /// The bit set of the services priced in `fcas` (fcas_priced).
    public var fcasPriced: UInt32 {
        var bits: UInt32 = 0
        for (i, v) in fcas.prefix(Price.fcasCount).enumerated() where !v.isNaN { bits |= 1 << UInt32(i) }
        return bits
    }

    public var firm: Bool { status == .firm }

    /// Reads one price someone else filled (the region copied); FCAS only
    /// when its struct_size reaches the 1.2 fields and a bit says so.
    public init(_ c: manta_price_t) {
        let fcas = ABIGrowth.hasField(c.struct_size, \manta_price_t.fcas) ? FCASSlots.read(c.fcas_priced, c.fcas) : []
        self.init(intervalEndMs: c.interval_end_ms, region: String(manta: c.region), rrp: c.rrp, demandMW: c.demand_mw,
                  status: PriceStatus(code: c.status), fcas: fcas)
    }

    /// Copies `count` prices stepping by `stride` bytes, each read as rule 3
    /// says (at least its 1.0 size, no further than its struct_size). nil
    /// when the stride or a struct_size is below ABI 1.0's.
    public static func read(_ base: UnsafePointer<manta_price_t>?, count: UInt32, stride: UInt32) -> [Price]? {
        guard count > 0 else { return [] }
        guard let base, Int(stride) >= ABIGrowth.Size10.price else { return nil }
        let raw = UnsafeRawPointer(base)
        var out: [Price] = []
        out.reserveCapacity(Int(count))
        for i in 0..<Int(count) {
            guard let p = ABIGrowth.read(raw + i * Int(stride), as: manta_price_t.self, minimum: ABIGrowth.Size10.price)
            else { return nil }
            out.append(Price(p))
        }
        return out
    }

    /// Lends `prices` as a C array (base, count, stride) for the duration of `body`.
    public static func withC<R>(_ prices: [Price], _ body: (UnsafePointer<manta_price_t>?, UInt32, UInt32) -> R) -> R {
        // Regions repeat: keep one C copy of each for the call.
        var regions: [String: UnsafeMutablePointer<CChar>] = [:]
        defer { regions.values.forEach { free($0) } }
        let c = prices.map { p -> manta_price_t in
            let s = regions[p.region] ?? strdup(p.region)!
            regions[p.region] = s
            var c = manta_price_t()
            c.struct_size = ABIGrowth.size(of: manta_price_t.self)
            c.status = p.status.rawValue
            c.interval_end_ms = p.intervalEndMs
            c.region = manta_str_t(ptr: s, len: UInt64(p.region.utf8.count))
            c.rrp = p.rrp
            c.demand_mw = p.demandMW
            c.fcas_priced = FCASSlots.write(p.fcas, into: &c.fcas)
            return c
        }
        return c.withUnsafeBufferPointer {
            body($0.baseAddress, UInt32($0.count), UInt32(MemoryLayout<manta_price_t>.stride))
        }
    }
}
