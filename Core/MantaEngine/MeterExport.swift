/// Export control at the grid meter (Smart Feed-in): a site's export limit
/// caps what crosses its meter, not what its inverters make. The home's
/// load is served first, the battery soaks up what it can, and only the
/// excess beyond load, charging and the limit is curtailed from the PV.
///
/// Signs as everywhere in Manta: + = out of a device toward the grid
/// (PV output, battery discharge, export at the meter).
public enum MeterExport {
    public struct Site: Sendable, Equatable {
        /// The most the meter may export, W (0: zero export).
        public var limitW: Double
        /// The household's consumption, W >= 0.
        public var loadW: Double
        /// What the PV could make now, W >= 0.
        public var pvAvailableW: Double
        /// What dispatch asks of the battery, W (+ discharge).
        public var batteryW: Double
        /// The most the battery can charge now (rating, state of charge), W >= 0.
        public var chargeHeadroomW: Double
        /// Negative prices, absorbing: also import from the grid to charge.
        public var absorb: Bool

        public init(limitW: Double, loadW: Double, pvAvailableW: Double, batteryW: Double, chargeHeadroomW: Double,
                    absorb: Bool = false) {
            self.limitW = limitW
            self.loadW = loadW
            self.pvAvailableW = pvAvailableW
            self.batteryW = batteryW
            self.chargeHeadroomW = chargeHeadroomW
            self.absorb = absorb
        }
    }

    public struct Plan: Sendable, Equatable {
        /// What the battery runs, W (+ discharge): dispatch's request, less
        /// what would push the site over its limit.
        public var batteryW: Double
        /// The PV's output cap, W; nil when the PV need not be curtailed.
        public var pvLimitW: Double?
        /// What crosses the meter with this plan, W (+ export).
        public var exportW: Double
    }

    /// The plan for one instant.
    public static func plan(_ s: Site) -> Plan {
        let limit = max(0, s.limitW.isFinite ? s.limitW : 0)
        let load = max(0, s.loadW.isFinite ? s.loadW : 0)
        let pv = max(0, s.pvAvailableW.isFinite ? s.pvAvailableW : 0)
        let floor = -max(0, s.chargeHeadroomW.isFinite ? s.chargeHeadroomW : 0)
        var battery = s.batteryW.isFinite ? max(floor, s.batteryW) : 0
        if s.absorb { battery = floor }
        var export = pv + battery - load
        guard export > limit else { return Plan(batteryW: battery, pvLimitW: nil, exportW: export) }
        // The battery first: less discharge, then more charge, down to its floor.
        let soak = min(export - limit, battery - floor)
        battery -= soak
        export -= soak
        guard export > limit else { return Plan(batteryW: battery, pvLimitW: nil, exportW: export) }
        // Then the PV, by the excess only: it still serves load and charging.
        let pvLimit = max(0, pv - (export - limit))
        return Plan(batteryW: battery, pvLimitW: pvLimit, exportW: pvLimit + battery - load)
    }
}
