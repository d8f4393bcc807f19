import Testing
@testable import MantaModbus

@Suite struct Frames {
    /// The request of the Modbus TCP implementation guide's example layout:
    /// transaction 1, unit 1, read 2 holding registers at 40000 (0x9C40).
    @Test func aReadRequestOnTheWire() {
        let bytes = ModbusFrame.encode(.read(.readHoldingRegisters, address: 40000, count: 2), transaction: 1, unit: 1)
        #expect(bytes == [0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x9C, 0x40, 0x00, 0x02])
    }

    @Test func writesUseFunction6ForOneRegisterAnd16ForMore() {
        #expect(ModbusFrame.encode(.write(address: 47100, values: [2]), transaction: 7, unit: 1)
                == [0, 7, 0, 0, 0, 6, 1, 6, 0xB7, 0xFC, 0, 2])
        #expect(ModbusFrame.encode(.write(address: 10, values: [0x1234, 0xABCD]), transaction: 8, unit: 3)
                == [0, 8, 0, 0, 0, 11, 3, 16, 0, 10, 0, 2, 4, 0x12, 0x34, 0xAB, 0xCD])
    }

    @Test func answersDecode() throws {
        let read = ModbusFrame.Request.read(.readInputRegisters, address: 5016, count: 2)
        #expect(try ModbusFrame.decode(pdu: [4, 4, 0x10, 0x68, 0x00, 0x00], answering: read) == [0x1068, 0])
        #expect(try ModbusFrame.decode(pdu: [16, 0, 10, 0, 2], answering: .write(address: 10, values: [1, 2])) == [])
    }

    @Test func exceptionsAndNonsenseAreNamed() {
        let read = ModbusFrame.Request.read(.readHoldingRegisters, address: 0, count: 2)
        #expect(throws: ModbusError.exception(function: 3, code: 2)) { try ModbusFrame.decode(pdu: [0x83, 2], answering: read) }
        #expect(ModbusError.exception(function: 3, code: 2).description == "Modbus exception 2 (illegal data address) to function 3")
        #expect(throws: ModbusError.malformed("function 4 in answer to function 3")) {
            try ModbusFrame.decode(pdu: [4, 4, 0, 0, 0, 0], answering: read)
        }
        #expect(throws: ModbusError.malformed("3 data bytes for 2 registers")) { try ModbusFrame.decode(pdu: [3, 2, 0, 0], answering: read) }
        #expect(throws: ModbusError.malformed("protocol id 256, not 0 (Modbus)")) { try ModbusFrame.header([0, 1, 1, 0, 0, 6, 1]) }
        #expect(throws: ModbusError.malformed("MBAP length 300 outside 2...254")) { try ModbusFrame.header([0, 1, 0, 0, 1, 44, 1]) }
        #expect(throws: ModbusError.malformed("write confirmation (11, 2) does not echo (10, 2)")) {
            try ModbusFrame.decode(pdu: [16, 0, 11, 0, 2], answering: .write(address: 10, values: [1, 2]))
        }
    }

    @Test func requestsPastTheProtocolsLimitsAreRefusedBeforeSending() {
        #expect(throws: ModbusError.invalidRequest("read of 126 registers (1...125)")) {
            try ModbusFrame.Request.read(.readHoldingRegisters, address: 0, count: 126).validate()
        }
        #expect(throws: ModbusError.invalidRequest("registers 65530+10 run past 65535")) {
            try ModbusFrame.Request.read(.readHoldingRegisters, address: 65530, count: 10).validate()
        }
    }
}

@Suite struct Registers {
    @Test func typesAndWordOrder() {
        #expect(RegisterCodec.number([0xFFFF], .i16) == -1)
        #expect(RegisterCodec.number([0xFFFF], .u16) == 65535)
        #expect(RegisterCodec.number([0x0001, 0x86A0], .u32) == 100_000)
        #expect(RegisterCodec.number([0x86A0, 0x0001], .u32, order: .little) == 100_000)
        #expect(RegisterCodec.number([0xFFFE, 0x7960], .i32) == -100_000)
        #expect(RegisterCodec.number([0x4048, 0xF5C3], .f32).map { ($0 * 100).rounded() } == 314)
        #expect(RegisterCodec.number([0, 0, 0x0001, 0], .u64) == 65536)
    }

    @Test func sunspecsNotImplementedValues() {
        #expect(RegisterCodec.isUnimplemented([0x8000], .i16))
        #expect(RegisterCodec.isUnimplemented([0x8000], .sunssf))
        #expect(RegisterCodec.isUnimplemented([0xFFFF], .u16))
        #expect(RegisterCodec.isUnimplemented([0xFFFF], .enum16))
        #expect(RegisterCodec.isUnimplemented([0x8000, 0], .i32))
        #expect(RegisterCodec.isUnimplemented([0xFFFF, 0xFFFF], .u32))
        #expect(RegisterCodec.isUnimplemented([0, 0], .acc32))
        #expect(RegisterCodec.isUnimplemented([0x7FC0, 0], .f32))
        #expect(!RegisterCodec.isUnimplemented([0x7FFF], .i16))
        #expect(!RegisterCodec.isUnimplemented([0, 1], .acc32))
    }

    @Test func stringsStopAtNulAndLoseTheirPadding() {
        #expect(RegisterCodec.string([0x5355, 0x4E32, 0x3030, 0x3000, 0x4142]) == "SUN2000")
        #expect(RegisterCodec.string([0x4142, 0x2020]) == "AB")
        #expect(RegisterCodec.string([0, 0, 0]) == nil)
    }

    @Test func encodingRoundTripsAndRefusesWhatDoesNotFit() {
        for (v, t) in [(-1.0, RegisterType.i16), (65535, .u16), (-100_000, .i32), (4_000_000_000, .u32), (3.5, .f32)] {
            let regs = RegisterCodec.encode(v, t)!
            #expect(RegisterCodec.number(regs[...], t) == v)
            let little = RegisterCodec.encode(v, t, order: .little)!
            #expect(RegisterCodec.number(little[...], t, order: .little) == v)
        }
        #expect(RegisterCodec.encode(70_000, .u16) == nil)
        #expect(RegisterCodec.encode(40_000, .i16) == nil)
        #expect(RegisterCodec.encode(-1, .u32) == nil)
        #expect(RegisterCodec.encode(1.5, .i16) == nil)
    }

    @Test func templatesNameTypesBothWays() {
        #expect(RegisterType(name: "u16") == .u16 && RegisterType(name: "uint16") == .u16)
        #expect(RegisterType(name: "f32") == .f32 && RegisterType(name: "acc32") == .acc32)
        #expect(RegisterType(name: "u17") == nil)
    }
}

@Suite struct Snapshots {
    @Test func readsAreGroupedIntoRunsOfAtMost125WithSmallGapsReadThrough() {
        let plan = RegisterSnapshot.plan([(.readHoldingRegisters, 32080, 2), (.readHoldingRegisters, 32064, 2),
                                          (.readHoldingRegisters, 32085, 1), (.readHoldingRegisters, 37760, 1),
                                          (.readInputRegisters, 13000, 1), (.readInputRegisters, 13033, 2),
                                          (.readHoldingRegisters, 32106, 2)])
        #expect(plan.map { [Int($0.function.rawValue), $0.start, $0.count] } == [
            [3, 32064, 22],  // 32064 ... 32081, and 32085 within a gap of 16 ...
            [3, 32106, 2],   // ... but not 32106
            [3, 37760, 1], [4, 13000, 1], [4, 13033, 2],
        ])
    }
}
