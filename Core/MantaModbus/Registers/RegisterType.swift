import MantaIO
import MantaText

/// How a value is laid out in 16-bit registers: the SunSpec type names
/// (int16, uint32, acc32, float32, string, sunssf, enum16, bitfield32 ...)
/// and the short names vendor templates use (u16, i32, f32 ...).
public enum RegisterType: String, Sendable, CaseIterable {
    case u16 = "uint16", i16 = "int16", u32 = "uint32", i32 = "int32", u64 = "uint64", i64 = "int64"
    case f32 = "float32", f64 = "float64"
    case acc16, acc32, acc64, count
    case enum16, enum32, bitfield16, bitfield32, sunssf, pad, string

    /// Accepts both spellings: "u16" and "uint16", "f32" and "float32".
    public init?(name: String) {
        let short: [String: RegisterType] = ["u16": .u16, "i16": .i16, "u32": .u32, "i32": .i32, "u64": .u64,
                                             "i64": .i64, "f32": .f32, "f64": .f64]
        guard let t = short[name] ?? RegisterType(rawValue: name) else { return nil }
        self = t
    }

    /// Registers a value takes; nil for strings, whose length is given.
    public var words: Int? {
        switch self {
        case .u16, .i16, .acc16, .count, .enum16, .bitfield16, .sunssf, .pad: return 1
        case .u32, .i32, .f32, .acc32, .enum32, .bitfield32: return 2
        case .u64, .i64, .f64, .acc64: return 4
        case .string: return nil
        }
    }

    var isSigned: Bool { self == .i16 || self == .i32 || self == .i64 || self == .sunssf }
}

/// Which register of a multi-register value comes first. Modbus itself is
/// big-endian within a register; SunSpec and most vendors also put the
/// high word first ("big"); some put the low word first ("little").
public enum WordOrder: String, Sendable {
    case big, little
}

public enum RegisterCodec {
    /// The raw number in `registers` (exactly `type.words` of them), as an
    /// integer or float; nil for strings and pads.
    public static func number(_ registers: ArraySlice<UInt16>, _ type: RegisterType, order: WordOrder = .big) -> Double? {
        guard let words = type.words, registers.count >= words, type != .pad else { return nil }
        var bits: UInt64 = 0
        let regs = order == .big ? Array(registers.prefix(words)) : Array(registers.prefix(words).reversed())
        for r in regs { bits = bits << 16 | UInt64(r) }
        switch type {
        case .f32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .f64: return Double(bitPattern: bits)
        default:
            if type.isSigned {
                let shift = UInt64(64 - 16 * words)
                return Double(Int64(bitPattern: bits << shift) >> Int64(shift))
            }
            return Double(bits)
        }
    }

    /// Whether `registers` hold SunSpec's "not implemented" value for `type`:
    /// 0x8000 for int16 and sunssf, 0xFFFF for uint16, enum16 and bitfield16,
    /// 0x80000000 / 0xFFFFFFFF for 32-bit, 0 for accumulators, NaN for floats.
    public static func isUnimplemented(_ registers: ArraySlice<UInt16>, _ type: RegisterType, order: WordOrder = .big) -> Bool {
        guard let words = type.words, registers.count >= words else { return true }
        let regs = order == .big ? Array(registers.prefix(words)) : Array(registers.prefix(words).reversed())
        switch type {
        case .i16, .sunssf: return regs[0] == 0x8000
        case .u16, .count, .enum16, .bitfield16: return regs[0] == 0xFFFF
        case .i32: return regs == [0x8000, 0]
        case .u32, .enum32, .bitfield32: return regs == [0xFFFF, 0xFFFF]
        case .i64: return regs == [0x8000, 0, 0, 0]
        case .u64: return regs == [0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF]
        case .acc16, .acc32, .acc64: return regs.allSatisfy { $0 == 0 }
        case .f32, .f64: return number(registers, type, order: order)?.isNaN ?? true
        case .pad, .string: return false
        }
    }

    /// Text in `registers`: two bytes per register, high byte first, ended
    /// by NUL; nil when empty (SunSpec's "not implemented" string).
    public static func string(_ registers: ArraySlice<UInt16>) -> String? {
        var bytes: [UInt8] = []
        for r in registers { bytes += [UInt8(r >> 8), UInt8(r & 0xFF)] }
        if let nul = bytes.firstIndex(of: 0) { bytes.removeSubrange(nul...) }
        let text = String(decoding: bytes, as: UTF8.self).trimmed
        return text.isEmpty ? nil : text
    }

    /// The registers for `value` as `type`; nil when it does not fit (out of
    /// range or not a whole number for an integer type).
    public static func encode(_ value: Double, _ type: RegisterType, order: WordOrder = .big) -> [UInt16]? {
        guard let words = type.words, value.isFinite else { return nil }
        var bits: UInt64
        switch type {
        case .f32: bits = UInt64(Float(value).bitPattern)
        case .f64: bits = value.bitPattern
        default:
            guard value.rounded() == value else { return nil }
            let width = 16 * words
            if type.isSigned {
                let limit = Double(sign: .plus, exponent: width - 1, significand: 1)
                guard value >= -limit, value < limit else { return nil }
                bits = UInt64(bitPattern: Int64(value)) & (width == 64 ? .max : (1 << UInt64(width)) - 1)
            } else {
                guard value >= 0, value < Double(sign: .plus, exponent: width, significand: 1) else { return nil }
                bits = UInt64(value)
            }
        }
        var regs = (0..<words).map { k in UInt16(truncatingIfNeeded: bits >> UInt64(16 * (words - 1 - k))) }
        if order == .little { regs.reverse() }
        return regs
    }
}
