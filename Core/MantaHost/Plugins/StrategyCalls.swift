import MantaABI
import MantaSDK

extension ObservationLayout {
    /// Calls decide(); `targets` (one per asset, pre-filled by the caller)
    /// receives the answer, and `fcasMW` (Price.fcasCount per asset, or
    /// empty to offer no FCAS) the FCAS enablement. Returns the status and,
    /// when asked, the reason. Run on the instance's worker (or the one
    /// thread a backtest runs on).
    func decide(_ m: LoadedModule, _ h: OpaquePointer, _ obs: Observation, targets: inout [Double], fcasMW: inout [Double],
                wantReason: Bool) -> (status: Int32, reason: String) {
        let fn = m.kindTable.assumingMemoryBound(to: manta_strategy_t.self).pointee.decide!
        return withC(obs, targets: &targets, fcasMW: &fcasMW) { o, decision in
            let rc = fn(h, o, decision)
            return (rc, wantReason && rc == MANTA_OK ? ABIMessage.read(decision.pointee.reason) : "")
        }
    }
}

/// Calls into "manta.strategy/1" for the dispatch cycle. Run on the
/// instance's worker only.
enum StrategyCalls {
    /// decide(); FCAS enablement is asked for (fcas_mw given, zeroed) when
    /// the observation offers FCAS prices.
    static func decide(_ m: LoadedModule, _ h: OpaquePointer, _ obs: Observation) -> Result<Decision, PluginCallError> {
        var targets = [Double](repeating: 0, count: obs.assets.count)
        var fcasMW = [Double](repeating: 0, count: obs.fcas.isEmpty ? 0 : obs.assets.count * Price.fcasCount)
        let (rc, reason) = ObservationLayout().decide(m, h, obs, targets: &targets, fcasMW: &fcasMW, wantReason: true)
        guard rc == MANTA_OK else { return .failure(PluginCallError("decide() returned \(StatusCode.name(rc))")) }
        return .success(Decision(targetsW: targets, reason: reason, fcasMW: fcasMW))
    }
}
