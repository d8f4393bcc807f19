import MantaABI
import MantaMarket
import MantaSDK

/// Every bid from lodged to settled: the trading records.
///
/// A bid's intervals move through `submitted` (checked and lodged),
/// `cleared` (the interval started, its price was published and the
/// region's market connector cleared each band as a price-taker:
/// submit_bid per band), `dispatched` (the fleet was told the cleared
/// quantity and metered doing it) and `settled` (revenue at the interval's
/// price), or end `cancelled` (by bids.cancel, a rebid, or the connector
/// refusing it). A cleared energy bid dispatches its VPP: the net cleared
/// MW becomes an instruction for the rest of the interval, in place of
/// the strategy. A cleared FCAS bid sets what the VPP enables in that
/// service, split over its members with a frequency controller. Each
/// change is a `bids` / `bid_intervals` row.
@LoopActor
final class BidBook {
    enum Status: String, Sendable, CaseIterable, Comparable {
        case submitted, cleared, dispatched, settled, cancelled
        static func < (a: Status, b: Status) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
    }

    final class Open {
        var row: BidRow
        var market: BidValidation.Market
        var region: String
        var intervals: [Int64: BidIntervalRow]
        /// Intervals whose bands the connector is clearing now (not sent twice).
        var clearing = Set<Int64>()
        init(row: BidRow, market: BidValidation.Market, region: String, intervals: [Int64: BidIntervalRow]) {
            self.row = row
            self.market = market
            self.region = region
            self.intervals = intervals
        }

        /// The least advanced status of its live intervals; cancelled when none is live.
        var status: Status {
            intervals.values.compactMap { Status(rawValue: $0.status) }.filter { $0 != .cancelled }.min() ?? .cancelled
        }
    }

    struct Parts {
        var vpps: VPPSet
        var plugins: PluginTable
        var instructions: FleetInstructions
        var cycle: DispatchCycle
        var ids: DispatchIDs
        var store: StorePipeline
        var events: EventLog
        var clock: HostClock
    }

    private let p: Parts
    private var nextID: Int64
    /// Bids with intervals not yet settled or cancelled.
    private(set) var open: [Int64: Open] = [:]
    /// Bounds on what is held open: bids, and their intervals in all (a
    /// bid's intervals hold ten MW each).
    static let maxOpen = 10_000
    static let maxOpenIntervals = 100_000
    private var openIntervals = 0
    private var nextSweepMs = Int64.min

    init(lastID: Int64, _ parts: Parts) {
        nextID = lastID + 1
        p = parts
    }

    /// Lodges a checked bid. A rebid cancels what is still open of the bid it replaces.
    func submit(_ v: BidValidation.Valid, vpp: VPPRuntime, source: String, principal: String, reason: String,
                rebidOf: Int64?) throws(RPCError) -> Open {
        guard open.count < Self.maxOpen, openIntervals + v.intervals.count <= Self.maxOpenIntervals else {
            throw .unavailable("\(open.count) bids with \(openIntervals) intervals are open (at most \(Self.maxOpen) and \(Self.maxOpenIntervals)): let them settle or cancel some first")
        }
        let now = p.clock.nowMs()
        if let old = rebidOf {
            guard let prior = open[old] else { throw .invalidParams("rebid_of: bid \(old) is not open") }
            guard prior.row.vpp == vpp.config.id, prior.row.market == v.market.name, prior.row.day == v.day,
                  prior.row.side == v.side.rawValue
            else { throw .invalidParams("rebid_of: bid \(old) is for \(prior.row.vpp) \(prior.row.market) \(prior.row.side) on \(prior.row.day)") }
            cancel(prior, because: "rebid as bid \(nextID): \(reason)", nowMs: now)
        }
        let id = nextID
        nextID += 1
        let row = BidRow(id: id, vpp: vpp.config.id, market: v.market.name, side: v.side.rawValue, day: v.day, bands: v.bands,
                         source: source, principal: principal, reason: reason, rebidOf: rebidOf, submittedMs: now,
                         status: Status.submitted.rawValue)
        var intervals: [Int64: BidIntervalRow] = [:]
        for (end, mw) in v.intervals {
            intervals[end] = BidIntervalRow(bid: id, intervalEndMs: end, mw: mw, status: Status.submitted.rawValue, message: "",
                                            submittedMs: now)
        }
        let bid = Open(row: row, market: v.market, region: vpp.config.region.code, intervals: intervals)
        open[id] = bid
        openIntervals += intervals.count
        p.store.add {
            $0.trading.bids.append(row)
            $0.trading.bidIntervals += intervals.values.sorted { $0.intervalEndMs < $1.intervalEndMs }
        }
        return bid
    }

