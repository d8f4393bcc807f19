import MantaABI

/// Turns a strategy's targets into safe commands for one interval.
public enum DispatchPlan {
    public struct Command: Sendable, Equatable {
        public var asset: Int
        /// What the strategy asked, W (+ = discharge); NaN if it gave nothing usable.
        public var requestedW: Double
        /// What will be sent after the host's limits, W.
        public var targetW: Double
        /// Why the target differs from the request; empty when it does not.
        public var note: String
    }

    /// One command per asset: each target held within the asset's power
    /// ratings and what its state of charge sustains for `hours`. A target
    /// list of the wrong length is refused as a whole (every asset holds),
    /// since its entries cannot be matched to assets.
    public static func commands(for obs: Observation, targets: [Double], hours: Double) -> [Command] {
        guard targets.count == obs.assets.count else {
            return obs.assets.indices.map {
                Command(asset: $0, requestedW: .nan, targetW: 0,
                        note: "strategy gave \(targets.count) targets for \(obs.assets.count) assets: hold")
            }
        }
        return obs.assets.enumerated().map { i, asset in
            let (value, note) = asset.limits.enforce(targets[i], hours: hours)
            return Command(asset: i, requestedW: targets[i], targetW: value, note: note ?? "")
        }
    }
}
