import MantaABI
import MantaSDK
import Testing

/// The ABI's enums carry the SDK's #define codes, name themselves for the
/// JSON edge, and map a code they do not know to a safe case.
@Suite struct Codes {
    @Test func rawValuesAreTheSDKsCodes() {
        #expect(SetpointOutcome.Outcome.allCases.map(\.rawValue)
            == [MANTA_OUTCOME_APPLIED, MANTA_OUTCOME_CLAMPED, MANTA_OUTCOME_REJECTED, MANTA_OUTCOME_FAILED])
        #expect(BidStatus.allCases.map(\.rawValue)
            == [MANTA_BID_ACCEPTED, MANTA_BID_CLEARED, MANTA_BID_NOT_CLEARED, MANTA_BID_REJECTED])
        #expect(SetpointMode.allCases.map(\.rawValue) == [MANTA_SETPOINT_ACTIVE_POWER, MANTA_SETPOINT_EXPORT_LIMIT,
                                                         MANTA_SETPOINT_RAISE_RESPONSE, MANTA_SETPOINT_LOWER_RESPONSE])
        #expect(PriceStatus.allCases.map(\.rawValue) == [MANTA_PRICE_FIRM, MANTA_PRICE_FORECAST])
        #expect(LogLevel.allCases.map(\.rawValue) == [MANTA_LOG_DEBUG, MANTA_LOG_INFO, MANTA_LOG_WARN, MANTA_LOG_ERROR])
        #expect(DeviceKind.allCases.map(\.rawValue) == [
            MANTA_DEVICE_PV_INVERTER, MANTA_DEVICE_BATTERY, MANTA_DEVICE_HYBRID_INVERTER, MANTA_DEVICE_METER,
            MANTA_DEVICE_EV_CHARGER, MANTA_DEVICE_LOAD,
        ])
    }

    @Test func namesAreWhatTheAPIAndTheStoreSay() {
        #expect(SetpointOutcome.Outcome.allCases.map(\.name) == ["applied", "clamped", "rejected", "failed"])
        #expect(BidStatus.allCases.map(\.name) == ["accepted", "cleared", "not_cleared", "rejected"])
        #expect(SetpointMode.allCases.map(\.name) == ["active_power", "export_limit", "raise_response", "lower_response"])
        #expect(SetpointMode(name: "export_limit") == .exportLimit && SetpointMode(name: "power") == nil)
        #expect(PriceStatus.allCases.map(\.name) == ["firm", "forecast"])
        #expect(LogLevel.allCases.map(\.name) == ["debug", "info", "warn", "error"])
    }

    @Test func unknownCodesFromAPluginMapToASafeCase() {
        // Never taken as applied, cleared or forecast on a guess.
        #expect(SetpointOutcome.Outcome(code: 0) == .failed)
        #expect(SetpointOutcome.Outcome(code: 17) == .failed)
        #expect(SetpointOutcome.Outcome(code: MANTA_OUTCOME_CLAMPED) == .clamped)
        #expect(BidStatus(code: -3) == .rejected)
        #expect(BidStatus(code: MANTA_BID_NOT_CLEARED) == .notCleared)
        #expect(PriceStatus(code: 0) == .firm && PriceStatus(code: MANTA_PRICE_FORECAST) == .forecast)
        // A level between two is the lower one; out of range is clamped.
        #expect(LogLevel(code: 25) == .info && LogLevel(code: 0) == .debug && LogLevel(code: 99) == .error)
        #expect(LogLevel(code: MANTA_LOG_WARN) == .warn)
    }
}
