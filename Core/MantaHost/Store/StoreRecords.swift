import MantaABI
import MantaModel

/// Rows the loop hands to the store writer. Plain values, so a batch can
/// cross from the loop thread to the writer thread.

public struct PluginRow: Sendable {
    var instance, pluginID, version, kind, path, state, detail: String
    var loadedMs: Int64
}

/// A price filed, and the instance that published it.
public struct PriceRow: Sendable {
    var price: Price
    var source: String
}

public struct DispatchIntervalRow: Sendable {
    var id: Int64
    var vpp: String
    var intervalEndMs: Int64
    var price: Double
    var strategy: String
    var status: DecisionStatus
    var reason: String
    var decidedMs: Int64
    var decideMicros: Int64
    /// Members whose state of charge was carried forward, not read.
    var socEstimated: Int = 0
}

public struct CommandRow: Sendable {
    var id: Int64
    var intervalID: Int64
    var device: UInt32
    var requestedW: Double
    var targetW: Double
    var note: String
    var validFromMs: Int64
    var validUntilMs: Int64
}

public struct OutcomeRow: Sendable {
    var commandID: Int64
    var outcome: SetpointOutcome.Outcome
    var appliedW: Double
    var message: String
    var tMs: Int64
}

/// A setpoint sent outside the dispatch cycle; written again with its outcome.
public struct ControlRow: Sendable {
    var id: Int64
    var tMs: Int64
    var device: UInt32
    var mode: SetpointMode
    var valueW: Double
    var source: String
    var validUntilMs: Int64
    var outcome: SetpointOutcome.Outcome?
    var appliedW: Double?
    var message: String?
}

public struct AuditRow: Sendable {
    var tMs: Int64
    var principal, peer, method, params, outcome: String
}

public struct BacktestRow: Sendable {
    var id: Int64
    var createdMs: Int64
    var finishedMs: Int64?
    var state: String
    var request: String
    var summary: String?
    var error: String?
}

/// A VPP's runtime definition (JSON), or nil when it was deleted.
public struct VPPDefinitionRow: Sendable {
    var id: String
    var definition: String?
    var updatedMs: Int64
    var principal: String
}

/// An operator instruction, written when submitted and at each change.
public struct InstructionRow: Sendable {
    var id: Int64
    var vpp: String
    var targetW: Double
    var startMs, endMs: Int64
    var reason, principal: String
    var createdMs: Int64
    var state: String
    var actualW, deviationW: Double?
}

/// What the closed loop measured for a dispatched interval.
public struct LoopCheckRow: Sendable {
    var intervalID: Int64
    var actualW: Double
    var deviationW: Double
    var corrected: Int
}

public struct EventRow: Sendable {
    var tMs: Int64
    var severity, source, kind, message: String
}

/// One start of mantad: every row written while it runs carries its id,
/// so that a replay started again over the same hours keeps its history
/// apart from the earlier run's instead of interleaving with it.
public struct RunRow: Sendable {
    var id: Int64
    var startedMs: Int64
    var clock: String
    var replayStartMs: Int64?
    var speed: Double
    var config: String
}

/// How fast an interval reached the fleet, once every driver has answered.
public struct IntervalTimingRow: Sendable {
    var intervalID: Int64
    var dispatchMicros: Int64
    var appliedMicros: Int64
}

/// Everything to commit in one transaction, and who to tell afterwards.
public struct StoreBatch: Sendable {
    /// The run the rows belong to.
    var run: Int64 = 0
    var runRow: RunRow?
    var samples: [Sample] = []
    var devices: [DeviceDescriptor] = []
    var devicesSeenMs: Int64 = 0
    var plugins: [PluginRow] = []
    var points: [PointDefinition] = []
    var prices: [PriceRow] = []
    var intervals: [DispatchIntervalRow] = []
    var commands: [CommandRow] = []
    var outcomes: [OutcomeRow] = []
    var timings: [IntervalTimingRow] = []
    var controls: [ControlRow] = []
    var audits: [AuditRow] = []
    var events: [EventRow] = []
    var backtests: [BacktestRow] = []
    var vppDefinitions: [VPPDefinitionRow] = []
    /// Import caps set (JSON) or cleared (nil), by target.
    var importCaps: [(target: String, definition: String?)] = []
    /// Operating envelopes set (JSON) or cleared (nil), by target.
    var envelopes: [(target: String, definition: String?)] = []
    /// API tokens issued (JSON) or revoked (nil), by name.
    var tokens: [(target: String, definition: String?)] = []
    var instructions: [InstructionRow] = []
    var loopChecks: [LoopCheckRow] = []
    var trading = TradingRows()
    var edge = EdgeRows()
    /// Called on the writer thread after the commit (or its failure).
    var onCommit: [@Sendable (StoreError?) -> Void] = []
    /// Called on a writer thread once the batch's records (everything but
    /// its samples and edge batch numbers) are committed: on PostgreSQL
    /// they commit apart from the samples, so a state change is not
    /// answered only after a burst of telemetry (StoreWriter).
    var onRecordsCommit: [@Sendable (StoreError?) -> Void] = []

    var isEmpty: Bool {
        runRow == nil && samples.isEmpty && devices.isEmpty && plugins.isEmpty && points.isEmpty && prices.isEmpty
            && intervals.isEmpty && commands.isEmpty && outcomes.isEmpty && timings.isEmpty && controls.isEmpty && audits.isEmpty && events.isEmpty
            && backtests.isEmpty && vppDefinitions.isEmpty && importCaps.isEmpty && envelopes.isEmpty && tokens.isEmpty && instructions.isEmpty && loopChecks.isEmpty && trading.isEmpty && edge.isEmpty
            && onCommit.isEmpty && onRecordsCommit.isEmpty
    }

    /// The batch's telemetry (its samples, and the edge batch numbers that
    /// must commit with them) and its records (all the rest, with the
    /// records' waiters). `onCommit` is left for the caller to join.
    func split() -> (telemetry: StoreBatch, records: StoreBatch) {
        var telemetry = StoreBatch()
        telemetry.run = run
        telemetry.samples = samples
        telemetry.edge = edge
        var records = self
        records.samples = []
        records.edge = EdgeRows()
        records.onCommit = []
        return (telemetry, records)
    }

    var rowCount: Int {
        samples.count + devices.count + plugins.count + points.count + prices.count + intervals.count
            + commands.count + outcomes.count + timings.count + controls.count + audits.count + events.count + backtests.count
            + vppDefinitions.count + importCaps.count + envelopes.count + tokens.count + instructions.count + loopChecks.count + trading.count + edge.count
    }
}
