/// The definitions of the SunSpec models Manta uses, from the SunSpec
/// Information Model Specification and its model definitions (point names,
/// offsets, types, scale factors and units). Only the points Manta reads or
/// writes are listed, with every scale factor they need. A test checks each
/// against pysunspec2's copy of the SunSpec model definitions.
extension SunSpec {
    typealias P = Point

    static let common = Model(id: 1, name: "common", points: [
        P("Mn", 2, .string, size: 16), P("Md", 18, .string, size: 16), P("Opt", 34, .string, size: 8),
        P("Vr", 42, .string, size: 8), P("SN", 50, .string, size: 16), P("DA", 66, .u16, writable: true),
    ])

    /// 101 single phase, 102 split phase, 103 three phase: integers with scale factors.
    static func intInverter(_ id: UInt16) -> Model {
        Model(id: id, name: "inverter", points: [
            P("A", 2, .u16, sf: "A_SF", units: "A"), P("A_SF", 6, .sunssf),
            P("PhVphA", 10, .u16, sf: "V_SF", units: "V"), P("V_SF", 13, .sunssf),
            P("W", 14, .i16, sf: "W_SF", units: "W"), P("W_SF", 15, .sunssf),
            P("Hz", 16, .u16, sf: "Hz_SF", units: "Hz"), P("Hz_SF", 17, .sunssf),
            P("VA", 18, .i16, sf: "VA_SF", units: "VA"), P("VA_SF", 19, .sunssf),
            P("VAr", 20, .i16, sf: "VAr_SF", units: "var"), P("VAr_SF", 21, .sunssf),
            P("PF", 22, .i16, sf: "PF_SF", units: "Pct"), P("PF_SF", 23, .sunssf),
            P("WH", 24, .acc32, sf: "WH_SF", units: "Wh"), P("WH_SF", 26, .sunssf),
            P("DCA", 27, .u16, sf: "DCA_SF", units: "A"), P("DCA_SF", 28, .sunssf),
            P("DCV", 29, .u16, sf: "DCV_SF", units: "V"), P("DCV_SF", 30, .sunssf),
            P("DCW", 31, .i16, sf: "DCW_SF", units: "W"), P("DCW_SF", 32, .sunssf),
            P("TmpCab", 33, .i16, sf: "Tmp_SF", units: "C"), P("TmpSnk", 34, .i16, sf: "Tmp_SF", units: "C"),
            P("Tmp_SF", 37, .sunssf), P("St", 38, .enum16),
        ])
    }

    /// 111, 112, 113: the same as floats (Fronius's default).
    static func floatInverter(_ id: UInt16) -> Model {
        Model(id: id, name: "inverter (float)", points: [
            P("A", 2, .f32, units: "A"), P("PhVphA", 16, .f32, units: "V"), P("W", 22, .f32, units: "W"),
            P("Hz", 24, .f32, units: "Hz"), P("VA", 26, .f32, units: "VA"), P("VAr", 28, .f32, units: "var"),
            P("PF", 30, .f32, units: "Pct"), P("WH", 32, .f32, units: "Wh"), P("DCA", 34, .f32, units: "A"),
            P("DCV", 36, .f32, units: "V"), P("DCW", 38, .f32, units: "W"), P("TmpCab", 40, .f32, units: "C"),
            P("TmpSnk", 42, .f32, units: "C"), P("St", 48, .enum16),
        ])
    }

    static let nameplate = Model(id: 120, name: "nameplate", points: [
        P("DERTyp", 2, .enum16), P("WRtg", 3, .u16, sf: "WRtg_SF", units: "W"), P("WRtg_SF", 4, .sunssf),
        P("WHRtg", 19, .u16, sf: "WHRtg_SF", units: "Wh"), P("WHRtg_SF", 20, .sunssf),
        P("MaxChaRte", 23, .u16, sf: "MaxChaRte_SF", units: "W"), P("MaxChaRte_SF", 24, .sunssf),
        P("MaxDisChaRte", 25, .u16, sf: "MaxDisChaRte_SF", units: "W"), P("MaxDisChaRte_SF", 26, .sunssf),
    ])

