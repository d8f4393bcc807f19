import MantaIO

/// A Modbus TCP client on one connection: one request at a time, each with
/// a deadline. Answers are matched by transaction id and unit id; an answer
/// to an earlier request that timed out is read and dropped.
///
/// Not thread-safe: one caller at a time (a device's lock serialises them).
public final class ModbusClient {
    public struct Timeouts: Sendable, Equatable {
        public var connectMs: Int
        public var requestMs: Int

        public init(connectMs: Int = 2000, requestMs: Int = 1000) {
            self.connectMs = connectMs
            self.requestMs = requestMs
        }
    }

    public let host: String
    public let port: Int
    public var timeouts: Timeouts
    private let connection: TCPConnection
    private var transaction: UInt16 = 0
    /// Timeouts in a row; after three the connection is dropped and remade.
    private var timeoutsInARow = 0

    public init(host: String, port: Int, timeouts: Timeouts = Timeouts()) {
        self.host = host
        self.port = port
        self.timeouts = timeouts
        connection = TCPConnection(host: host, port: port)
    }

    public var isConnected: Bool { connection.isOpen }

    public func connect() throws(ModbusError) {
        try connection.open(timeoutMs: timeouts.connectMs)
        timeoutsInARow = 0
    }

    public func close() { connection.close() }

    /// Reads `count` registers (any number: split into reads of at most 125).
    public func read(_ function: ModbusFrame.Function = .readHoldingRegisters, unit: UInt8, address: Int,
                     count: Int) throws(ModbusError) -> [UInt16] {
        guard address >= 0, count >= 1, address + count <= 65_536 else {
            throw .invalidRequest("registers \(address)+\(count)")
        }
        var out: [UInt16] = []
        out.reserveCapacity(count)
        var at = address
        while at < address + count {
            let n = min(ModbusFrame.maxReadCount, address + count - at)
            out += try exchange(.read(function, address: UInt16(at), count: n), unit: unit)
            at += n
        }
        return out
    }

    /// Writes `values` starting at `address` (function 6 for one, 16 for more).
    public func write(unit: UInt8, address: Int, values: [UInt16]) throws(ModbusError) {
        guard address >= 0, address + values.count <= 65_536 else { throw .invalidRequest("registers \(address)+\(values.count)") }
        _ = try exchange(.write(address: UInt16(address), values: values), unit: unit)
    }

    /// One request and its answer.
    public func exchange(_ request: ModbusFrame.Request, unit: UInt8) throws(ModbusError) -> [UInt16] {
        try request.validate()
        if !connection.isOpen { try connect() }
        transaction &+= 1
        let id = transaction
        let deadline = WallClock.monotonicMs() + Int64(timeouts.requestMs)
        do throws(ModbusError) {
            try connection.send(ModbusFrame.encode(request, transaction: id, unit: unit), deadline: deadline)
            while true {
                let head = try ModbusFrame.header(try connection.receive(ModbusFrame.headerSize, deadline: deadline)[...])
                let pdu = try connection.receive(head.pduLength, deadline: deadline)
                // An answer to an earlier, timed-out request: drop it.
                guard head.transaction == id else { continue }
                guard head.unit == unit else { throw .malformed("answer from unit \(head.unit), asked unit \(unit)") }
                let registers = try ModbusFrame.decode(pdu: pdu[...], answering: request)
                timeoutsInARow = 0
                return registers
            }
        } catch {
            if case .timeout = error {
                timeoutsInARow += 1
                // A device that keeps not answering may have lost the
                // stream's framing; start again on a fresh connection.
                if timeoutsInARow >= 3 { connection.close() }
            }
            if !error.connectionUsable { connection.close() }
            throw error
        }
    }
}
