/// One interval's energy price in one region.
public struct PricePoint: Sendable, Equatable {
    /// END of the interval, UTC ms (AEMO convention).
    public var intervalEndMs: Int64
    public var region: Region
    /// Regional reference price, AUD/MWh.
    public var rrp: Double
    /// Regional demand, MW; NaN if not given.
    public var demandMW: Double
    /// True for a dispatch/settlement price, false for a forecast or a
    /// price AEMO has not yet made firm.
    public var firm: Bool
    /// FCAS prices, where the file carries them.
    public var fcas: FCASPrices

    public init(intervalEndMs: Int64, region: Region, rrp: Double, demandMW: Double = .nan, firm: Bool = true,
                fcas: FCASPrices = FCASPrices()) {
        self.intervalEndMs = intervalEndMs
        self.region = region
        self.rrp = rrp
        self.demandMW = demandMW
        self.firm = firm
        self.fcas = fcas
    }
}

/// A problem in a market data file, located to the line.
public struct MarketDataError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// 1-based line number; 0 when the problem is the file as a whole.
    public let line: Int
    public let message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// A run of missing intervals: reported, never filled in.
public struct PriceGap: Sendable, Equatable, CustomStringConvertible {
    /// End of the last interval present before the gap, and of the first after it.
    public var afterMs: Int64
    public var beforeMs: Int64
    public var file: String
    public var line: Int

    public init(afterMs: Int64, beforeMs: Int64, file: String, line: Int) {
        self.afterMs = afterMs
        self.beforeMs = beforeMs
        self.file = file
        self.line = line
    }

    public var missing: Int { Int((beforeMs - afterMs) / MarketTime.intervalMs) - 1 }

    public var description: String {
        "\(file):\(line): \(missing) interval(s) missing between \(MarketTime.format(afterMs)) and \(MarketTime.format(beforeMs))"
    }
}
