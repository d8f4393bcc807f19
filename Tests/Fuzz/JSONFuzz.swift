// A libFuzzer harness for the JSON layer every request goes through first
// (MantaJSON over jansson): parsing, writing, every method's params checked
// against its schema with defaults applied, and typed decoding. Built and
// run by scripts/fuzz-json (swiftc -sanitize=fuzzer,address, linked with
// lld); not a SwiftPM target, since the whole package would then be built
// with the fuzzer's instrumentation. The methods' schemas come from a
// running host's rpc.discover, in the file MANTA_FUZZ_SCHEMAS names
// ({"method": params schema}); without it, three schemas shaped like them.
//
// Beyond "nothing crashes", one property: whatever parses is written back
// and parses again to the same value (JSON is Equatable, integers kept apart
// from reals), so a value the host echoes (an id, a stored definition) is
// the value it was sent. A broken property is an abort: a finding.
import CJansson
import Glibc

/// Each method's params schema, by name (MANTA_FUZZ_SCHEMAS), in order.
private let methods: [(name: String, schema: JSONSchema)] = {
    guard let path = getenv("MANTA_FUZZ_SCHEMAS"), let file = fopen(path, "r") else { return [] }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    guard let all = try? JSON.parse(String(decoding: bytes, as: UTF8.self)), let object = all.object else {
        fatalError("MANTA_FUZZ_SCHEMAS: not a JSON object of schemas")
    }
    return object.members.map { (name: $0.key, schema: try! JSONSchema($0.value)) }
}()

/// Schemas shaped like the host's params: bounds, enums, nesting, defaults.
private let shapes: [JSONSchema] = {
    let texts = [
        #"{"type":"object","additionalProperties":false,"properties":{"vpp":{"type":"string","maxLength":64},"limit":{"type":"integer","minimum":1,"maximum":10000,"default":50},"from":{"type":["integer","string"]}}}"#,
        #"{"type":"object","properties":{"windows":{"type":"array","maxItems":4,"items":{"type":"object","properties":{"start":{"type":"integer"},"export_limit_w":{"type":"number","minimum":0,"maximum":1e9}},"required":["start","export_limit_w"]}}},"required":["windows"]}"#,
        #"{"type":"object","properties":{"mode":{"enum":["active_power","export_limit"]},"value":{"type":"number","exclusiveMinimum":-1e9,"maximum":1e9},"days":{"type":"array","items":{"enum":["mon","tue"]},"minItems":1,"default":["mon"]}}}"#,
    ]
    return texts.map { try! JSONSchema(try! JSON.parse($0)) }
}()

/// A typed request, decoded as the RPC methods decode their params.
private struct Params: Decodable {
    var vpp: String?
    var limit: Int?
    var value: Double?
    var days: [String]?
    var windows: [Window]?
    struct Window: Decodable {
        var start: Int64
        var exportLimitW: Double
        enum CodingKeys: String, CodingKey { case start, exportLimitW = "export_limit_w" }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let value = try? JSON.parse(UnsafeRawBufferPointer(start: data, count: size)) else { return 0 }
    let text = value.serialized()
    guard let again = try? JSON.parse(text) else { fatalError("what the writer wrote does not parse: \(text)") }
    guard again == value else { fatalError("a value changed through writing and parsing: \(text)") }
    // A request's params against its method's schema (any method for a
    // line naming none known), as the dispatcher checks them.
    let params = value["params"] ?? value
    let named = value["method"]?.string.flatMap { m in methods.first { $0.name == m } }
    let schemas = named.map { [$0.schema] } ?? (methods.isEmpty ? shapes : [methods[size % methods.count].schema])
    for schema in schemas {
        _ = schema.validate(params)
        _ = schema.validate(schema.applyingDefaults(to: params))
    }
    _ = try? JSONValueDecoder().decode(Params.self, from: value)
    return 0
}
