/// Modbus TCP application data units (Modbus Messaging on TCP/IP
/// Implementation Guide v1.0b): a 7-byte MBAP header (transaction id,
/// protocol id 0, length of what follows, unit id) and a PDU (function code
/// and data). Registers are big-endian 16-bit words on the wire.
public enum ModbusFrame {
    /// Function codes Manta uses.
    public enum Function: UInt8, Sendable {
        case readHoldingRegisters = 3
        case readInputRegisters = 4
        case writeSingleRegister = 6
        case writeMultipleRegisters = 16
    }

    /// Read at most this many registers at once (the PDU limit, 125).
    public static let maxReadCount = 125
    /// Write at most this many at once (123).
    public static let maxWriteCount = 123
    public static let headerSize = 7

    public struct Request: Sendable, Equatable {
        public var function: Function
        public var address: UInt16
        /// Registers to read; for writes, `values.count`.
        public var count: UInt16
        public var values: [UInt16]

        public static func read(_ function: Function, address: UInt16, count: Int) -> Request {
            Request(function: function, address: address, count: UInt16(clamping: count), values: [])
        }

        public static func write(address: UInt16, values: [UInt16]) -> Request {
            values.count == 1
                ? Request(function: .writeSingleRegister, address: address, count: 1, values: values)
                : Request(function: .writeMultipleRegisters, address: address, count: UInt16(clamping: values.count), values: values)
        }

        /// Checks the limits of the protocol before anything is sent.
        public func validate() throws(ModbusError) {
            switch function {
            case .readHoldingRegisters, .readInputRegisters:
                guard count >= 1, count <= ModbusFrame.maxReadCount else {
                    throw .invalidRequest("read of \(count) registers (1...\(ModbusFrame.maxReadCount))")
                }
            case .writeSingleRegister:
                guard values.count == 1 else { throw .invalidRequest("write single with \(values.count) values") }
            case .writeMultipleRegisters:
                guard !values.isEmpty, values.count <= ModbusFrame.maxWriteCount else {
                    throw .invalidRequest("write of \(values.count) registers (1...\(ModbusFrame.maxWriteCount))")
                }
            }
            guard Int(address) + Int(count) <= 65_536 else {
                throw .invalidRequest("registers \(address)+\(count) run past 65535")
            }
        }
    }

    /// The bytes of `request` to `unit` under transaction id `transaction`.
    public static func encode(_ request: Request, transaction: UInt16, unit: UInt8) -> [UInt8] {
        var pdu: [UInt8] = [request.function.rawValue]
        func put(_ v: UInt16) { pdu += [UInt8(v >> 8), UInt8(v & 0xFF)] }
        put(request.address)
        switch request.function {
        case .readHoldingRegisters, .readInputRegisters:
            put(request.count)
        case .writeSingleRegister:
            put(request.values[0])
        case .writeMultipleRegisters:
            put(UInt16(request.values.count))
            pdu.append(UInt8(request.values.count * 2))
            request.values.forEach(put)
        }
        let length = UInt16(pdu.count + 1)
        return [UInt8(transaction >> 8), UInt8(transaction & 0xFF), 0, 0,
                UInt8(length >> 8), UInt8(length & 0xFF), unit] + pdu
    }

    /// A parsed MBAP header: how many more bytes the frame has.
    public struct Header: Sendable, Equatable {
        public var transaction: UInt16
        public var unit: UInt8
        /// Bytes after the header (the PDU).
        public var pduLength: Int
    }

    /// Reads a header, refusing what cannot be Modbus TCP (a wrong protocol
    /// id or an impossible length means the stream is out of step).
    public static func header(_ b: ArraySlice<UInt8>) throws(ModbusError) -> Header {
        let i = b.startIndex
        let protocolID = UInt16(b[i + 2]) << 8 | UInt16(b[i + 3])
        guard protocolID == 0 else { throw .malformed("protocol id \(protocolID), not 0 (Modbus)") }
        let length = Int(b[i + 4]) << 8 | Int(b[i + 5])
        guard length >= 2, length <= 254 else { throw .malformed("MBAP length \(length) outside 2...254") }
        return Header(transaction: UInt16(b[i]) << 8 | UInt16(b[i + 1]), unit: b[i + 6], pduLength: length - 1)
    }

    /// The registers read, or the write's confirmation (an empty array),
    /// from the PDU answering `request`.
    public static func decode(pdu: ArraySlice<UInt8>, answering request: Request) throws(ModbusError) -> [UInt16] {
        guard let function = pdu.first else { throw .malformed("empty PDU") }
        let body = pdu.dropFirst()
        if function == request.function.rawValue | 0x80 {
            guard let code = body.first else { throw .malformed("exception without a code") }
            throw .exception(function: request.function.rawValue, code: code)
        }
        guard function == request.function.rawValue else {
            throw .malformed("function \(function) in answer to function \(request.function.rawValue)")
        }
        let i = body.startIndex
        switch request.function {
        case .readHoldingRegisters, .readInputRegisters:
            guard let byteCount = body.first.map(Int.init), byteCount == Int(request.count) * 2, body.count == byteCount + 1 else {
                throw .malformed("\(body.count) data bytes for \(request.count) registers")
            }
            return (0..<Int(request.count)).map { k in UInt16(body[i + 1 + 2 * k]) << 8 | UInt16(body[i + 2 + 2 * k]) }
        case .writeSingleRegister, .writeMultipleRegisters:
            guard body.count == 4 else { throw .malformed("write confirmation of \(body.count) bytes, not 4") }
            let address = UInt16(body[i]) << 8 | UInt16(body[i + 1])
            let second = UInt16(body[i + 2]) << 8 | UInt16(body[i + 3])
            let expected = request.function == .writeSingleRegister ? request.values[0] : UInt16(request.values.count)
            guard address == request.address, second == expected else {
                throw .malformed("write confirmation (\(address), \(second)) does not echo (\(request.address), \(expected))")
            }
            return []
        }
    }
}
