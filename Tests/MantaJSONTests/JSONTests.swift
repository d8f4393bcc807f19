import Testing
@testable import MantaJSON

@Suite struct JSONParsing {
    @Test func integersAndRealsStayApart() throws {
        let v = try JSON.parse(#"{"id": 7, "price": 7.0, "big": 9007199254740993, "neg": -1000}"#)
        #expect(v["id"] == .int(7))
        #expect(v["price"] == .double(7.0))
        #expect(v["big"] == .int(9_007_199_254_740_993))  // beyond Double's exact range, kept exact
        #expect(v.serialized() == #"{"id":7,"price":7.0,"big":9007199254740993,"neg":-1000}"#)
    }

    @Test func stringsRoundTripWithEscapesAndUnicode() throws {
        let text = "tab\t quote\" back\\ nl\n ctrl\u{01} 🌞 Zürich"
        let encoded = JSON.string(text).serialized()
        #expect(encoded == #""tab\t quote\" back\\ nl\n ctrl\u0001 🌞 Zürich""#)
        #expect(try JSON.parse(encoded) == .string(text))
    }

    @Test func objectsKeepTheirOrder() throws {
        let v = try JSON.parse(#"{"z": 1, "a": 2, "m": 3}"#)
        #expect(v.object?.keys == ["z", "a", "m"])
    }

    @Test func errorsSayWhere() {
        #expect(throws: JSONParseError.self) { try JSON.parse("{\"a\": 1,\n \"b\": }") }
        do {
            _ = try JSON.parse("{\"a\": 1,\n \"b\": }")
        } catch {
            #expect(error.line == 2)
            #expect(error.column > 0)
        }
    }

    @Test func duplicateKeysAreRefused() {
        #expect(throws: JSONParseError.self) { try JSON.parse(#"{"homes": 10, "homes": 20}"#) }
    }

    @Test func nonFiniteNumbersBecomeNull() {
        #expect(JSON.number(.nan) == .null)
        #expect(JSON.number(.infinity).serialized() == "null")
        #expect(JSON.number(2.5) == .double(2.5))
        #expect(JSON.number(3) == .int(3))
    }
}

@Suite struct Schema {
    let schema = try! JSONSchema([
        "type": "object", "additionalProperties": false, "required": ["region"],
        "properties": [
            "region": ["enum": ["VIC1", "SA1"]],
            "homes": ["type": "integer", "minimum": 0, "default": 10],
            "battery": [
                "type": "object", "default": [:],
                "properties": ["capacity_wh": ["type": "number", "exclusiveMinimum": 0, "default": 13500]],
            ],
            "files": ["type": "array", "items": ["type": "string", "format": "path"]],
        ],
    ])

    @Test func violationsNameTheField() {
        let v = schema.validate(["homes": -1, "battery": ["capacity_wh": "big"], "colour": "red"])
        let text = v.map(\.description)
        #expect(text.contains("region: is required"))
        #expect(text.contains("homes: must be >= 0, got -1"))
        #expect(text.contains("battery.capacity_wh: must be number, got string"))
        #expect(text.contains { $0.hasPrefix("colour: unknown field") })
        #expect(v.count == 4)
    }

    @Test func arrayItemsAreNamedByIndex() {
        let v = schema.validate(["region": "VIC1", "files": ["a.csv", 3]])
        #expect(v.map(\.description) == ["files[1]: must be string, got integer"])
    }

    @Test func validDocumentsPass() {
        #expect(schema.validate(["region": "SA1", "homes": 3]).isEmpty)
        #expect(schema.validate(["region": "VIC1", "homes": 2.0]).isEmpty)  // 2.0 is an integer
    }

    @Test func defaultsAreFilledRecursively() {
        let filled = schema.applyingDefaults(to: ["region": "VIC1"])
        #expect(filled["homes"] == .int(10))
        #expect(filled["battery"]?["capacity_wh"] == .int(13500))
    }

    @Test func pathsAreResolvedOnlyWhereTheSchemaSaysSo() {
        let out = schema.resolvingPaths(in: ["region": "VIC1", "files": ["a.csv", "/abs/b.csv"]]) {
            $0.hasPrefix("/") ? $0 : "/base/" + $0
        }
        #expect(out["files"] == ["/base/a.csv", "/abs/b.csv"])
        #expect(out["region"] == "VIC1")
    }

    @Test func unsupportedKeywordsRefuseTheSchema() {
        #expect(throws: JSONSchema.InvalidSchema.self) { try JSONSchema(["type": "string", "pattern": "^[a-z]+$"]) }
        #expect(throws: JSONSchema.InvalidSchema.self) { try JSONSchema(["type": "strnig"]) }
        #expect(throws: Never.self) { try JSONSchema(["type": "string", "x-unit": "W", "description": "ok"]) }
    }
}
