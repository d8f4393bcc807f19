/// Where a device's SunSpec models are: found by looking for "SunS" at the
/// candidate base addresses and walking the chain of (id, length) headers.
public struct SunSpecMap: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let id: UInt16
        /// Address of the model's id register.
        public let address: Int
        /// L: registers after the id and length.
        public let length: Int
    }

    public let base: Int
    public let models: [Entry]

    public var ids: [UInt16] { models.map(\.id) }

    /// The first model present among `ids`, in the order given (preference).
    public func first(of ids: [UInt16]) -> Entry? {
        for id in ids { if let e = models.first(where: { $0.id == id }) { return e } }
        return nil
    }

    public func all(of ids: Set<UInt16>) -> [Entry] { models.filter { ids.contains($0.id) } }

    public enum ScanError: Error, Sendable, Equatable, CustomStringConvertible {
        case notSunSpec(String)
        case badChain(String)
        case modbus(ModbusError)

        public var description: String {
            switch self {
            case .notSunSpec(let why): return "not a SunSpec device: \(why)"
            case .badChain(let why): return "broken SunSpec model chain: \(why)"
            case .modbus(let e): return e.description
            }
        }
    }

    /// Scans `unit` through `client`. A Modbus exception at a candidate base
    /// (illegal address) moves on to the next; a failed connection or a
    /// timeout ends the scan.
    public static func scan(_ client: ModbusClient, unit: UInt8,
                            bases: [Int] = SunSpec.baseAddresses) throws(ScanError) -> SunSpecMap {
        var tried: [String] = []
        for base in bases {
            let head: [UInt16]
            do {
                head = try client.read(unit: unit, address: base, count: 2)
            } catch {
                if case .exception = error { tried.append("\(base): \(error)"); continue }
                throw .modbus(error)
            }
            guard head == SunSpec.marker else {
                tried.append("\(base): \(hex4(head[0])) \(hex4(head[1]))")
                continue
            }
            return try walk(client, unit: unit, base: base)
        }
        throw .notSunSpec("no \"SunS\" marker (\(tried.joined(separator: "; ")))")
    }

    static func walk(_ client: ModbusClient, unit: UInt8, base: Int) throws(ScanError) -> SunSpecMap {
        var models: [Entry] = []
        var address = base + 2
        while true {
            guard models.count < 128, address + 2 <= 65_536 else {
                throw .badChain("no end marker after \(models.count) models (at \(address))")
            }
            let header: [UInt16]
            do { header = try client.read(unit: unit, address: address, count: 2) } catch {
                // Some devices end the map without an 0xFFFF header.
                if case .exception = error, !models.isEmpty { break }
                throw .modbus(error)
            }
            if header[0] == SunSpec.endOfModels || header[0] == 0 { break }
            if models.isEmpty && header[0] != 1 {
                throw .badChain("the first model is \(header[0]), not the common model 1")
            }
            models.append(Entry(id: header[0], address: address, length: Int(header[1])))
            address += 2 + Int(header[1])
        }
        guard !models.isEmpty else { throw .badChain("no models after the marker at \(base)") }
        return SunSpecMap(base: base, models: models)
    }
}

/// "0x5375".
func hex4(_ v: UInt16) -> String {
    let hex = String(v, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
}
