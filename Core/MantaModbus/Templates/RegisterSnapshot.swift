import MantaIO
import MantaText

/// Registers read from a device in as few requests as possible: the
/// registers a template needs are grouped per function into runs of at most
/// 125 (gaps of up to 16 unused registers are read through rather than
/// costing another round trip), read, and then decoded from memory.
public struct RegisterSnapshot: Sendable {
    public struct Key: Hashable, Sendable {
        public let function: UInt8
        public let address: Int
    }

    private(set) var words: [Key: UInt16] = [:]

    public init() {}

    /// One read request: a run of registers covering some spans.
    public struct Run: Sendable {
        public var function: ModbusFrame.Function
        public var start: Int
        public var count: Int
        /// The spans it covers, each (start, count).
        var spans: [(Int, Int)]
    }

    /// The runs to read to cover `spans` (function, first address, count).
    public static func plan(_ spans: [(ModbusFrame.Function, Int, Int)], maxGap: Int = 16) -> [Run] {
        var out: [Run] = []
        for function in [ModbusFrame.Function.readHoldingRegisters, .readInputRegisters] {
            let mine = spans.filter { $0.0 == function }.sorted { $0.1 < $1.1 }
            var current: Run?
            for (_, start, count) in mine {
                let end = start + count
                if var r = current, start <= r.start + r.count + maxGap, max(r.start + r.count, end) - r.start <= ModbusFrame.maxReadCount {
                    r.count = max(r.start + r.count, end) - r.start
                    r.spans.append((start, count))
                    current = r
                } else {
                    if let r = current { out.append(r) }
                    current = Run(function: function, start: start, count: count, spans: [(start, count)])
                }
            }
            if let r = current { out.append(r) }
        }
        return out
    }

    /// Reads every run of `plan` from `unit`. A run the device refuses with
    /// an exception (a gap it does not implement) is read span by span, and
    /// spans it still refuses are left out; only when nothing at all could
    /// be read does the exception fail the snapshot.
    public static func read(_ client: ModbusClient, unit: UInt8, plan: [Run]) throws(ModbusError) -> RegisterSnapshot {
        var s = RegisterSnapshot()
        var refused: ModbusError?
        func take(_ function: ModbusFrame.Function, _ start: Int, _ count: Int) throws(ModbusError) {
            let regs = try client.read(function, unit: unit, address: start, count: count)
            for (i, r) in regs.enumerated() { s.words[Key(function: function.rawValue, address: start + i)] = r }
        }
        for run in plan {
            do { try take(run.function, run.start, run.count) } catch {
                guard case .exception = error else { throw error }
                refused = error
                for (start, count) in run.spans where run.spans.count > 1 {
                    do { try take(run.function, start, count) } catch {
                        guard case .exception = error else { throw error }
                    }
                }
            }
        }
        if let refused, s.words.isEmpty { throw refused }
        return s
    }

    func registers(_ function: ModbusFrame.Function, _ address: Int, _ count: Int) -> ArraySlice<UInt16>? {
        var out: [UInt16] = []
        for a in address..<(address + count) {
            guard let w = words[Key(function: function.rawValue, address: a)] else { return nil }
            out.append(w)
        }
        return out[...]
    }

    /// A template register's catalog value: scaled and offset, signed by its
    /// sign register if it has one; nil when not read or unavailable.
    public func value(_ r: DeviceTemplate.Register) -> Double? {
        guard let regs = registers(r.function, r.address, r.count), let raw = RegisterCodec.number(regs, r.type, order: r.wordOrder),
              !raw.isNaN, !r.unavailable.contains(raw) else { return nil }
        var v = raw * r.scale + r.offset
        if let s = r.sign {
            guard let bits = registers(s.function, s.address, 1)?.first else { return nil }
            if bits & (1 << UInt16(s.bit)) != 0 { v = -abs(v) }
        }
        return v
    }

    public func string(_ r: DeviceTemplate.Register) -> String? {
        guard let regs = registers(r.function, r.address, r.count) else { return nil }
        if r.type == .string { return RegisterCodec.string(regs) }
        guard let v = value(r) else { return nil }
        return r.labels[Int(exactly: v) ?? -1] ?? NumberText.rounded(v, 6)
    }
}

extension DeviceTemplate.Register {
    /// The registers this value (and its sign) occupies.
    var spans: [(ModbusFrame.Function, Int, Int)] {
        [(function, address, count)] + (sign.map { [($0.function, $0.address, 1)] } ?? [])
    }
}
