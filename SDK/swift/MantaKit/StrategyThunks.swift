import MantaABI
import MantaSDK

/// The "manta.strategy/1" table for a StrategyPlugin.
enum StrategyThunks {
    nonisolated(unsafe) static let table: UnsafeMutablePointer<manta_strategy_t> = {
        let t = UnsafeMutablePointer<manta_strategy_t>.allocate(capacity: 1)
        t.initialize(to: manta_strategy_t(
            struct_size: ABIGrowth.size(of: manta_strategy_t.self), reserved0: 0, decide: decide))
        return t
    }()

    static let decide: @convention(c) (
        OpaquePointer?, UnsafePointer<manta_observation_t>?, UnsafeMutablePointer<manta_decision_t>?
    ) -> Int32 = { handle, obs, out in
        // Both structs are the host's: at least their 1.0 size, read no
        // further than their struct_size (rule 3).
        guard let obs, let out,
              let decision = ABIGrowth.read(out, as: manta_decision_t.self, minimum: ABIGrowth.Size10.decision),
              let targets = decision.target_w, let observation = Observation(obs)
        else { return MANTA_ERR_INVALID }
        let box = InstanceBox.from(handle)
        let strategy = box.plugin as! StrategyPlugin
        let count = Int(decision.count)
        var values = [Double](repeating: 0, count: count)
        var reason: String?
        // FCAS only where the host's decision has the 1.2 field and offers a buffer.
        let fcasOut = ABIGrowth.hasField(decision.struct_size, \manta_decision_t.fcas_mw) ? decision.fcas_mw : nil
        var fcas = [Double](repeating: 0, count: fcasOut == nil ? 0 : count * Price.fcasCount)
        let status = box.reporting { () throws(PluginError) in
            reason = try strategy.decide(observation, targets: &values)
            if fcasOut != nil { try strategy.enable(observation, targets: values, fcasMW: &fcas) }
        }
        guard status == MANTA_OK else { return status }
        guard values.count == count else {
            box.host.reportError(.invalid("decide returned \(values.count) targets for \(count) assets"))
            return MANTA_ERR_INVALID
        }
        for i in 0..<count { targets[i] = values[i] }
        if let fcasOut {
            guard fcas.count == count * Price.fcasCount else {
                box.host.reportError(.invalid("enable left \(fcas.count) FCAS entries for \(count) assets"))
                return MANTA_ERR_INVALID
            }
            for k in fcas.indices { fcasOut[k] = fcas[k] }
        }
        ABIMessage.copy(reason ?? "", into: &out.pointee.reason)  // a 1.0 field: within struct_size
        return MANTA_OK
    }
}
