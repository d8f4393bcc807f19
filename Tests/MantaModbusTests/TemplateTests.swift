import MantaJSON
import MantaTestPaths
import MantaModbusSim
import Testing
@testable import MantaModbus

@Suite struct Templates {
    static let dir = TestPaths.root + "/registry/devices"

    @Test func theShippedTemplatesLoad() throws {
        let registry = try TemplateRegistry.load(directory: Self.dir)
        #expect(registry.templates.map(\.id) == ["fronius-sunspec", "goodwe-et", "huawei-sun2000", "sma-sunspec", "sungrow-sh-rt"])
        for t in registry.templates where t.protocol == .modbus {
            #expect(t.activePower != nil && t.exportLimit != nil, "\(t.id) has no controls")
            #expect(t.points.contains { $0.point == "ac.w" } && t.points.contains { $0.point == "battery.soc" }, "\(t.id)")
        }
        #expect(registry.sunspecProfile(manufacturer: "SMA Solar Technology AG")?.id == "sma-sunspec")
        #expect(registry.template("sma-sunspec")?.unitID == 126)
    }

    func parse(_ json: JSON, file: String = "registry/devices/x.json") -> String {
        do {
            _ = try DeviceTemplate(json: json, file: file)
            return "accepted"
        } catch {
            return error.description
        }
    }

    static let minimal: JSON = [
        "id": "x", "manufacturer": "X", "model": "Y", "kind": "battery", "sources": ["X manual"],
        "identify": ["register": ["address": 100, "type": "u16"], "one_of": [7]],
        "points": [["point": "ac.w", "address": 200, "type": "i32"]],
    ]

    func with(_ key: String, _ value: JSON) -> JSON {
        var o = Self.minimal.object!
        o[key] = value
        return .object(o)
    }

    @Test func errorsNameTheFileAndTheField() {
        #expect(parse(Self.minimal) == "accepted")
        #expect(parse(Self.minimal, file: "registry/devices/y.json") == #"registry/devices/y.json: id: "x" must be the file's name (y.json)"#)
        #expect(parse(with("colour", "red")).hasPrefix("registry/devices/x.json: colour: unknown field (allowed: id, manufacturer"))
        #expect(parse(with("kind", "toaster")) == #"registry/devices/x.json: kind: "toaster" is not one of pv_inverter, battery, hybrid_inverter, meter, ev_charger, load"#)
        #expect(parse(with("points", [["point": "ac.w", "address": 200, "type": "u17"]]))
                == #"registry/devices/x.json: points[0].type: "u17" is not a register type (u16, i16, u32, i32, u64, i64, f32, f64, string, ...)"#)
        #expect(parse(with("points", [["point": "ac.w", "type": "u16"]])) == "registry/devices/x.json: points[0].address: required")
        #expect(parse(with("points", [["point": "ac.w", "address": 1, "type": "string"]]))
                == "registry/devices/x.json: points[0].count: a string needs its register count")
        #expect(parse(with("identify", [:])) == "registry/devices/x.json: identify: a modbus template needs a register and a prefix or one_of to recognise the device")
        #expect(parse(with("sources", [])) == "registry/devices/x.json: sources: say where the register facts come from (a list of documents)")
        #expect(parse(with("controls", ["active_power": ["charge": []]]))
                == "registry/devices/x.json: controls.active_power.readback: required: how to read back what the device took")
    }

    /// A template device against a simulated device laid out by hand from
    /// the vendor's register facts (Sungrow: 32-bit low word first, battery
    /// power signed by the running state).
    @Test func aTemplateReadsScalesAndSignsItsPoints() throws {
        let t = try TemplateRegistry.load(directory: Self.dir).template("sungrow-sh-rt")!
        var input: [Int: UInt16] = [4999: 0x0E03, 5000: 100, 5007: UInt16(bitPattern: 355), 5016: 0x1068, 5017: 0, 5018: 2320,
                                    13000: 0x02, 13019: 4200, 13021: 2500, 13022: 573, 13023: 990, 13024: 245,
                                    13033: 1700, 13034: 0, 13036: 12345, 13037: 0, 13045: 0x5BA0, 13046: 0]
        for (i, w) in Array("A2350000001".utf8).chunked.enumerated() { input[4989 + i] = w }
        for i in 0..<10 where input[4989 + i] == nil { input[4989 + i] = 0 }
        let holding: [Int: UInt16] = [13049: 0, 13050: 0xCC, 13051: 0, 13073: 0, 13086: 0x55]
        let server = try ModbusSimServer([.init(unit: 1, holding: holding, input: input)])
        server.start()
        defer { server.stop() }
        let client = ModbusClient(host: "127.0.0.1", port: server.ports[0])
        let device = TemplateDevice(t)
        let (identity, ratings) = try device.attach(client, unit: 1)
        #expect(identity.model == "SH10RT" && identity.serial == "A2350000001")
        #expect(ratings.ratedPowerW == 10000)
        let v = Dictionary(uniqueKeysWithValues: try device.poll(client, unit: 1).map { ($0.point, $0.value) })
        #expect(v["pv.w"] == 4200)
        #expect(v["battery.w"] == -2500)  // bit 1 of 13000: charging
        #expect(abs(v["battery.soc"]! - 0.573) < 1e-9)
        #expect(abs(v["temp.cabinet"]! - 35.5) < 1e-9)
        #expect(v["energy.export_wh"] == 2_345_600.0)
        // Discharge 3 kW: forced mode, 0xBB, 3000 W; read back.
        let r = try device.setActivePower(3000, validS: 300, client, unit: 1)
        #expect(r.appliedW == 3000)
        #expect(server.holding(0, 13049, 3) == [2, 0xBB, 3000])
        try device.releaseActivePower(client, unit: 1)
        #expect(server.holding(0, 13049, 2) == [0, 0xCC])
        #expect(try device.setExportLimit(2000, validS: 300, client, unit: 1).appliedW == 2000)
        #expect(server.holding(0, 13086, 1) == [0xAA])
    }

    @Test func aDeviceThatIsNotTheTemplatesIsRefusedWithWhatItHolds() throws {
        let t = try TemplateRegistry.load(directory: Self.dir).template("sungrow-sh-rt")!
        let server = try ModbusSimServer([.init(unit: 1, holding: [:], input: [4999: 0x0D06])])
        server.start()
        defer { server.stop() }
        let client = ModbusClient(host: "127.0.0.1", port: server.ports[0])
        #expect(throws: DeviceError.mismatch("not a Sungrow SH-RT three-phase hybrid inverter (SH5.0RT to SH10RT, -20 and -V112 variants): identify register 4999 holds 3334")) {
            try TemplateDevice(t).attach(client, unit: 1)
        }
    }
}

extension Array where Element == UInt8 {
    /// Big-endian registers of these bytes (padded with a zero byte).
    var chunked: [UInt16] {
        stride(from: 0, to: count, by: 2).map { i in UInt16(self[i]) << 8 | UInt16(i + 1 < count ? self[i + 1] : 0) }
    }
}