    static let basicSettings = Model(id: 121, name: "settings", points: [
        P("WMax", 2, .u16, sf: "WMax_SF", units: "W"), P("WMax_SF", 22, .sunssf),
    ])

    static let immediateControls = Model(id: 123, name: "controls", points: [
        P("Conn", 4, .enum16, writable: true),
        P("WMaxLimPct", 5, .u16, sf: "WMaxLimPct_SF", units: "% WMax", writable: true),
        P("WMaxLimPct_WinTms", 6, .u16, units: "Secs", writable: true),
        P("WMaxLimPct_RvrtTms", 7, .u16, units: "Secs", writable: true),
        P("WMaxLim_Ena", 9, .enum16, writable: true), P("WMaxLimPct_SF", 23, .sunssf),
    ])

    static let storage = Model(id: 124, name: "storage", points: [
        P("WChaMax", 2, .u16, sf: "WChaMax_SF", units: "W", writable: true),
        P("StorCtl_Mod", 5, .bitfield16, writable: true),
        P("ChaState", 8, .u16, sf: "ChaState_SF", units: "% AhrRtg"), P("InBatV", 10, .u16, sf: "InBatV_SF", units: "V"),
        P("ChaSt", 11, .enum16),
        P("OutWRte", 12, .i16, sf: "InOutWRte_SF", units: "% WDisChaMax", writable: true),
        P("InWRte", 13, .i16, sf: "InOutWRte_SF", units: "% WChaMax", writable: true),
        P("InOutWRte_WinTms", 14, .u16, units: "Secs", writable: true),
        P("InOutWRte_RvrtTms", 15, .u16, units: "Secs", writable: true),
        P("WChaMax_SF", 18, .sunssf), P("ChaState_SF", 22, .sunssf), P("InBatV_SF", 24, .sunssf),
        P("InOutWRte_SF", 25, .sunssf),
    ])

    /// 201 single phase, 202 split phase, 203 wye, 204 delta: one layout.
    static func meter(_ id: UInt16) -> Model {
        Model(id: id, name: "meter", points: [
            P("A", 2, .i16, sf: "A_SF", units: "A"), P("A_SF", 6, .sunssf),
            P("PhVphA", 8, .i16, sf: "V_SF", units: "V"), P("V_SF", 15, .sunssf),
            P("Hz", 16, .i16, sf: "Hz_SF", units: "Hz"), P("Hz_SF", 17, .sunssf),
            P("W", 18, .i16, sf: "W_SF", units: "W"), P("W_SF", 22, .sunssf),
            P("VA", 23, .i16, sf: "VA_SF", units: "VA"), P("VA_SF", 27, .sunssf),
            P("VAR", 28, .i16, sf: "VAR_SF", units: "var"), P("VAR_SF", 32, .sunssf),
            P("PF", 33, .i16, sf: "PF_SF", units: "Pct"), P("PF_SF", 37, .sunssf),
            P("TotWhExp", 38, .acc32, sf: "TotWh_SF", units: "Wh"), P("TotWhImp", 46, .acc32, sf: "TotWh_SF", units: "Wh"),
            P("TotWh_SF", 54, .sunssf),
        ])
    }

    static let derMeasurement = Model(id: 701, name: "DER AC measurement", points: [
        P("St", 3, .enum16), P("InvSt", 4, .enum16),
        P("W", 10, .i16, sf: "W_SF", units: "W"), P("VA", 11, .i16, sf: "VA_SF", units: "VA"),
        P("Var", 12, .i16, sf: "Var_SF", units: "Var"), P("PF", 13, .i16, sf: "PF_SF"),
        P("A", 14, .i16, sf: "A_SF", units: "A"), P("Hz", 17, .u32, sf: "Hz_SF", units: "Hz"),
        P("TotWhInj", 19, .u64, sf: "TotWh_SF", units: "Wh"), P("TotWhAbs", 23, .u64, sf: "TotWh_SF", units: "Wh"),
        P("TmpCab", 36, .i16, sf: "Tmp_SF", units: "C"), P("TmpSnk", 37, .i16, sf: "Tmp_SF", units: "C"),
        P("VL1", 47, .u16, sf: "V_SF", units: "V"),
        P("A_SF", 113, .sunssf), P("V_SF", 114, .sunssf), P("Hz_SF", 115, .sunssf), P("W_SF", 116, .sunssf),
        P("PF_SF", 117, .sunssf), P("VA_SF", 118, .sunssf), P("Var_SF", 119, .sunssf), P("TotWh_SF", 120, .sunssf),
        P("Tmp_SF", 122, .sunssf),
    ])

