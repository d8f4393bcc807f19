import Foundation
import Testing
@testable import MantaJSON

/// Every scalar type the decoder has its own overload for.
private struct Scalars: Decodable, Equatable {
    var b: Bool
    var s: String
    var d: Double
    var f: Float
    var i: Int
    var i8: Int8
    var i16: Int16
    var i32: Int32
    var i64: Int64
    var u: UInt
    var u8: UInt8
    var u16: UInt16
    var u32: UInt32
    var u64: UInt64
}

private enum Region: String, Decodable, CaseIterable { case nsw1 = "NSW1", vic1 = "VIC1" }
/// Not CaseIterable: the decoder cannot list its values, only name the wrong one.
private enum Mode: String, Decodable { case fast, slow }

private struct Battery: Decodable, Equatable {
    var capacityWh: Double
    var socMin: Double?
    enum CodingKeys: String, CodingKey { case capacityWh = "capacity_wh", socMin = "soc_min" }
}

private struct VPP: Decodable, Equatable {
    var id: String
    var region: Region
    var drivers: [String]
    var battery: Battery?
    var limits: [String: Double]
}

private struct Fleet: Decodable, Equatable {
    var name: String
    var vpps: [VPP]
    var note: String?
}

private let decoder = JSONValueDecoder()

private func failure<T: Decodable>(_ type: T.Type, _ value: JSON) -> String {
    do {
        let v = try decoder.decode(T.self, from: value)
        return "decoded: \(v)"
    } catch {
        return error.description
    }
}

