import MantaModbus

/// A SunSpec register map built in Swift, for the Swift tests and the
/// benchmarks: the marker, then each model (id, L, its points at the
/// offsets of Manta's model table, everything else 0), then the end.
/// (The Python tests lay maps out from pysunspec2 instead, independently.)
public struct SunSpecImage {
    public let base: Int
    public private(set) var registers: [UInt16]

    public init(base: Int = 40000) {
        self.base = base
        registers = SunSpec.marker
    }

    /// Appends model `id` with length `length` and raw point values.
    public mutating func add(_ id: UInt16, length: Int, _ values: [String: Double] = [:], strings: [String: String] = [:]) {
        var block = [UInt16](repeating: 0, count: length + 2)
        block[0] = id
        block[1] = UInt16(length)
        let model = SunSpec.model(id)
        for (name, v) in values {
            guard let p = model?.point(name), let regs = RegisterCodec.encode(v, p.type), p.offset + regs.count <= block.count else {
                fatalError("model \(id) has no point \(name) for \(v)")
            }
            for (i, r) in regs.enumerated() { block[p.offset + i] = r }
        }
        for (name, text) in strings {
            guard let p = model?.point(name) else { fatalError("model \(id) has no point \(name)") }
            var bytes = Array(text.utf8.prefix(p.size * 2))
            bytes += [UInt8](repeating: 0, count: p.size * 2 - bytes.count)
            for i in 0..<p.size { block[p.offset + i] = UInt16(bytes[2 * i]) << 8 | UInt16(bytes[2 * i + 1]) }
        }
        registers += block
    }

    /// The map as holding registers, with the end marker.
    public var holding: [Int: UInt16] {
        var out: [Int: UInt16] = [:]
        for (i, r) in (registers + [SunSpec.endOfModels, 0]).enumerated() { out[base + i] = r }
        return out
    }

    /// A hybrid inverter as the benchmarks and tests use it: common, 103,
    /// 120, 123 and 124, with the given power and state of charge.
    public static func hybrid(serial: String, watts: Double = 3200, socPercent: Double = 57) -> SunSpecImage {
        var s = SunSpecImage()
        s.add(1, length: 66, strings: ["Mn": "SunSim", "Md": "Hybrid 5", "SN": serial, "Vr": "1.0"])
        s.add(103, length: 50, ["W": watts, "W_SF": 0, "Hz": 5002, "Hz_SF": -2, "PhVphA": 2315, "V_SF": -1, "A": 139,
                                "A_SF": -1, "WH": 1_234_567, "WH_SF": 0, "St": 4, "TmpCab": 415, "Tmp_SF": -1,
                                "DCW": watts + 150, "DCW_SF": 0])
        s.add(120, length: 26, ["WRtg": 5000, "WRtg_SF": 0, "WHRtg": 10000, "WHRtg_SF": 0, "MaxChaRte": 5000,
                                "MaxChaRte_SF": 0, "MaxDisChaRte": 5000, "MaxDisChaRte_SF": 0])
        s.add(123, length: 24, ["WMaxLimPct": 100, "WMaxLimPct_SF": 0, "WMaxLim_Ena": 0])
        s.add(124, length: 24, ["WChaMax": 5000, "WChaMax_SF": 0, "ChaState": socPercent * 10, "ChaState_SF": -1,
                                "InOutWRte_SF": 0, "StorCtl_Mod": 0, "ChaSt": 4])
        return s
    }
}