    /// Cancels the intervals of `bid` that have not started; returns how many.
    @discardableResult
    func cancel(_ bid: Open, because why: String, nowMs now: Int64) -> Int {
        var n = 0
        for (end, var iv) in bid.intervals where iv.status == Status.submitted.rawValue && end - MarketTime.intervalMs > now {
            iv.status = Status.cancelled.rawValue
            iv.cancelledMs = now
            iv.message = why
            bid.intervals[end] = iv
            save(bid, iv)
            n += 1
        }
        finishIfDone(bid)
        return n
    }

    // MARK: clearing, as each interval starts

    /// Prices were filed: bids for intervals that have started clear now.
    func pricesFiled(_ prices: [Price]) {
        let now = p.clock.nowMs()
        if now >= nextSweepMs { sweep(nowMs: now) }
        for price in prices where price.intervalEndMs - MarketTime.intervalMs <= now && price.intervalEndMs > now {
            for bid in open.values where bid.region == price.region {
                guard let iv = bid.intervals[price.intervalEndMs], iv.status == Status.submitted.rawValue,
                      !bid.clearing.contains(price.intervalEndMs) else { continue }
                clear(bid, iv, price: price)
            }
        }
    }

    private func clear(_ bid: Open, _ iv: BidIntervalRow, price: Price) {
        let end = iv.intervalEndMs
        guard let market = p.vpps.marketInstance(region: bid.region, plugins: p.plugins) else {
            return refuse(bid, end, "no running market connector serves \(bid.region)")
        }
        let service: Int32
        switch bid.market {
        case .energy: service = MANTA_SERVICE_ENERGY
        case .fcas(let s):
            guard market.module.abiMinor >= 4 else {
                return refuse(bid, end, "\(market.name) states ABI 1.\(market.module.abiMinor); FCAS bids need 1.4")
            }
            service = MANTA_SERVICE_RAISE1SEC + Int32(s.rawValue)
        }
        let sign = bid.row.side == BidValidation.Side.load.rawValue ? -1.0 : 1.0
        let bands = zip(bid.row.bands, iv.mw).filter { $0.1 > 0 }
        bid.clearing.insert(end)
        guard !bands.isEmpty else { return cleared(bid, end, mw: 0, price: .nan, messages: ["no MW offered"]) }
        let vpp = p.vpps.vpp(bid.row.vpp)
        vpp?.clearing += 1
        var pending = bands.count, total = 0.0, clearingPrice = Double.nan, messages: [String] = []
        for (limit, mw) in bands {
            let b = Bid(bidID: p.ids.nextBid(), service: service, region: bid.region, intervalEndMs: end, quantityMW: sign * mw,
                        price: limit)
            market.submitBid(b) { [self] result in
                switch result {
                case .success(let r)?:
                    if r.status == .cleared { total += abs(r.clearedMW) }
                    if r.clearingPrice.isFinite { clearingPrice = r.clearingPrice }
                    if r.status != .cleared { messages.append("\(r.status.name): \(r.message)") }
                case .failure(let e)?: messages.append("failed: \(e.message)")
                case nil: messages.append("\(market.name) cannot take calls")
                }
                pending -= 1
                if pending == 0 {
                    vpp?.clearing -= 1
                    cleared(bid, end, mw: total, price: clearingPrice, messages: messages)
                }
            }
        }
    }

    private func refuse(_ bid: Open, _ end: Int64, _ why: String) {
        bid.clearing.remove(end)
        guard var iv = bid.intervals[end] else { return }
        iv.status = Status.cancelled.rawValue
        iv.cancelledMs = p.clock.nowMs()
        iv.message = why
        bid.intervals[end] = iv
        save(bid, iv)
        p.events.record(.warning, source: bid.row.vpp, kind: "bid.refused", "bid \(bid.row.id) \(MarketTime.format(end)): \(why)")
        finishIfDone(bid)
    }

