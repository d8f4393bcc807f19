import Glibc

/// The registers of one model as read from a device, and its points'
/// values: scaled by their scale factors, nil where the device leaves a
/// point unimplemented (or its scale factor is).
public struct SunSpecBlock: Sendable {
    public let model: SunSpec.Model
    public let entry: SunSpecMap.Entry
    /// From the model's id register on.
    public let registers: [UInt16]

    public init(model: SunSpec.Model, entry: SunSpecMap.Entry, registers: [UInt16]) {
        self.model = model
        self.entry = entry
        self.registers = registers
    }

    /// Reads what Manta needs of `entry` (up to its last known point, within L).
    public static func read(_ client: ModbusClient, unit: UInt8, entry: SunSpecMap.Entry) throws(ModbusError) -> SunSpecBlock? {
        guard let model = SunSpec.model(entry.id) else { return nil }
        let count = min(entry.length, model.minimumLength) + 2
        return SunSpecBlock(model: model, entry: entry, registers: try client.read(unit: unit, address: entry.address, count: count))
    }

    func slice(_ p: SunSpec.Point) -> ArraySlice<UInt16>? {
        guard p.offset + p.size <= registers.count else { return nil }
        return registers[p.offset..<(p.offset + p.size)]
    }

    /// The register value of `name` before scaling; nil if unimplemented.
    public func raw(_ name: String) -> Double? {
        guard let p = model.point(name), let regs = slice(p), !RegisterCodec.isUnimplemented(regs, p.type) else { return nil }
        return RegisterCodec.number(regs, p.type)
    }

    /// The scale factor exponent that applies to `name` (0 when none).
    public func scaleFactor(_ name: String) -> Int? {
        guard let p = model.point(name) else { return nil }
        guard let sf = p.sf else { return 0 }
        guard let v = raw(sf), abs(v) <= 10 else { return nil }
        return Int(v)
    }

    /// The value of `name` in its SunSpec unit: raw x 10^sf.
    public func value(_ name: String) -> Double? {
        guard let r = raw(name), let sf = scaleFactor(name) else { return nil }
        return sf == 0 ? r : r * pow(10, Double(sf))
    }

    public func string(_ name: String) -> String? {
        guard let p = model.point(name), p.type == .string, let regs = slice(p) else { return nil }
        return RegisterCodec.string(regs)
    }

    /// The address of point `name` on the device.
    public func address(_ name: String) -> Int? { model.point(name).map { entry.address + $0.offset } }
}
