import MantaJSON
import MantaKit

/// The sim driver's configuration (schema and every default in
/// ../manifest.json; the host fills the defaults in before create).
struct SimConfig: Decodable {
    var homes: Int
    var sitePrefix: String
    var seed: UInt64
    var publishIntervalMs: Int64
    var spread: Double
    var battery: Battery
    var pv: PV
    /// Each home also has a grid meter and a household load.
    var meters: Bool
    var load: Load
    var faults: [Fault]
    /// A replayed frequency trace the batteries answer (frequency response).
    var frequency: Frequency?

    enum CodingKeys: String, CodingKey {
        case homes, sitePrefix = "site_prefix", seed, publishIntervalMs = "publish_interval_ms", spread
        case battery, pv, meters, load, faults, frequency
    }

    /// Where the batteries' measured frequency comes from, and how their
    /// frequency controllers answer it.
    struct Frequency: Decodable {
        var file: String
        var column: String
        /// Host-clock seconds after start at which the trace begins to play.
        var startAfterS: Double
        /// Seconds at the trace's start that are skipped.
        var skipS: Double
        /// The controller's own droop: full response at this deviation from
        /// 50 Hz, when a setpoint does not say.
        var fullResponseHz: Double
        /// How long the controller takes to answer a change of frequency.
        var responseMs: Int64

        enum CodingKeys: String, CodingKey {
            case file, column, startAfterS = "start_after_s", skipS = "skip_s", fullResponseHz = "full_response_hz"
            case responseMs = "response_ms"
        }
    }

    struct Load: Decodable {
        var meanW: Double
        /// "typical" or "ausgrid"
        var profile: String
        var file: String?

        enum CodingKeys: String, CodingKey {
            case meanW = "mean_w", profile, file
        }
    }

    /// A device made to read wrong, for diagnostics to find.
    struct Fault: Decodable {
        enum Kind: String, Decodable, CaseIterable {
            case signFlip = "sign_flip", stuck, silent, offset
            /// A battery that acknowledges setpoints and does not follow them.
            case ignoresSetpoints = "ignores_setpoints"
        }
        var key: String
        var kind: Kind
        var offsetW: Double

        enum CodingKeys: String, CodingKey {
            case key = "device", kind = "fault", offsetW = "offset_w"
        }
    }

    struct Battery: Decodable {
        var capacityWh: Double
        var maxChargeW: Double
        var maxDischargeW: Double
        var roundTripEfficiency: Double
        var socMin: Double
        var socMax: Double
        var initialSoc: Double

        enum CodingKeys: String, CodingKey {
            case capacityWh = "capacity_wh", maxChargeW = "max_charge_w", maxDischargeW = "max_discharge_w"
            case roundTripEfficiency = "round_trip_efficiency", socMin = "soc_min", socMax = "soc_max"
            case initialSoc = "initial_soc"
        }
    }

    struct PV: Decodable {
        var peakW: Double
        /// "clear_sky" or "ausgrid"
        var profile: String
        var file: String?
        var latitude: Double
        var longitude: Double

        enum CodingKeys: String, CodingKey {
            case peakW = "peak_w", profile, file, latitude, longitude
        }
    }

    /// Decodes the config, then checks what its schema cannot say.
    init(_ c: JSON) throws(PluginError) {
        self = try PluginConfig.decode(SimConfig.self, from: c)
        guard homes >= 0 else { throw .config("homes: must be >= 0") }
        if load.profile == "ausgrid" && load.file == nil { throw .config("load.file: required when load.profile is \"ausgrid\"") }
        guard publishIntervalMs >= 100 else { throw .config("publish_interval_ms: must be >= 100") }
        guard battery.socMin <= battery.initialSoc, battery.initialSoc <= battery.socMax else {
            throw .config("battery.initial_soc: must lie within [soc_min, soc_max]")
        }
        guard (0...0.5).contains(spread) else { throw .config("spread: must be within [0, 0.5]") }
        if pv.profile == "ausgrid" && pv.file == nil { throw .config("pv.file: required when pv.profile is \"ausgrid\"") }
    }
}

/// SplitMix64: a tiny, well-mixed, reproducible generator, so that the same
/// seed builds the same fleet on every machine.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func symmetric() -> Double { Double(next() >> 11) / Double(1 << 52) - 1 }
}
