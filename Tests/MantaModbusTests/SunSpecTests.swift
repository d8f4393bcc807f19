import Foundation
import MantaJSON
import MantaTestPaths
import MantaModbusSim
import Testing
@testable import MantaModbus

/// pysunspec2's copy of the SunSpec model definitions, as
/// {model id: {point: [offset, type, size, sf]}}.
func pysunspec2Definitions(_ ids: [UInt16]) throws -> JSON {
    let script = """
        import json, sys
        import sunspec2.device as d
        out = {}
        for m in sys.argv[1:]:
            g = d.get_model_def(int(m))["group"]
            off, pts = 0, {}
            for p in g["points"]:
                pts[p["name"]] = [off, p["type"], p["size"], p.get("sf") if isinstance(p.get("sf"), str) else None]
                off += p["size"]
            out[m] = pts
        print(json.dumps(out))
        """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script] + ids.map(String.init)
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw ModbusError.invalidRequest("python3 with pysunspec2 failed (pip install pysunspec2)") }
    return try JSON.parse(String(decoding: data, as: UTF8.self))
}

@Suite struct SunSpecModels {
    /// Every point Manta reads or writes sits where the SunSpec model
    /// definitions put it, with their type, size and scale factor.
    @Test func everyPointMatchesPysunspec2() throws {
        let ids = SunSpec.models.keys.sorted()
        let reference = try pysunspec2Definitions(ids)
        var checked = 0
        for id in ids {
            let model = SunSpec.model(id)!
            for p in model.points {
                guard let r = reference["\(id)"]?[p.name]?.array else {
                    Issue.record("\(id).\(p.name): not in pysunspec2's model \(id)")
                    continue
                }
                let type = r[1].string!
                #expect(r[0].integer == Int64(p.offset), "\(id).\(p.name) offset")
                #expect(RegisterType(name: type) == p.type || (type == "pad" && p.type == .pad), "\(id).\(p.name) type \(type)")
                #expect(r[2].integer == Int64(p.size), "\(id).\(p.name) size")
                #expect(r[3].string == p.sf, "\(id).\(p.name) scale factor")
                checked += 1
            }
        }
        #expect(checked > 150)
    }

    /// The catalog's SunSpec sources and the driver's table are one list.
    @Test func theProfileFollowsTheCatalog() throws {
        let text = try String(contentsOfFile: TestPaths.root + "/registry/catalog/points.json", encoding: .utf8)
        let catalog = try JSON.parse(text)
        var fromCatalog: [String: [String]] = [:]
        for p in catalog["points"]!.array! {
            let sources = p["sunspec"]?.array?.compactMap(\.string) ?? []
            if !sources.isEmpty { fromCatalog[p["name"]!.string!] = sources }
        }
        let fromProfile = Dictionary(uniqueKeysWithValues: SunSpecProfile.sources.map { ($0.point, $0.from) })
        #expect(fromProfile == fromCatalog)
        for (_, sources) in fromProfile {
            for s in sources {
                let parts = s.split(separator: ".")
                #expect(SunSpec.model(UInt16(parts[0])!)?.point(String(parts[1])) != nil, "\(s) is not in the model table")
            }
        }
    }
}


/// The client and the scanner against a real (simulated) device over TCP.
@Suite(.serialized) struct SunSpecOverTCP {
    func serve(_ devices: [ModbusSimServer.Device]) throws -> ModbusSimServer {
        let s = try ModbusSimServer(devices)
        s.start()
        return s
    }

    @Test func theMarkerIsFoundWhereverTheMapStarts() throws {
        var image = SunSpecImage(base: 50000)
        image.add(1, length: 66, strings: ["Mn": "Fronius", "Md": "Symo", "SN": "123"])
        image.add(113, length: 60, ["W": 2500.5, "Hz": 50.01, "PF": 99.5])
        let server = try serve([.init(holding: image.holding)])
        defer { server.stop() }
        let client = ModbusClient(host: "127.0.0.1", port: server.ports[0])
        let map = try SunSpecMap.scan(client, unit: 1)
        #expect(map.base == 50000 && map.ids == [1, 113])
        let device = SunSpecDevice()
        let (identity, _) = try device.attach(client, unit: 1)
        #expect(identity == DeviceIdentity(manufacturer: "Fronius", model: "Symo", serial: "123", version: ""))
        let values = Dictionary(uniqueKeysWithValues: try device.poll(client, unit: 1).map { ($0.point, $0.value) })
        #expect(values["ac.w"] == 2500.5)
        #expect(abs(values["ac.pf"]! - 0.995) < 1e-6)
        #expect(abs(values["ac.hz"]! - 50.01) < 1e-4)
    }

