/// What a SunSpec device's models mean in the unified catalog: for each
/// catalog point, the SunSpec points it is read from (in order of
/// preference, the same lists as registry/catalog/points.json, which a test
/// holds this table to), and the conversions between the two:
///
/// - percentages become fractions (SoC 57 % -> 0.57, PF 98 % -> 0.98);
/// - meters (201-204) report W positive when the site imports (power
///   delivered to it); the catalog's ac.w is positive out toward the grid,
///   so a meter's W, and its exported and imported energy, are read so;
/// - 701's InvSt counts from 0 (OFF) where the catalog's inverter.state
///   uses the 101-103 St codes, which count from 1.
public enum SunSpecProfile {
    /// Which side of a SunSpec device a Manta device reads.
    public enum Role: Sendable, Equatable {
        /// Inverter, storage and battery models (PV, hybrid inverters, batteries).
        case inverter
        /// The `index`-th meter model (201-204) in the chain.
        case meter(index: Int)
    }

    static let inverterModels: [UInt16] = [701, 101, 102, 103, 111, 112, 113]
    static let meterModels: Set<UInt16> = [201, 202, 203, 204]

    /// Catalog point -> "model.point" sources, most preferred first.
    public static let sources: [(point: String, from: [String])] = [
        ("ac.w", ["701.W", "101.W", "102.W", "103.W", "111.W", "112.W", "113.W", "201.W", "202.W", "203.W", "204.W"]),
        ("ac.var", ["701.Var", "101.VAr", "102.VAr", "103.VAr", "111.VAr", "112.VAr", "113.VAr", "201.VAR", "202.VAR", "203.VAR", "204.VAR"]),
        ("ac.hz", ["701.Hz", "101.Hz", "102.Hz", "103.Hz", "111.Hz", "112.Hz", "113.Hz", "201.Hz", "202.Hz", "203.Hz", "204.Hz"]),
        ("ac.v", ["701.VL1", "101.PhVphA", "102.PhVphA", "103.PhVphA", "111.PhVphA", "112.PhVphA", "113.PhVphA", "201.PhVphA", "202.PhVphA", "203.PhVphA", "204.PhVphA"]),
        ("ac.va", ["701.VA", "101.VA", "102.VA", "103.VA", "111.VA", "112.VA", "113.VA", "201.VA", "202.VA", "203.VA", "204.VA"]),
        ("ac.pf", ["701.PF", "101.PF", "102.PF", "103.PF", "111.PF", "112.PF", "113.PF", "201.PF", "202.PF", "203.PF", "204.PF"]),
        ("ac.a", ["701.A", "101.A", "102.A", "103.A", "111.A", "112.A", "113.A", "201.A", "202.A", "203.A", "204.A"]),
        ("dc.w", ["714.DCW", "101.DCW", "102.DCW", "103.DCW", "111.DCW", "112.DCW", "113.DCW"]),
        ("dc.v", ["101.DCV", "102.DCV", "103.DCV", "111.DCV", "112.DCV", "113.DCV"]),
        ("dc.a", ["714.DCA", "101.DCA", "102.DCA", "103.DCA", "111.DCA", "112.DCA", "113.DCA"]),
        ("battery.soc", ["802.SoC", "713.SoC", "124.ChaState"]),
        ("battery.w", ["802.W"]),
        ("battery.soh", ["802.SoH", "713.SoH"]),
        ("battery.v", ["802.V", "124.InBatV"]),
        ("battery.a", ["802.A"]),
        ("battery.state", ["802.ChaSt", "124.ChaSt"]),
        ("battery.cycles", ["802.NCyc"]),
        ("energy.export_wh", ["701.TotWhInj", "201.TotWhExp", "202.TotWhExp", "203.TotWhExp", "204.TotWhExp", "101.WH", "102.WH", "103.WH", "111.WH", "112.WH", "113.WH"]),
        ("energy.import_wh", ["701.TotWhAbs", "201.TotWhImp", "202.TotWhImp", "203.TotWhImp", "204.TotWhImp"]),
        ("energy.charge_wh", ["714.DCWhAbs"]),
        ("energy.discharge_wh", ["714.DCWhInj"]),
        ("temp.cabinet", ["701.TmpCab", "101.TmpCab", "102.TmpCab", "103.TmpCab", "111.TmpCab", "112.TmpCab", "113.TmpCab"]),
        ("temp.heatsink", ["701.TmpSnk", "101.TmpSnk", "102.TmpSnk", "103.TmpSnk", "111.TmpSnk", "112.TmpSnk", "113.TmpSnk"]),
        ("inverter.state", ["103.St", "101.St", "102.St", "111.St", "112.St", "113.St", "701.InvSt"]),
    ]

    /// The models a device in `role` reads, from the device's map.
    public static func entries(_ map: SunSpecMap, role: Role) -> [SunSpecMap.Entry] {
        switch role {
        case .inverter:
            return map.models.filter { !meterModels.contains($0.id) && SunSpec.model($0.id) != nil && $0.id != 1 }
        case .meter(let index):
            let meters = map.models.filter { meterModels.contains($0.id) }
            return index < meters.count ? [meters[index]] : []
        }
    }

    /// Catalog values from the blocks read for one device. `invertPower`
    /// is for a device wired the other way round (a meter's current
    /// transformer turned): its AC power changes sign and its exported and
    /// imported energy swap.
    public static func values(_ blocks: [SunSpecBlock], invertPower: Bool = false) -> [(point: String, value: Double)] {
        var byModel: [UInt16: SunSpecBlock] = [:]
        for b in blocks where byModel[b.entry.id] == nil { byModel[b.entry.id] = b }
        var out: [(String, Double)] = []
        for (point, from) in parsedSources {
            for (id, name) in from {
                guard let block = byModel[id], let p = block.model.point(name), var v = block.value(name) else { continue }
                if p.isPercent { v /= 100 }
                if id == 701 && name == "InvSt" { v += 1 }
                // Meters count import as positive; the catalog counts export.
                if meterModels.contains(id) && acFlows.contains(point) { v = -v }
                out.append(invertPower ? reversed(point, v) : (point, v))
                break
            }
        }
        return out
    }

    /// `sources` split once into (model, point), so a poll does not parse them.
    static let parsedSources: [(point: String, from: [(model: UInt16, name: String)])] = sources.map { point, from in
        (point, from.map { source in
            let parts = source.split(separator: ".", maxSplits: 1)
            return (UInt16(parts[0])!, String(parts[1]))
        })
    }

    static let acFlows: Set<String> = ["ac.w", "ac.var", "ac.a"]

    /// A reading from a device wired the other way round (a meter's current
    /// transformer turned): AC flows change sign, exported and imported
    /// energy swap. Template devices are reversed the same way.
    static func reversed(_ point: String, _ value: Double) -> (point: String, value: Double) {
        switch point {
        case "energy.export_wh": return ("energy.import_wh", value)
        case "energy.import_wh": return ("energy.export_wh", value)
        case _ where acFlows.contains(point): return (point, -value)
        default: return (point, value)
        }
    }
}