    static let derCapacity = Model(id: 702, name: "DER capacity", points: [
        P("WMaxRtg", 2, .u16, sf: "W_SF", units: "W"), P("WChaRteMaxRtg", 10, .u16, sf: "W_SF", units: "W"),
        P("WDisChaRteMaxRtg", 11, .u16, sf: "W_SF", units: "W"), P("WMax", 26, .u16, sf: "W_SF", units: "W"),
        P("W_SF", 45, .sunssf),
    ])

    static let derControls = Model(id: 704, name: "DER AC controls", points: [
        P("WMaxLimPctEna", 14, .enum16, writable: true),
        P("WMaxLimPct", 15, .u16, sf: "WMaxLimPct_SF", units: "Pct", writable: true),
        P("WMaxLimPctRvrtTms", 18, .u32, units: "Secs", writable: true),
        P("WSetEna", 22, .enum16, writable: true), P("WSetMod", 23, .enum16, writable: true),
        P("WSet", 24, .i32, sf: "WSet_SF", units: "W", writable: true),
        P("WSetRvrtTms", 31, .u32, units: "Secs", writable: true),
        P("WMaxLimPct_SF", 54, .sunssf), P("WSet_SF", 55, .sunssf),
    ])

    static let derStorageCapacity = Model(id: 713, name: "DER storage capacity", points: [
        P("WHRtg", 2, .u16, sf: "WH_SF", units: "WH"), P("SoC", 4, .u16, sf: "Pct_SF", units: "Pct"),
        P("SoH", 5, .u16, sf: "Pct_SF", units: "Pct"), P("WH_SF", 7, .sunssf), P("Pct_SF", 8, .sunssf),
    ])

    /// 714's fixed part (the per-port repeating groups are not read).
    static let derDC = Model(id: 714, name: "DER DC measurement", points: [
        P("DCA", 5, .i16, sf: "DCA_SF", units: "A"), P("DCW", 6, .i16, sf: "DCW_SF", units: "W"),
        P("DCWhInj", 7, .u64, sf: "DCWH_SF", units: "Wh"), P("DCWhAbs", 11, .u64, sf: "DCWH_SF", units: "Wh"),
        P("DCA_SF", 15, .sunssf), P("DCW_SF", 17, .sunssf), P("DCWH_SF", 18, .sunssf),
    ])

    static let battery = Model(id: 802, name: "battery", points: [
        P("WHRtg", 3, .u16, sf: "WHRtg_SF", units: "Wh"),
        P("WChaRteMax", 4, .u16, sf: "WChaDisChaMax_SF", units: "W"),
        P("WDisChaRteMax", 5, .u16, sf: "WChaDisChaMax_SF", units: "W"),
        P("SoCMax", 7, .u16, sf: "SoC_SF", units: "%WHRtg"), P("SoCMin", 8, .u16, sf: "SoC_SF", units: "%WHRtg"),
        P("SoC", 11, .u16, sf: "SoC_SF", units: "%WHRtg"), P("SoH", 13, .u16, sf: "SoH_SF", units: "%"),
        P("NCyc", 14, .u32), P("ChaSt", 16, .enum16),
        P("V", 34, .u16, sf: "V_SF", units: "V"), P("A", 44, .i16, sf: "A_SF", units: "A"),
        P("W", 47, .i16, sf: "W_SF", units: "W"),
        P("WHRtg_SF", 53, .sunssf), P("WChaDisChaMax_SF", 54, .sunssf), P("SoC_SF", 56, .sunssf),
        P("SoH_SF", 58, .sunssf), P("V_SF", 59, .sunssf), P("A_SF", 61, .sunssf), P("W_SF", 63, .sunssf),
    ])
}
