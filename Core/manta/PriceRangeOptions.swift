import ArgumentParser
import MantaEngine
import MantaHost
import MantaMarket
import MantaMarketFiles

/// The prices a command runs on: AEMO files, the region and the time
/// range. `manta backtest` and `manta arena` take them with the rest of
/// MarketRunOptions, `manta forecast` on their own.
struct PriceRangeOptions: ParsableArguments {
    @Option(parsing: .upToNextOption, help: "AEMO price files or folders of them (PRICE_AND_DEMAND, DISPATCHPRICE, combined). Required.")
    var prices: [String] = []

    @Option(help: "Region to use when the files hold several (NSW1, QLD1, SA1, TAS1, VIC1).")
    var region: String?

    @Option(help: "First day (market time), e.g. 2022-01-01: intervals ending after it.")
    var from: String?

    @Option(help: "Last instant (market time), e.g. 2023-01-01: intervals ending at or before it.")
    var to: String?

    @Option(help: .hidden)  // mantad's replay horizon for an isolated backtest (no later interval is read)
    var horizon: String?

    /// A request over these prices, every one checked (the paths exist)
    /// before any price is read, then `batteries` asked for; `purpose`
    /// finishes the missing-prices error.
    func request(strategy: String, purpose: String, batteries: () throws -> [BacktestBattery] = { [] }) throws -> BacktestRequest {
        guard !prices.isEmpty else { throw ValidationError("--prices: give the AEMO price files or folders to \(purpose)") }
        do { _ = try PriceFileLoader.expand(prices) } catch { throw ValidationError("--prices: \(error.description)") }
        var request = BacktestRequest(prices: prices, strategy: strategy, batteries: try batteries())
        if let region {
            guard let r = Region(code: region) else { throw ValidationError("--region: \(region) is not a NEM region") }
            request.region = r
        }
        request.fromMs = try Self.time(from, "--from")
        request.toMs = try Self.time(to, "--to")
        request.horizonMs = try Self.time(horizon, "--horizon")
        return request
    }

    static func time(_ text: String?, _ option: String) throws -> Int64? {
        guard let text else { return nil }
        guard let ms = MarketTime.parse(text) else { throw ValidationError("\(option): '\(text)' is not a date such as 2022-01-01") }
        return ms
    }
}
