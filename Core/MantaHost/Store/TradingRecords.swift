/// The trading desk's rows (TradingSchema), handed from the loop to the
/// store writer with the rest of a batch.

/// One VPP's interval, settled (one revision of it).
public struct SettlementRow: Sendable, Equatable {
    var vpp: String
    var intervalEndMs: Int64
    var revision: Int
    var region: String
    var strategy: String
    var rrp: Double
    var firm: Bool
    var members: Int
    var metered: Int
    var coverage: Double
    var energyWh: Double
    var dischargedWh: Double
    /// Enabled MW by service (FCASService order; empty: none).
    var fcasMW: [Double]
    var energyAUD: Double
    /// By service (FCASService order; empty: none).
    var fcasAUD: [Double]
    var costAUD: Double
    var networkAUD = 0.0
    var demandAUD = 0.0
    var reason: String
    var settledMs: Int64

    var fcasTotalAUD: Double { fcasAUD.reduce(0, +) }
    var totalAUD: Double { energyAUD + fcasTotalAUD - costAUD - networkAUD - demandAUD }
}

/// One member's part of a VPP's settled interval.
public struct DeviceSettlementRow: Sendable, Equatable {
    var vpp: String
    var intervalEndMs: Int64
    var device: UInt32
    var site: String
    var energyWh: Double
    var dischargedWh: Double
    var energyAUD: Double
    var costAUD: Double
    var networkAUD: Double
    var demandAUD: Double
    var revision: Int
}

/// A bid as lodged, and written again at each change of its status.
public struct BidRow: Sendable, Equatable {
    var id: Int64
    var vpp: String
    var market: String
    var side: String
    var day: String
    var bands: [Double]
    var source: String
    var principal: String
    var reason: String
    var rebidOf: Int64?
    var submittedMs: Int64
    var status: String
}

/// One interval of a bid, written again at each change of its status.
public struct BidIntervalRow: Sendable, Equatable {
    var bid: Int64
    var intervalEndMs: Int64
    var mw: [Double]
    var status: String
    var price: Double?
    var clearedMW: Double?
    var dispatchedMW: Double?
    var revenueAUD: Double?
    var message: String
    /// When it reached each status (host clock).
    var submittedMs: Int64
    var clearedMs: Int64?
    var dispatchedMs: Int64?
    var settledMs: Int64?
    var cancelledMs: Int64?
}

/// The trading rows of one store batch.
public struct TradingRows: Sendable {
    var settlements: [SettlementRow] = []
    var devices: [DeviceSettlementRow] = []
    var bids: [BidRow] = []
    var bidIntervals: [BidIntervalRow] = []

    var isEmpty: Bool { settlements.isEmpty && devices.isEmpty && bids.isEmpty && bidIntervals.isEmpty }
    var count: Int { settlements.count + devices.count + bids.count + bidIntervals.count }
}