    @Test func scaleFactorsApplyAndUnimplementedPointsAreLeftOut() throws {
        var image = SunSpecImage()
        image.add(1, length: 66, strings: ["Mn": "X", "Md": "Y", "SN": "1"])
        image.add(103, length: 50, ["W": 4321, "W_SF": 1, "Hz": 5002, "Hz_SF": -2, "VA": -32768, "VA_SF": 0,
                                    "VAr": 12, "VAr_SF": -32768, "DCW": 0, "DCW_SF": 0, "WH": 0, "WH_SF": 0])
        let server = try serve([.init(holding: image.holding)])
        defer { server.stop() }
        let client = ModbusClient(host: "127.0.0.1", port: server.ports[0])
        let device = SunSpecDevice()
        _ = try device.attach(client, unit: 1)
        let values = Dictionary(uniqueKeysWithValues: try device.poll(client, unit: 1).map { ($0.point, $0.value) })
        #expect(values["ac.w"] == 43210)
        #expect(values["ac.hz"] == 50.02)
        #expect(values["ac.va"] == nil)         // 0x8000: not implemented
        #expect(values["ac.var"] == nil)        // its scale factor is not implemented
        #expect(values["energy.export_wh"] == nil)  // acc32 0: not implemented
        #expect(values["dc.w"] == 0)
    }

    @Test func notSunSpecSaysWhatWasTried() throws {
        let server = try serve([.init(holding: [0: 0x1234, 1: 0x5678])])
        defer { server.stop() }
        let client = ModbusClient(host: "127.0.0.1", port: server.ports[0])
        #expect(throws: SunSpecMap.ScanError.notSunSpec(
            "no \"SunS\" marker (40000: Modbus exception 2 (illegal data address) to function 3; 0: 0x1234 0x5678; 50000: Modbus exception 2 (illegal data address) to function 3)")) {
            try SunSpecMap.scan(client, unit: 1)
        }
    }

    @Test func aWrongUnitIdIsAnExceptionAndARefusedPortAConnectError() throws {
        let server = try serve([.init(unit: 1, holding: SunSpecImage.hybrid(serial: "A").holding)])
        let port = server.ports[0]
        let client = ModbusClient(host: "127.0.0.1", port: port)
        #expect(throws: ModbusError.exception(function: 3, code: 11)) { try client.read(unit: 9, address: 40000, count: 2) }
        #expect(try client.read(unit: 1, address: 40000, count: 2) == SunSpec.marker)
        server.stop()
        let dead = ModbusClient(host: "127.0.0.1", port: port, timeouts: .init(connectMs: 300, requestMs: 300))
        #expect(throws: ModbusError.connect("127.0.0.1:\(port): Connection refused")) { try dead.connect() }
    }

    @Test func storageControlWritesTheRatesAndReadsThemBack() throws {
        let server = try serve([.init(holding: SunSpecImage.hybrid(serial: "B").holding)])
        defer { server.stop() }
        let client = ModbusClient(host: "127.0.0.1", port: server.ports[0])
        let device = SunSpecDevice()
        _ = try device.attach(client, unit: 1)
        #expect(device.canSetActivePower && device.canLimitExport)
        let charge = try device.setActivePower(-2500, validS: 600, client, unit: 1)
        #expect(charge.appliedW == -2500)
        // 124 at 40000 + 2 + 68 + 52 + 28 + 26: InWRte 50 %, OutWRte -50 %, RvrtTms 600, StorCtl_Mod 3.
        let base = 40000 + 2 + 68 + 52 + 28 + 26
        #expect(server.holding(0, base + 5, 1) == [3])
        #expect(server.holding(0, base + 12, 4) == [UInt16(bitPattern: -50), 50, 0, 600])
        let limit = try device.setExportLimit(1500, validS: 300, client, unit: 1)
        #expect(limit.appliedW == 1500)  // 30 % of WRtg 5000
        #expect(try device.exportLimit(client, unit: 1) == 1500)
    }
}
