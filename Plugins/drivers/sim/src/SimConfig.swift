import MantaJSON
import MantaKit

/// The sim driver's configuration (schema in ../manifest.json).
struct SimConfig {
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

    struct Load {
        var meanW: Double
        /// "typical" or "ausgrid"
        var profile: String
        var file: String?
    }

    /// A device made to read wrong, for diagnostics to find.
    struct Fault {
        enum Kind: String { case signFlip = "sign_flip", stuck, silent, offset }
        var key: String
        var kind: Kind
        var offsetW: Double
    }

    struct Battery {
        var capacityWh: Double
        var maxChargeW: Double
        var maxDischargeW: Double
        var roundTripEfficiency: Double
        var socMin: Double
        var socMax: Double
        var initialSoc: Double
    }

    struct PV {
        var peakW: Double
        /// "clear_sky" or "ausgrid"
        var profile: String
        var file: String?
        var latitude: Double
        var longitude: Double
    }

    init(_ c: JSON) throws(PluginError) {
        func num(_ v: JSON?, _ field: String, _ fallback: Double) throws(PluginError) -> Double {
            guard let v else { return fallback }
            guard let n = v.number, n.isFinite else { throw .config("\(field): must be a number") }
            return n
        }
        homes = Int(try num(c["homes"], "homes", 10))
        sitePrefix = c["site_prefix"]?.string ?? "home-"
        seed = UInt64(try num(c["seed"], "seed", 1))
        publishIntervalMs = Int64(try num(c["publish_interval_ms"], "publish_interval_ms", 5000))
        spread = try num(c["spread"], "spread", 0.1)
        let b = c["battery"] ?? .object(JSONObject())
        battery = Battery(
            capacityWh: try num(b["capacity_wh"], "battery.capacity_wh", 13_500),
            maxChargeW: try num(b["max_charge_w"], "battery.max_charge_w", 5000),
            maxDischargeW: try num(b["max_discharge_w"], "battery.max_discharge_w", 5000),
            roundTripEfficiency: try num(b["round_trip_efficiency"], "battery.round_trip_efficiency", 0.9),
            socMin: try num(b["soc_min"], "battery.soc_min", 0.1),
            socMax: try num(b["soc_max"], "battery.soc_max", 1.0),
            initialSoc: try num(b["initial_soc"], "battery.initial_soc", 0.5))
        let p = c["pv"] ?? .object(JSONObject())
        pv = PV(
            peakW: try num(p["peak_w"], "pv.peak_w", 6600), profile: p["profile"]?.string ?? "clear_sky",
            file: p["file"]?.string, latitude: try num(p["latitude"], "pv.latitude", -37.81),
            longitude: try num(p["longitude"], "pv.longitude", 144.96))
        meters = c["meters"]?.bool ?? false
        let l = c["load"] ?? .object(JSONObject())
        load = Load(meanW: try num(l["mean_w"], "load.mean_w", 700), profile: l["profile"]?.string ?? "typical",
                    file: l["file"]?.string)
        faults = []
        for (i, f) in (c["faults"]?.array ?? []).enumerated() {
            guard let key = f["device"]?.string, let kind = f["fault"]?.string.flatMap(Fault.Kind.init(rawValue:)) else {
                throw .config("faults[\(i)]: needs device (a key such as home-002.meter) and fault (sign_flip, stuck, silent, offset)")
            }
            faults.append(Fault(key: key, kind: kind, offsetW: try num(f["offset_w"], "faults[\(i)].offset_w", 0)))
        }
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