    private func cleared(_ bid: Open, _ end: Int64, mw: Double, price: Double, messages: [String]) {
        bid.clearing.remove(end)
        guard var iv = bid.intervals[end], let vpp = p.vpps.vpp(bid.row.vpp) else { return }
        let now = p.clock.nowMs()
        iv.status = Status.cleared.rawValue
        iv.clearedMs = now
        iv.clearedMW = mw
        iv.price = price.isFinite ? price : nil
        iv.message = messages.joined(separator: "; ")
        bid.intervals[end] = iv
        save(bid, iv)
        guard bid.row.source != "plan" else { return }  // it is what the strategy already dispatched
        switch bid.market {
        case .energy:
            // The net of every energy bid of the VPP cleared for the interval.
            var netMW = 0.0
            for other in open.values where other.row.vpp == bid.row.vpp && other.market == .energy {
                guard let o = other.intervals[end], o.status == Status.cleared.rawValue, let c = o.clearedMW else { continue }
                netMW += other.row.side == BidValidation.Side.load.rawValue ? -c : c
            }
            _ = p.instructions.submit(vpp: vpp.config.id, targetW: netMW * 1e6, startMs: now, endMs: end,
                                      reason: "bids cleared for \(MarketTime.format(end)): \(netMW) MW", principal: "bids",
                                      nowMs: now)
            p.cycle.instructionsChanged()
        case .fcas(let s):
            var cleared = vpp.fcasCleared[end] ?? [Double](repeating: 0, count: FCASService.allCases.count)
            cleared[s.rawValue] += mw
            vpp.fcasCleared[end] = cleared
            for e in vpp.fcasCleared.keys where e < end - 3 * MarketTime.intervalMs { vpp.fcasCleared[e] = nil }
            p.cycle.redecide(vpp)
        }
    }

    // MARK: after a restart

    /// Takes up the bids an earlier run left open. Under the wall clock an
    /// interval still to start is open again as it was; one that started
    /// while the host was down, or was cleared but not settled before it
    /// stopped, is cancelled with why (its dispatch and metering are gone).
    /// Under a replay clock a new run replays its own day: every one is
    /// cancelled. Returns how many bids were taken up.
    @discardableResult
    func restore(_ stored: [(bid: BidRow, intervals: [BidIntervalRow])], replay: Bool) -> Int {
        let now = p.clock.nowMs()
        var taken = 0
        for (row, rows) in stored {
            guard open[row.id] == nil, let market = BidValidation.Market(name: row.market) else { continue }
            let vpp = p.vpps.vpp(row.vpp)
            var intervals: [Int64: BidIntervalRow] = [:]
            for r in rows { intervals[r.intervalEndMs] = r }
            let bid = Open(row: row, market: market, region: vpp?.config.region.code ?? "", intervals: intervals)
            for (end, var iv) in intervals where iv.status != Status.settled.rawValue && iv.status != Status.cancelled.rawValue {
                let why: String? = replay ? "a new run of the replay started"
                    : vpp == nil ? "its VPP no longer exists"
                    : iv.status != Status.submitted.rawValue ? "the host stopped before it settled"
                    : end - MarketTime.intervalMs <= now ? "the host was down when it started" : nil
                guard let why else { continue }
                iv.status = Status.cancelled.rawValue
                iv.cancelledMs = now
                iv.message = why
                bid.intervals[end] = iv
                save(bid, iv)
            }
            open[row.id] = bid
            openIntervals += bid.intervals.count
            finishIfDone(bid)
            if open[row.id] != nil { taken += 1 }
        }
        return taken
    }

    // MARK: bids that follow the plan

    /// Interval ends already bid from each VPP's plan.
    private var planned: [String: Int64] = [:]

