import MantaFetch
import MantaIO
import MantaJSON
import MantaKit
import MarketKit
import MantaMarket
import MantaSDK

/// A live NEM price feed: polls NEMWeb's dispatch reports (or a folder they
/// are synced to), and publishes each interval's regional prices, energy
/// and FCAS, as soon as its report appears.
///
/// Each new report file is fetched once, unzipped when it is a zip, and its
/// DISPATCH.PRICE rows parsed with the same validation as historical files.
/// A file that fails is retried on the next polls and given up after three
/// failures, each reported. What has been seen is kept in memory for
/// fetch_prices (a window of `keep_intervals`).
final class NemwebMarket: MarketPlugin {
    private let host: PluginHost
    private let source: ReportSource
    private let prefix: String
    private let regions: Set<Region>?
    private let pollMs: Int64
    private let catchUp: Int
    private let keep: Int
    private var seen = Set<String>()
    private var failures: [String: Int] = [:]
    private var polled = false
    private var running = false
    private var cache: [Region: [Int64: PricePoint]] = [:]

    init(host: PluginHost, config json: JSON) throws(PluginError) {
        self.host = host
        let config = try NemwebConfig(json)
        source = ReportSource(config.source, timeoutMs: config.timeoutMs)
        if case .folder(let dir) = source, !FileSystem.isDirectory(dir) { throw .config("source: \(dir) is not a folder") }
        prefix = config.filePrefix
        regions = config.regions.isEmpty ? nil : Set(config.regions)
        pollMs = config.pollIntervalMs
        catchUp = config.catchUpFiles
        keep = config.keepIntervals
    }

    func start() throws(PluginError) {
        running = true
        host.requestCallback(afterMs: 0)
    }

    func stop() { running = false }

    func onCallback() {
        guard running else { return }
        poll()
        host.requestCallback(afterMs: pollMs)
    }

    /// Fetches and publishes every report not handled yet, oldest first.
    /// On the first poll only the newest `catch_up_files` are taken.
    private func poll() {
        let listing: [(name: String, location: String)]
        do {
            listing = try source.list(prefix: prefix)
        } catch {
            return host.reportError(error)
        }
        var fresh = listing.filter { !seen.contains($0.name) }
        if !polled {
            polled = true
            for old in fresh.dropLast(catchUp) { seen.insert(old.name) }
            fresh = Array(fresh.suffix(catchUp))
        }
        for file in fresh {
            do {
                let prices = try read(file.name, try source.fetch(file.location))
                seen.insert(file.name)
                failures[file.name] = nil
                if !prices.isEmpty { host.publishPrices(prices) }
            } catch {
                let n = (failures[file.name] ?? 0) + 1
                failures[file.name] = n
                if n >= 3 {
                    seen.insert(file.name)
                    host.reportError(PluginError(error.code, "\(file.name): \(error.message) (giving up after \(n) attempts)"))
                } else {
                    host.reportError(PluginError(error.code, "\(file.name): \(error.message) (will retry)"))
                }
            }
        }
    }

    /// The prices in one report file (zipped or not).
    private func read(_ name: String, _ bytes: [UInt8]) throws(PluginError) -> [Price] {
        var csvs: [(String, [UInt8])] = []
        if name.lowercased().hasSuffix(".zip") {
            do {
                csvs = try ZipArchive.entries(bytes).filter { $0.name.lowercased().hasSuffix(".csv") }.map { ($0.name, $0.bytes) }
            } catch {
                throw .invalid(error.description)
            }
        } else {
            csvs = [(name, bytes)]
        }
        var out: [Price] = []
        for (entry, text) in csvs {
            let series: [PriceFile]
            do { series = try DispatchPriceFile.parse(text, file: entry) } catch { throw .invalid(error.description) }
            for file in series where regions?.contains(file.region) ?? true {
                for p in file.points {
                    remember(p)
                    out.append(Price(intervalEndMs: p.intervalEndMs, region: p.region.code, rrp: p.rrp, demandMW: p.demandMW,
                                     status: p.firm ? .firm : .forecast, fcas: p.fcas.values))
                }
            }
        }
        return out
    }

    private func remember(_ p: PricePoint) {
        cache[p.region, default: [:]][p.intervalEndMs] = p
        if let table = cache[p.region], table.count > keep, let oldest = table.keys.min() {
            cache[p.region]?[oldest] = nil
        }
    }

    func fetchPrices(region: String, fromMs: Int64, toMs: Int64, deliver: ([Price]) -> Bool) throws(PluginError) {
        guard let r = Region(code: region) else { throw .invalid("\(region) is not a NEM region") }
        let points = (cache[r] ?? [:]).values.filter { $0.intervalEndMs > fromMs && $0.intervalEndMs <= toMs }
            .sorted { $0.intervalEndMs < $1.intervalEndMs }
        _ = deliver(points.map { Price(intervalEndMs: $0.intervalEndMs, region: region, rrp: $0.rrp, demandMW: $0.demandMW,
                                            status: $0.firm ? .firm : .forecast, fcas: $0.fcas.values) })
    }

    /// Clears a bid as a price-taker against the dispatch price NEMWeb
    /// published (PriceTakerClearing); one for an interval not started yet
    /// is only lodged. Real bids go to AEMO through its bidding interface,
    /// which a connector of its own would speak behind the same ABI.
    func submitBid(_ bid: Bid) -> BidOutcome {
        if let refusal = PriceTakerClearing.refusal(bid) { return BidOutcome(.rejected, refusal) }
        guard let region = Region(code: bid.region) else { return BidOutcome(.rejected, "\(bid.region) is not a NEM region") }
        guard bid.intervalEndMs - MarketTime.intervalMs <= host.nowMs else {
            return BidOutcome(.accepted, "lodged for \(MarketTime.format(bid.intervalEndMs))")
        }
        guard let point = cache[region]?[bid.intervalEndMs] else {
            return BidOutcome(.rejected, "no \(region.code) price fetched for the interval ending \(MarketTime.format(bid.intervalEndMs))")
        }
        return PriceTakerClearing.clear(bid, at: point)
    }
}
