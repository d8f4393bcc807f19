import MantaMarket
import MantaText

/// The markets a backtest settles and its bound co-optimises.
public enum BacktestMarkets: String, Sendable, CaseIterable {
    /// Energy only: the bound is PerfectForesight's.
    case energy = "energy"
    /// Energy and every FCAS service the prices hold, co-optimised
    /// (CoOptimisedBound); the same as `energy` for prices without FCAS.
    case energyAndFCAS = "energy,fcas"

    /// Parses "energy" or "energy,fcas" (in either order, any case).
    public init?(list: String) {
        let parts = Set(list.lowercased().split(separator: ",").map { String($0).trimmed })
        switch parts {
        case ["energy"]: self = .energy
        case ["energy", "fcas"]: self = .energyAndFCAS
        default: return nil
        }
    }
}

extension Backtest {
    /// The perfect-foresight bound of the fleet: each battery's optimum
    /// over the same prices, summed (batteries do not interact). Batteries
    /// alike in everything but their name share one solution. With FCAS in
    /// the markets and in the prices it is the co-optimised bound.
    public static func bound(_ input: Input) throws(Refusal) -> Double {
        let services = input.fcasServices
        let rrp = grid(input.prices).rrp
        guard !services.isEmpty else {
            return distinct(input.fleet).reduce(0) { sum, group in
                sum + Double(group.count) * PerfectForesight.solve(prices: rrp, battery: group.battery, schedule: false).revenue
            }
        }
        let fcas = fcasGrid(input.prices)
        var sum = 0.0
        for group in distinct(input.fleet) {
            sum += Double(group.count) * (try coOptimise(rrp, fcas, group.battery, services)).revenue
        }
        return sum
    }

    /// The perfect-foresight schedule settled like a strategy's run, so that
    /// `--strategy optimal` gets the same report. Its revenue is the bound.
    public static func perfectForesight(_ input: Input) throws(Refusal) -> BacktestResult {
        guard !input.fleet.isEmpty, !input.prices.points.isEmpty else { throw Refusal(description: "no batteries or no prices") }
        for b in input.fleet {
            if let p = b.problems().first { throw Refusal(description: "battery \(b.name): \(p)") }
        }
        if !input.allowGaps, let g = input.prices.gaps.first {
            throw Refusal(description: "the prices have \(input.prices.gaps.count) gap(s), the first \(g); pass allow_gaps (--allow-gaps) to idle through them")
        }
        let (firstEnd, rrp) = grid(input.prices)
        let groups = distinct(input.fleet)
        let services = input.fcasServices
        let fcas = services.isEmpty ? [] : fcasGrid(input.prices)
        var plans: [Schedule] = []
        for g in groups {
            if services.isEmpty {
                plans.append(Schedule(PerfectForesight.solve(prices: rrp, battery: g.battery)))
            } else {
                plans.append(Schedule(try coOptimise(rrp, fcas, g.battery, services)))
            }
        }
        let dt = Double(MarketTime.intervalMs) / 3_600_000
        var ledger = Ledger(firstEndMs: firstEnd, count: rrp.count, fleet: input.fleet)
        var fcasAUD = [Double](repeating: 0, count: services.isEmpty ? 0 : FCASService.allCases.count)
        for i in rrp.indices {
            var energy = 0.0
            for (g, s) in zip(groups, plans) { energy += Double(g.count) * s.energyMWh[i] * 1e6 }
            guard rrp[i].isFinite else {
                ledger.idle(i, energyWh: energy)
                continue
            }
            var net = 0.0, charged = 0.0, discharged = 0.0, cost = 0.0
            for k in fcasAUD.indices { fcasAUD[k] = 0 }
            for (g, s) in zip(groups, plans) {
                let n = Double(g.count)
                net += n * (s.dischargeMW[i] - s.chargeMW[i]) * 1e6
                charged += n * s.chargeMW[i] * 1e6 * dt
                discharged += n * s.dischargeMW[i] * 1e6 * dt
                cost += n * g.battery.costPerMWh * s.dischargeMW[i] * dt
                for (service, mw) in s.enablementMW where mw[i] > 0 {
                    fcasAUD[service.rawValue] += n * FCASService.availabilityRevenue(mw: mw[i], price: fcas[i][service], hours: dt)
                }
            }
            ledger.settle(i, price: rrp[i], netW: net, chargedWh: charged, dischargedWh: discharged, costAUD: cost,
                          energyWh: energy, fcasAUD: fcasAUD)
        }
        let name = services.isEmpty ? "optimal (perfect foresight)" : "optimal (perfect foresight, energy + FCAS)"
        return ledger.result(region: input.prices.region, strategy: name, gaps: input.prices.gaps, fcasServices: services)
    }

    private static func coOptimise(_ rrp: [Double], _ fcas: [FCASPrices], _ battery: BacktestBattery,
                                   _ services: [FCASService]) throws(Refusal) -> CoOptimisedBound.Solution {
        do {
            return try CoOptimisedBound.solve(prices: rrp, fcas: fcas, battery: battery, services: Set(services))
        } catch {
            throw Refusal(description: "the co-optimised bound for battery \(battery.name): \(error)")
        }
    }

    /// One battery's optimal schedule, whichever bound produced it.
    private struct Schedule {
        var chargeMW: [Double], dischargeMW: [Double], energyMWh: [Double]
        var enablementMW: [FCASService: [Double]] = [:]

        init(_ s: PerfectForesight.Solution) {
            (chargeMW, dischargeMW, energyMWh) = (s.chargeMW, s.dischargeMW, s.energyMWh)
        }

        init(_ s: CoOptimisedBound.Solution) {
            (chargeMW, dischargeMW, energyMWh, enablementMW) = (s.chargeMW, s.dischargeMW, s.energyMWh, s.enablementMW)
        }
    }
}