    /// A VPP that bids its plan (`bidding: plan`): what its strategy
    /// dispatched for the interval ending `end` (fleet W, + = discharge)
    /// and enabled (MW by service) is lodged with its connector and
    /// cleared at once, as a price-taker offers what it will run: energy
    /// all in the band at the floor (generation) or at the cap (load), FCAS
    /// all in the band at 0. Clearing them dispatches nothing more: they
    /// are the records of what is dispatched. An interval decided again
    /// keeps its first plan bids.
    func fromPlan(_ vpp: VPPRuntime, intervalEndMs end: Int64, targetW: Double, enabledMW: [Double], price: Price?) {
        guard let price, planned[vpp.config.id] ?? .min < end else { return }
        planned[vpp.config.id] = end
        let day = BidValidation.tradingDay(containing: end)
        let cap = MarketLimits.cap(intervalEndMs: end) ?? MarketLimits.highestCap
        var lots: [(BidValidation.Market, BidValidation.Side, [Double], Int, Double)] = []
        if abs(targetW) >= 1 {
            lots.append((.energy, targetW > 0 ? .generation : .load, [MarketLimits.floor, 0, 50, 100, 200, 300, 500, 1000, 5000, cap],
                         targetW > 0 ? 0 : 9, abs(targetW) / 1e6))
        }
        for s in FCASService.allCases where s.rawValue < enabledMW.count && enabledMW[s.rawValue] > 0 {
            lots.append((.fcas(s), s.isRaise ? .raise : .lower, [0, 1, 2, 5, 10, 20, 50, 100, 1000, cap], 0, enabledMW[s.rawValue]))
        }
        let name = vpp.dispatchingName
        for (market, side, bands, band, mw) in lots {
            var row = [Double](repeating: 0, count: BidValidation.bandCount)
            row[band] = mw
            let valid = BidValidation.Valid(market: market, side: side, day: day, bands: bands, intervals: [(end, row)])
            guard let bid = try? submit(valid, vpp: vpp, source: "plan", principal: "strategy:\(name)",
                                        reason: "the plan of \(name)", rebidOf: nil),
                  let iv = bid.intervals[end] else { continue }
            clear(bid, iv, price: price)
        }
    }

    // MARK: dispatched and settled

    /// A VPP's interval was settled: its cleared bids are dispatched (what
    /// the fleet was metered doing, or enabled) and settled at the price.
    func settled(_ row: SettlementRow) {
        let hours = Double(MarketTime.intervalMs) / 3_600_000
        let mine = open.values.filter { $0.row.vpp == row.vpp && $0.intervals[row.intervalEndMs]?.status == Status.cleared.rawValue }
        // Energy: the metered MW shared over the cleared energy bids by what each cleared.
        let energyCleared = mine.filter { $0.market == .energy }.reduce(0.0) { $0 + ($1.intervals[row.intervalEndMs]?.clearedMW ?? 0) }
        let meteredMW = row.energyWh / 1e6 / hours
        for bid in mine {
            guard var iv = bid.intervals[row.intervalEndMs] else { continue }
            let c = iv.clearedMW ?? 0
            switch bid.market {
            case .energy:
                iv.dispatchedMW = energyCleared > 0 ? meteredMW * c / energyCleared : 0
                iv.price = row.rrp
                iv.revenueAUD = energyCleared > 0 ? row.energyAUD * c / energyCleared : 0
            case .fcas(let s):
                let enabled = s.rawValue < row.fcasMW.count ? row.fcasMW[s.rawValue] : 0
                iv.dispatchedMW = min(enabled, c)
                iv.revenueAUD = s.rawValue < row.fcasAUD.count && enabled > 0 ? row.fcasAUD[s.rawValue] * min(enabled, c) / enabled : 0
            }
            iv.dispatchedMs = row.settledMs
            iv.settledMs = row.settledMs
            iv.status = Status.settled.rawValue
            bid.intervals[row.intervalEndMs] = iv
            save(bid, iv)
            finishIfDone(bid)
        }
    }

    // MARK: records

    private func save(_ bid: Open, _ iv: BidIntervalRow) {
        let status = bid.status.rawValue
        let changed = status != bid.row.status
        bid.row.status = status
        let row = bid.row
        p.store.add {
            $0.trading.bidIntervals.append(iv)
            if changed { $0.trading.bids.append(row) }
        }
    }

    private func finishIfDone(_ bid: Open) {
        let live = bid.intervals.values.contains { $0.status != Status.settled.rawValue && $0.status != Status.cancelled.rawValue }
        if !live, open.removeValue(forKey: bid.row.id) != nil { openIntervals -= bid.intervals.count }
    }

    /// Bids whose intervals all ended a day ago and still are not settled
    /// (their VPP was deleted, suspended or never priced) are closed, each
    /// interval cancelled with why: what is open stays bounded.
    private func sweep(nowMs now: Int64) {
        nextSweepMs = now + MarketTime.intervalMs
        let stale = now - 86_400_000
        for bid in Array(open.values) where bid.intervals.keys.allSatisfy({ $0 <= stale }) {
            for (end, var iv) in bid.intervals where iv.status != Status.settled.rawValue && iv.status != Status.cancelled.rawValue {
                iv.status = Status.cancelled.rawValue
                iv.cancelledMs = now
                iv.message = "not settled within a day of its interval (was \(bid.intervals[end]?.status ?? ""))"
                bid.intervals[end] = iv
                save(bid, iv)
            }
            finishIfDone(bid)
        }
    }
}