@Suite struct JSONValueDecoding {
    @Test func everyScalarType() throws {
        let v: JSON = ["b": true, "s": "x", "d": 2.5, "f": 0.25, "i": -7, "i8": -128, "i16": 32767, "i32": -2_147_483_648,
                       "i64": .int(Int64.max), "u": 7, "u8": 255, "u16": 65535, "u32": 4_294_967_295, "u64": 2.0]
        let s = try decoder.decode(Scalars.self, from: v)
        #expect(s == Scalars(b: true, s: "x", d: 2.5, f: 0.25, i: -7, i8: -128, i16: 32767, i32: Int32.min, i64: Int64.max,
                             u: 7, u8: 255, u16: 65535, u32: UInt32.max, u64: 2))
        // UInt64 beyond Int64: a JSON text carries it as a real, which is integral.
        #expect(try decoder.decode(UInt64.self, from: .double(1.8e19)) == 18_000_000_000_000_000_000)
        // An integer where a real is expected is a number all the same.
        #expect(try decoder.decode(Double.self, from: 3) == 3.0)
        #expect(try decoder.decode(Float.self, from: 3) == 3.0)
    }

    @Test func nestedStructsArraysDictionariesOptionalsAndEnums() throws {
        let v = try JSON.parse(#"""
            {"name": "fleet", "vpps": [
              {"id": "a", "region": "VIC1", "drivers": ["homes"], "limits": {"export_w": 5000, "import_w": 2.5}},
              {"id": "b", "region": "NSW1", "drivers": [], "battery": {"capacity_wh": 13500, "soc_min": null}, "limits": {}}
            ]}
            """#)
        let f = try decoder.decode(Fleet.self, from: v)
        #expect(f == Fleet(name: "fleet", vpps: [
            VPP(id: "a", region: .vic1, drivers: ["homes"], battery: nil, limits: ["export_w": 5000, "import_w": 2.5]),
            VPP(id: "b", region: .nsw1, drivers: [], battery: Battery(capacityWh: 13500, socMin: nil), limits: [:]),
        ], note: nil))
        #expect(try decoder.decode([Int?].self, from: [1, nil, 3]) == [1, nil, 3])
        #expect(try decoder.decode(Int?.self, from: nil) == nil)
        #expect(try decoder.decode(Mode.self, from: "slow") == .slow)
    }

    @Test func errorsNameThePathAsTheSchemaDoes() {
        let vpps: JSON = [["id": "a", "region": "VIC1", "drivers": [], "limits": [:]],
                          ["id": "b", "region": "NSW1", "drivers": [], "limits": [:]],
                          ["id": "c", "region": "VIC9", "drivers": [], "limits": [:]]]
        #expect(failure(Fleet.self, ["name": "f", "vpps": vpps])
            == #"vpps[2].region: must be one of "NSW1", "VIC1", got "VIC9""#)
        #expect(failure(Fleet.self, ["name": "f", "vpps": [["id": "a", "region": "VIC1", "drivers": ["x", 3], "limits": [:]]]])
            == "vpps[0].drivers[1]: must be string, got integer")
        #expect(failure(Fleet.self, ["name": "f", "vpps": [["id": "a", "region": "VIC1", "drivers": [], "limits": ["soc": "high"]]]])
            == "vpps[0].limits.soc: must be number, got string")
        #expect(failure(Fleet.self, ["name": "f", "vpps": [["id": "a", "region": "VIC1", "drivers": [], "limits": [:],
                                                            "battery": ["soc_min": 0.1]]]])
            == "vpps[0].battery.capacity_wh: is required")
        #expect(failure(Fleet.self, ["vpps": []]) == "name: is required")
        #expect(failure(Fleet.self, ["name": "f", "vpps": ["a"]]) == "vpps[0]: must be object, got string")
        #expect(failure(Fleet.self, [1, 2]) == "must be object, got array")
        #expect(failure([String].self, ["a": 1]) == "must be array, got object")
    }

    @Test func typeMismatchesUseTheSchemaTypeNames() {
        #expect(failure(Bool.self, 1) == "must be boolean, got integer")
        #expect(failure(String.self, true) == "must be string, got boolean")
        #expect(failure(Double.self, "1") == "must be number, got string")
        #expect(failure(Int.self, [1]) == "must be integer, got array")
        #expect(failure(Battery.self, ["capacity_wh": nil]) == "capacity_wh: must be number, got null")
    }

    @Test func integersOutOfRangeOrNotIntegralAreRefused() {
        #expect(failure(Int8.self, 300) == "must be <= 127, got 300")
        #expect(failure(Int8.self, -129) == "must be >= -128, got -129")
        #expect(failure(UInt8.self, -1) == "must be >= 0, got -1")
        #expect(failure(UInt16.self, 65536) == "must be <= 65535, got 65536")
        #expect(failure(Int32.self, .int(Int64(Int32.max) + 1)) == "must be <= 2147483647, got 2147483648")
        #expect(failure(UInt32.self, .double(-1.0)) == "must be >= 0, got -1")
        #expect(failure(Int64.self, .double(1e19)) == "must be <= 9223372036854775807, got 1e+19")
        #expect(failure(UInt64.self, .double(-2e19)) == "must be >= 0, got -2e+19")
        #expect(failure(Int.self, 2.5) == "must be integer, got 2.5")
        #expect(failure(UInt.self, .double(0.1)) == "must be integer, got 0.1")
        // 2.0 is an integer, as the schema's "integer" type says.
        #expect(failure(Int16.self, 2.0) == "decoded: 2")
    }

    @Test func nanAndInfinityAreRefusedSinceJSONCannotCarryThem() {
        #expect(failure(Double.self, .double(.nan)) == "must be a finite number (JSON has no NaN or infinity), got nan")
        #expect(failure(Double.self, .double(.infinity)) == "must be a finite number (JSON has no NaN or infinity), got inf")
        #expect(failure(Float.self, .double(-.infinity)) == "must be a finite number (JSON has no NaN or infinity), got -inf")
        #expect(failure(Int.self, .double(.nan)) == "must be a finite number (JSON has no NaN or infinity), got nan")
        // Finite in JSON, infinite as a Float: refused rather than turned into inf.
        #expect(failure(Float.self, 1e39) == "must be within ±3.4028235e+38, got 1e+39")
        #expect(failure(Battery.self, ["capacity_wh": .double(.nan)])
            == "capacity_wh: must be a finite number (JSON has no NaN or infinity), got nan")
    }

    @Test func unknownEnumValues() {
        #expect(failure(Region.self, "vic1") == #"must be one of "NSW1", "VIC1", got "vic1""#)
        #expect(failure([Region].self, ["VIC1", "QLD1"]) == #"[1]: must be one of "NSW1", "VIC1", got "QLD1""#)
        // Without CaseIterable the allowed values are unknown; the wrong one is named.
        let m = failure([String: Mode].self, ["store": "medium"])
        #expect(m.hasPrefix("store: "), "\(m)")
        #expect(m.contains("medium"), "\(m)")
        #expect(failure(Region.self, 1) == "must be string, got integer")
    }

    @Test func missingArrayItemsAndKeysInCustomDecoders() {
        /// A pair written as a two-item array.
        struct Pair: Decodable {
            var a: Int, b: Int
            init(from decoder: any Decoder) throws {
                var c = try decoder.unkeyedContainer()
                a = try c.decode(Int.self)
                b = try c.decode(Int.self)
            }
        }
        #expect(failure([String: Pair].self, ["p": [1]]) == "p[1]: is required (the array has 1 items)")
        #expect(failure([String: Pair].self, ["p": [1, "x"]]) == "p[1]: must be integer, got string")

        /// A value whose own check throws a DecodingError.
        struct Even: Decodable {
            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                let n = try c.decode(Int.self)
                guard n % 2 == 0 else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be even, got \(n)") }
            }
        }
        #expect(failure([String: [Even]].self, ["xs": [2, 3]]) == "xs[1]: must be even, got 3")
    }

    @Test func jsonMembersKeepTheValueAsWritten() throws {
        struct Holder: Decodable { var config: JSON }
        let raw = try JSON.parse(#"{"config": {"z": 7, "a": 7.0, "list": [null, true]}}"#)
        let h = try decoder.decode(Holder.self, from: raw)
        #expect(h.config == raw["config"])
        #expect(h.config.object?.keys == ["z", "a", "list"])
        #expect(h.config["z"] == .int(7))
        #expect(h.config["a"] == .double(7.0))
    }

    @Test func jsonDecodesThroughOtherDecodersToo() throws {
        let data = Data(#"{"n": 7, "x": 1.5, "s": "t", "ok": false, "list": [1, null], "o": {}}"#.utf8)
        let v = try JSONDecoder().decode(JSON.self, from: data)
        #expect(v["n"]?.integer == 7)
        #expect(v["x"] == .double(1.5))
        #expect(v["s"] == "t")
        #expect(v["ok"] == false)
        #expect(v["list"] == [1, nil])
        #expect(v["o"] == .object(JSONObject()))
    }
}
