import Foundation
@_spi(Benchmarks) import MantaHost
import MantaIO
import MantaJSON
import MantaTools

/// Fleet dispatch at 100,000 batteries: an operator instruction to one VPP
/// split over every member and handed to the driver, timed by the host
/// itself (dispatch.history's decide_us, dispatch_us and applied_us), in
/// batches (ABI 1.1 apply_setpoints) against the same fleet one setpoint
/// per call; and the fleet's measured power at its next telemetry.
enum DispatchBench {
    struct Timing {
        var decideUs: [Double] = []
        var handedUs: [Double] = []
        var appliedUs: [Double] = []
    }

    static func run(root: String, homes: Int, into report: inout Report) throws {
        print("  \(homes) simulated batteries in one VPP (a minute or two)...")
        let host = try BenchHost(
            root: root,
            plugins: [
                ["instance": "fleet", "plugin": "manta.sim", "config": ["homes": .int(Int64(homes)), "publish_interval_ms": 5000]],
                ["instance": "prices", "plugin": "manta.nem-file",
                 "config": ["region": "VIC1", "files": [.string(Paths.absolute("\(root)/../shared/data/nem/price_and_demand/VIC1/PRICE_AND_DEMAND_202207_VIC1.csv"))]]],
                ["instance": "hold", "plugin": "manta.threshold", "config": ["charge_below": -1000, "discharge_above": 20000]],
            ],
            vpps: [["id": "fleet", "region": "VIC1", "market": "prices", "strategy": "hold", "drivers": ["fleet"]]],
            store: ["commit_interval_ms": 500])
        defer { host.stop() }
        // Every battery online with a known state of charge.
        let start = WallClock.monotonicMs()
        func online() -> Int64? {
            guard let c = try? RPCClient(address: host.address, timeoutMs: 60_000) else { return nil }
            let t0 = WallClock.monotonicMs()
            let n = (try? c.result("vpps.capacity", ["vpp": "fleet"]))?["online"]?.integer
            print("    vpps.capacity: \(n ?? -1) online, \(WallClock.monotonicMs() - t0) ms")
            return n
        }
        while online() != Int64(homes) {
            guard WallClock.monotonicMs() - start < 180_000 else { throw BenchError("the fleet did not come online") }
            usleep(500_000)
        }
        let client = try RPCClient(address: host.address, timeoutMs: 60_000)
        let fleetMaxW = try client.result("vpps.capacity", ["vpp": "fleet"])["max_discharge_w"]?.number ?? 0
        let batched = try dispatches(client, count: 40, fleetMaxW: fleetMaxW)
        host.runtime.dispatchOneAtATime(true)
        let single = try dispatches(client, count: 5, fleetMaxW: fleetMaxW)
        host.runtime.dispatchOneAtATime(false)
        let followed = try followsTarget(client, fleetMaxW: fleetMaxW)
        func p(_ xs: [Double], _ q: Double) -> Double {
            let s = xs.sorted()
            return s.isEmpty ? .nan : s[min(s.count - 1, Int(Double(s.count) * q))]
        }
        let totals = zip(batched.decideUs, batched.handedUs).map { $0 + $1 }
        report.section(
            "Fleet dispatch: 100,000 batteries in one VPP",
            command: "make bench   # or: .build/release/manta-bench --only dispatch",
            header: ["run", "split + decide p50 / p99 ms", "to all handed p50 / p99 ms", "to all applied p50 / p99 ms", "target", "reference (same run)"],
            rows: [
                ["batches (apply_setpoints), \(batched.handedUs.count) instructions",
                 "\(fixed(p(batched.decideUs, 0.5) / 1000, 1)) / \(fixed(p(batched.decideUs, 0.99) / 1000, 1))",
                 "\(fixed(p(batched.handedUs, 0.5) / 1000, 1)) / \(fixed(p(batched.handedUs, 0.99) / 1000, 1))",
                 "\(fixed(p(batched.appliedUs, 0.5) / 1000, 1)) / \(fixed(p(batched.appliedUs, 0.99) / 1000, 1))",
                 "handed < 20, applied < 100",
                 "one setpoint per call: handed \(fixed(p(single.handedUs, 0.5) / 1000, 0)) ms, applied \(fixed(p(single.appliedUs, 0.5) / 1000, 0)) ms (p50); batches \(fixed(p(single.appliedUs, 0.5) / p(batched.appliedUs, 0.5), 0))x faster to applied"],
                ["  decision start to all handed", "", "\(fixed(p(totals, 0.5) / 1000, 1)) / \(fixed(p(totals, 0.99) / 1000, 1))", "", "", ""],
                ["fleet power at the next telemetry", followed.map { "\(fixed($0.errorPct, 2))% off \(fixed($0.targetW / 1e6, 1)) MW" }.joined(separator: ", "),
                 "", "", "within 2%", ""],
            ],
            notes: ["A release host in this process (realtime clock) with one manta.sim instance of \(homes) homes (battery + PV each) in process, and one VPP over all \(homes) batteries. Each run submits dispatch.submit with a new target (alternating discharge and charge, 5-60% of the fleet's \(fixed(fleetMaxW / 1e6, 0)) MW) and reads the host's own timing of that decision from dispatch.history: decide_us (observation of every member and the SOC-balancing split, FleetSplit), dispatch_us (from the decision to the last setpoint handed to the driver: command rows, shares, state-estimate and response-watch updates, batching) and applied_us (to the driver's last outcome back on the loop). The reference is the same host and fleet with FleetSetpoints.oneAtATime: every setpoint its own call through the driver's worker, as a driver without apply_setpoints is served one call at a time. Fleet power is vpps.capacity's power_w (the members' measured ac.w) read after the next 5 s publish."])
    }

    /// `count` instructions, each waited for until its outcomes are back.
    static func dispatches(_ client: RPCClient, count: Int, fleetMaxW: Double) throws -> Timing {
        var t = Timing()
        for n in 0..<count {
            let share = [0.05, 0.2, 0.4, 0.6][n % 4] * (n % 2 == 0 ? 1 : -1)
            let id = try client.result("dispatch.submit", ["vpp": "fleet", "target_w": .number(share * fleetMaxW), "duration_s": 3600])["id"]?.integer ?? -1
            let start = WallClock.monotonicMs()
            while true {
                let last = try client.result("dispatch.history", ["vpp": "fleet", "limit": 1]).array?.first
                if last?["strategy"]?.string == "instruction:\(id)", let applied = last?["applied_us"]?.number,
                   let handed = last?["dispatch_us"]?.number, let decide = last?["decide_us"]?.number {
                    t.decideUs.append(decide)
                    t.handedUs.append(handed)
                    t.appliedUs.append(applied)
                    break
                }
                guard WallClock.monotonicMs() - start < 120_000 else { throw BenchError("instruction \(id) was not applied") }
                // dispatch.history sums the decision's 100,000 commands on the loop:
                // asked often, it would hold up the very outcomes being timed.
                usleep(250_000)
            }
        }
        return t
    }

    /// Sets targets and reads the fleet's measured power after the next publish.
    static func followsTarget(_ client: RPCClient, fleetMaxW: Double) throws -> [(targetW: Double, errorPct: Double)] {
        try [0.3, -0.25].map { share in
            let target = share * fleetMaxW
            _ = try client.result("dispatch.submit", ["vpp": "fleet", "target_w": .number(target), "duration_s": 3600])
            usleep(11_000_000)  // two publishes: the first may have started before the setpoints
            let power = try client.result("vpps.capacity", ["vpp": "fleet"])["power_w"]?.number ?? .nan
            return (target, abs(power - target) / abs(target) * 100)
        }
    }
}
