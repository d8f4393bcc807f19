import MantaABI
import MantaMarket

/// How many MW each asset enables of each FCAS service for one interval.
public struct FCASEnablement: Sendable, Equatable {
    /// Flat: asset * 10 + FCASService.rawValue.
    private var mw: [Double]
    public let assets: Int

    public init(assets: Int) {
        self.assets = assets
        mw = [Double](repeating: 0, count: assets * FCASService.allCases.count)
    }

    public subscript(asset: Int, service: FCASService) -> Double {
        get { mw[asset * 10 + service.rawValue] }
        set { mw[asset * 10 + service.rawValue] = newValue }
    }

    /// Sets every enablement back to 0.
    public mutating func clear() {
        for k in mw.indices { mw[k] = 0 }
    }
}

/// A strategy that also offers FCAS: after `decide` has chosen the
/// interval's power targets, it names what each asset enables of each
/// service. What it asks is held to the battery's joint capacity and
/// sustain limits (FCASLimits) before it earns anything, exactly as the
/// co-optimised bound holds its own enablement.
///
/// Called on the same thread as `decide`, right after it, for the same
/// interval; `prices` are the interval's FCAS prices (AUD/MW/h, NaN for a
/// service not offered in it), published like the energy price as the
/// interval starts. `enablement` arrives all 0.
public protocol FCASTrading: Strategy {
    func enable(_ observation: Observation, prices: FCASPrices, targets: [Double],
                enablement: inout FCASEnablement) throws -> String?
}
