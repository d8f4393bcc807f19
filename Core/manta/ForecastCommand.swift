import ArgumentParser
import MantaEngine
import MantaHost
import MantaJSON
import MantaMarket
import MantaText

/// `manta forecast`: a forecaster scored walk-forward on real prices.
struct ForecastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Score a price forecaster walk-forward on AEMO prices: its error at each horizon.",
        discussion: """
            The forecaster runs through the prices interval by interval, shown only what a strategy \
            would be shown at each decision, and every forecast is scored against the price that \
            came: out of sample by construction. Reports mean absolute error, root mean square error \
            and bias (AUD/MWh) per horizon.

            Examples:
              manta forecast --prices ../shared/data/nem/price_and_demand/VIC1 --from 2023-01-01 --to 2024-01-01 \\
                  --forecaster regression
              manta forecast --prices ../shared/data/nem/dispatch_fcas/DISPATCHPRICE_202101.CSV --region NSW1 \\
                  --forecaster predispatch --predispatch ../shared/data/nem/predispatch/PUBLIC_DVD_PREDISPATCHPRICE_202101010000.zip
            """)

    @OptionGroup var range: PriceRangeOptions

    @Option(help: "persistence, seasonal, regression or predispatch (needs --predispatch).")
    var forecaster = "regression"

    @Option(help: "AEMO's PREDISPATCHPRICE (.zip or CSV) for --forecaster predispatch.")
    var predispatch: String?

    @Option(help: "Horizons to score, in 5-minute intervals ahead, comma-separated (1 to 576).")
    var horizons = "1,3,6,12,24,48,144,288"

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        var hs: [Int] = []
        for part in horizons.split(separator: ",") {
            guard let h = Int(String(part).trimmed), (1...576).contains(h) else {
                throw ValidationError("--horizons: '\(part)' is not a whole number of intervals in 1...576")
            }
            hs.append(h)
        }
        guard !hs.isEmpty else { throw ValidationError("--horizons: give at least one") }
        let request = try range.request(strategy: "forecast", purpose: "score on")
        let f: Forecaster
        switch forecaster {
        case "persistence": f = PersistenceForecaster()
        case "seasonal": f = SeasonalForecaster()
        case "regression": f = RegressionForecaster()
        case "predispatch":
            guard let predispatch else { throw ValidationError("--forecaster predispatch needs --predispatch FILE") }
            guard let r = request.region else { throw ValidationError("--forecaster predispatch needs --region") }
            do { f = PredispatchForecaster(try PredispatchLoader.load(predispatch, region: r)) } catch {
                throw ValidationError("--predispatch: \(error)")
            }
        default: throw ValidationError("--forecaster: \(forecaster) is not one of persistence, seasonal, regression, predispatch")
        }
        let series: PriceFile
        let errors: [ForecastEvaluation.HorizonError]
        do {
            series = try BacktestJob.load(request)
            errors = try ForecastEvaluation.run(series, forecaster: f, horizons: hs)
        } catch {
            printError("manta forecast: \(error)")
            throw ExitCode(1)
        }
        let rows: [JSON] = errors.map { e in
            .object(JSONObject([
                ("horizon", .int(Int64(e.horizon))), ("minutes", .int(Int64(e.horizon * 5))), ("count", .int(Int64(e.count))),
                ("missing", .int(Int64(e.missing))), ("mae", .number(round4(e.meanAbsoluteError))),
                ("rmse", .number(round4(e.rootMeanSquareError))), ("bias", .number(round4(e.bias))),
            ]))
        }
        let out: JSON = .object(JSONObject([
            ("region", .string(series.region.code)), ("forecaster", .string(f.name)),
            ("from", .string(MarketTime.iso(series.points.first?.intervalEndMs ?? 0))),
            ("to", .string(MarketTime.iso(series.points.last?.intervalEndMs ?? 0))),
            ("intervals", .int(Int64(series.points.count))), ("horizons", .array(rows)),
        ]))
        guard !json else { return print(out.pretty()) }
        print("\(f.name) on \(series.region.code), \(series.points.count) intervals (walk-forward; AUD/MWh)")
        print("horizon     count      MAE      RMSE      bias")
        for e in errors {
            print("\(pad("\(e.horizon * 5) min", 9)) \(pad(String(e.count), 8)) \(pad(NumberText.fixed(e.meanAbsoluteError, 2), 8)) "
                  + "\(pad(NumberText.fixed(e.rootMeanSquareError, 2), 9)) \(pad(NumberText.fixed(e.bias, 2), 9))")
        }
    }

    private func round4(_ x: Double) -> Double { (x * 1e4).rounded() / 1e4 }
    private func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
}
