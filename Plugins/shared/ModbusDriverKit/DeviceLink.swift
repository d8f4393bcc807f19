import MantaIO
import MantaKit
import MantaModbus
import MantaSDK

/// One Modbus device as a driver keeps it: its connection, what it is, and
/// whether it can be reached.
///
/// Every exchange holds the link's lock, so a poll and a setpoint never
/// interleave on the wire. A failure marks the device offline with the
/// reason, closes the connection when it is no longer in step, and waits
/// 1, 2, 4 ... 60 s before trying again; other devices are not affected.
public final class DeviceLink: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`.
    let index: Int
    let config: ModbusDeviceConfig
    private let profile: DeviceProfile
    private let client: ModbusClient
    private let lock = Lock()

    private var attached = false
    private(set) var identity = DeviceIdentity()
    private(set) var ratings = DeviceRatingsRead()
    private var canSetActivePower = false
    private var canLimitExport = false
    /// What the driver last told the host: online, and why not.
    private var reported: (online: Bool, reason: String)?
    private var retryAtMs: Int64 = 0
    private var backoffMs: Int64 = 0
    /// A poll is running (the next one is skipped rather than queued).
    private var busy = false
    /// Host-clock ends of the setpoints written, to release them when due.
    private var activePowerUntil: Int64?
    private var exportLimitUntil: Int64?
    /// A limit the device had that Manta did not write: never loosened.
    private(set) var ownLimitW: Double?
    private var writtenLimitW: Double?

    init(index: Int, config: ModbusDeviceConfig, profile: DeviceProfile, timeouts: ModbusClient.Timeouts) {
        self.index = index
        self.config = config
        self.profile = profile
        client = ModbusClient(host: config.host, port: config.port, timeouts: timeouts)
    }

    var endpoint: String { "\(config.host):\(config.port) unit \(config.unitID)" }

    /// Claims the link for one poll; false while one is running.
    func claim() -> Bool {
        lock.withLock {
            guard !busy else { return false }
            busy = true
            return true
        }
    }

    /// Connects and identifies the device when needed, then reads it. The
    /// values, or nil (offline, or still waiting to retry). `report` is told
    /// of every change between online and offline.
    func poll(report: (Bool, String) -> Void) -> [(point: String, value: Double)]? {
        lock.withLock {
            defer { busy = false }
            do throws(DeviceError) {
                guard try ready() else { return nil }
                let values = try profile.poll(client, unit: config.unitID)
                backoffMs = 0
                mark(true, "", report)
                return values
            } catch {
                fail(error, report)
                return nil
            }
        }
    }

    /// Connects and attaches if not attached; false while waiting to retry.
    private func ready() throws(DeviceError) -> Bool {
        if attached && client.isConnected { return true }
        guard WallClock.monotonicMs() >= retryAtMs else { return false }
        if !client.isConnected { try DeviceError.io { () throws(ModbusError) in try client.connect() } }
        (identity, ratings) = try profile.attach(client, unit: config.unitID)
        canSetActivePower = profile.canSetActivePower
        canLimitExport = profile.canLimitExport
        if canLimitExport {
            // A device that will not say (an exception) has no limit we know of.
            var limit: Double?
            do { limit = try profile.exportLimit(client, unit: config.unitID) } catch {
                guard case .modbus(.exception) = error else { throw error }
            }
            if let limit, limit != writtenLimitW { ownLimitW = limit }
        }
        attached = true
        return true
    }

    private func fail(_ error: DeviceError, _ report: (Bool, String) -> Void) {
        switch error {
        case .modbus(let e) where !e.connectionUsable: client.close()
        case .mismatch: attached = false
        default: break
        }
        if !client.isConnected { attached = false }
        backoffMs = min(60_000, max(1000, backoffMs * 2))
        retryAtMs = WallClock.monotonicMs() + backoffMs
        mark(false, "\(endpoint): \(error) (retrying in \(backoffMs / 1000) s)", report)
    }

    private func mark(_ online: Bool, _ reason: String, _ report: (Bool, String) -> Void) {
        // Only a change of state is news; a new retry time is not.
        guard reported?.online != online else { return }
        reported = (online, reason)
        report(online, reason)
    }

    /// The device's info for the host (config ratings win over what it reports).
    public func info() -> DeviceInfo {
        lock.withLock {
            var d = DeviceInfo(kind: ModbusDeviceConfig.kinds[config.kind]!, key: config.key, site: config.site)
            d.manufacturer = identity.manufacturer
            d.model = identity.model
            d.serial = identity.serial
            let r = config.ratings
            let power = powerLimits()
            d.ratings.ratedPowerW = power.rated ?? .nan
            d.ratings.maxChargeW = power.charge ?? 0
            d.ratings.maxDischargeW = power.discharge ?? 0
            d.ratings.capacityWh = r["capacity_wh"] ?? ratings.capacityWh ?? .nan
            d.ratings.socMin = r["soc_min"] ?? ratings.socMin ?? 0
            d.ratings.socMax = r["soc_max"] ?? ratings.socMax ?? 1
            d.ratings.roundTripEfficiency = r["round_trip_efficiency"] ?? .nan
            d.readOnly = config.readOnly
            d.controllable = !config.readOnly && (canSetActivePower || canLimitExport)
            return d
        }
    }

    // MARK: control

    /// Applies a setpoint, reading back what the device took.
    func apply(_ sp: Setpoint, nowMs: Int64, report: (Bool, String) -> Void) -> SetpointOutcome {
        // Never written: not even a connection attempt on its account.
        guard !config.readOnly else { return SetpointOutcome(.rejected, applied: .nan, "read-only device: never written") }
        return lock.withLock {
            do throws(DeviceError) {
                guard try ready() else {
                    return SetpointOutcome(.failed, applied: .nan, "offline: \(reported?.reason ?? "not connected")")
                }
                let validS = Int(max(1, (sp.validUntilMs - nowMs + 999) / 1000))
                switch sp.mode {
                case .activePower:
                    return try activePower(sp.value, validS: validS, until: sp.validUntilMs)
                case .exportLimit:
                    return try exportLimit(sp.value, validS: validS, until: sp.validUntilMs)
                case .raiseResponse, .lowerResponse:
                    // SunSpec has no frequency-droop enablement a VPP may set per interval.
                    return SetpointOutcome(.rejected, applied: .nan, "no frequency controller on a Modbus device")
                }
            } catch {
                fail(error, report)
                return SetpointOutcome(.failed, applied: .nan, error.description)
            }
        }
    }

    private func activePower(_ requested: Double, validS: Int, until: Int64) throws(DeviceError) -> SetpointOutcome {
        guard canSetActivePower else { return SetpointOutcome(.rejected, applied: .nan, "no active power control") }
        let d = powerLimits()
        var target = min(max(requested, -(d.charge ?? .infinity)), d.discharge ?? .infinity)
        var why = target != requested ? "held to the device's rating" : ""
        if let own = ownLimitW, target > own {
            target = own
            why = "held to the device's own export limit of \(Int(own)) W"
        }
        let result = try profile.setActivePower(target, validS: validS, client, unit: config.unitID)
        activePowerUntil = until
        return Self.outcome(requested: requested, applied: result.appliedW, why: why)
    }

    private func exportLimit(_ requested: Double, validS: Int, until: Int64) throws(DeviceError) -> SetpointOutcome {
        guard canLimitExport else { return SetpointOutcome(.rejected, applied: .nan, "no export limit control") }
        guard requested >= 0 else { return SetpointOutcome(.rejected, applied: .nan, "an export limit is >= 0 W") }
        if let own = ownLimitW, requested >= own {
            return SetpointOutcome(.clamped, applied: own,
                                   "the device's own limit of \(Int(own)) W stays in force (not overwritten)")
        }
        let result = try profile.setExportLimit(requested, validS: validS, client, unit: config.unitID)
        writtenLimitW = result.appliedW
        exportLimitUntil = until
        return Self.outcome(requested: requested, applied: result.appliedW, why: "")
    }

    /// What a write came to: applied as asked (within 1 % or 1 W), a smaller
    /// magnitude (clamped), or something else (failed: the device did not
    /// take it, which must never be reported as applied).
    static func outcome(requested: Double, applied: Double, why: String) -> SetpointOutcome {
        let tolerance = max(1, abs(requested) * 0.01)
        if abs(applied - requested) <= tolerance { return SetpointOutcome(.applied, applied: applied, why) }
        if (applied == 0 || applied.sign == requested.sign) && abs(applied) < abs(requested) {
            return SetpointOutcome(.clamped, applied: applied,
                                   why.isEmpty ? "the device took \(Int(applied.rounded())) W" : why)
        }
        return SetpointOutcome(.failed, applied: applied, "read back \(Int(applied.rounded())) W, not \(Int(requested.rounded())) W")
    }

    /// Hands back control whose validity has ended, where the device would
    /// not do so itself.
    func releaseExpired(nowMs: Int64, report: (Bool, String) -> Void) {
        lock.withLock {
            do throws(DeviceError) {
                if let until = activePowerUntil, until <= nowMs, attached {
                    activePowerUntil = nil
                    try profile.releaseActivePower(client, unit: config.unitID)
                }
                if let until = exportLimitUntil, until <= nowMs, attached {
                    exportLimitUntil = nil
                    writtenLimitW = nil
                    try profile.releaseExportLimit(client, unit: config.unitID)
                }
            } catch {
                fail(error, report)
            }
        }
    }

    /// Rated, charge and discharge power: the config's, else the device's,
    /// else the rated power (charging only for storage); nil when unknown.
    private func powerLimits() -> (rated: Double?, charge: Double?, discharge: Double?) {
        let r = config.ratings
        let rated = r["rated_power_w"] ?? ratings.ratedPowerW
        let stores = config.kind == "battery" || config.kind == "hybrid_inverter"
        return (rated, r["max_charge_w"] ?? ratings.maxChargeW ?? (stores ? rated : 0),
                r["max_discharge_w"] ?? ratings.maxDischargeW ?? rated)
    }

    func close() { lock.withLock { client.close() } }
}
