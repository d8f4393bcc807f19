import Glibc
import MantaIO
import MantaModbus

/// Simulated Modbus TCP devices served from one thread: each device listens
/// on its own 127.0.0.1 port, answers function codes 3, 4, 6 and 16 from its
/// register map, and answers exception 2 (illegal data address) for
/// registers it does not have and exception 11 for another unit id. A real
/// server over real sockets, for the Swift tests and the benchmarks (the
/// Python tests use pymodbus); fast enough not to be what a benchmark measures.
public final class ModbusSimServer: @unchecked Sendable {
    // @unchecked: the maps are guarded by `lock`; sockets belong to the server thread.
    public struct Device: Sendable {
        public var unit: UInt8
        public var holding: [Int: UInt16]
        public var input: [Int: UInt16]

        public init(unit: UInt8 = 1, holding: [Int: UInt16], input: [Int: UInt16] = [:]) {
            self.unit = unit
            self.holding = holding
            self.input = input
        }
    }

    private var devices: [Device]
    public private(set) var ports: [Int] = []
    private var listeners: [Int32] = []
    private var clients: [Int32: (device: Int, buffer: [UInt8])] = [:]
    private let lock = Lock()
    private var worker: Worker?
    private var stopping = false
    /// Requests answered, for benchmarks.
    public private(set) var answered = 0

    public init(_ devices: [Device]) throws(ModbusError) {
        self.devices = devices
        for _ in devices {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = 0
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, 64) == 0 else { throw .connect("bind: \(String(cString: strerror(errno)))") }
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
            }
            ports.append(Int(UInt16(bigEndian: addr.sin_port)))
            listeners.append(fd)
        }
    }

    public func start() {
        let w = Worker(name: "modbus-sim")
        worker = w
        w.submit { [self] in serve() }
    }

    public func stop() {
        lock.withLock { stopping = true }
        worker?.join()
        for fd in listeners + Array(clients.keys) { close(fd) }
        listeners = []
        clients = [:]
    }

    /// A device's holding registers now (nil where it has none).
    public func holding(_ device: Int, _ address: Int, _ count: Int) -> [UInt16?] {
        lock.withLock { (address..<(address + count)).map { devices[device].holding[$0] } }
    }

    public func setHolding(_ device: Int, _ values: [Int: UInt16]) {
        lock.withLock { for (a, v) in values { devices[device].holding[a] = v } }
    }

    private func serve() {
        while !lock.withLock({ stopping }) {
            var fds = listeners.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let clientFDs = Array(clients.keys)
            fds += clientFDs.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), 100) > 0 else { continue }
            for (i, p) in fds.enumerated() where p.revents != 0 {
                if i < listeners.count {
                    let c = accept(p.fd, nil, nil)
                    if c >= 0 {
                        _ = fcntl(c, F_SETFD, FD_CLOEXEC)
                        var one: Int32 = 1
                        setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                        clients[c] = (i, [])
                    }
                } else {
                    receive(p.fd)
                }
            }
        }
    }

    private func receive(_ fd: Int32) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0, var c = clients[fd] else {
            close(fd)
            clients[fd] = nil
            return
        }
        c.buffer += chunk[0..<n]
        while c.buffer.count >= 7 {
            let length = Int(c.buffer[4]) << 8 | Int(c.buffer[5])
            guard c.buffer.count >= 6 + length else { break }
            let frame = Array(c.buffer[0..<(6 + length)])
            c.buffer.removeFirst(6 + length)
            let reply = answer(frame, device: c.device)
            _ = reply.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        clients[fd] = c
    }

    /// The reply to one request frame.
    private func answer(_ f: [UInt8], device: Int) -> [UInt8] {
        let unit = f[6], function = f[7]
        func word(_ i: Int) -> Int { Int(f[i]) << 8 | Int(f[i + 1]) }
        func frame(_ pdu: [UInt8]) -> [UInt8] {
            [f[0], f[1], 0, 0, UInt8((pdu.count + 1) >> 8), UInt8((pdu.count + 1) & 0xFF), unit] + pdu
        }
        return lock.withLock {
            answered += 1
            guard unit == devices[device].unit else { return frame([function | 0x80, 11]) }
            let address = word(8)
            switch function {
            case 3, 4:
                let count = word(10)
                let table = function == 3 ? devices[device].holding : devices[device].input
                var data: [UInt8] = [function, UInt8(count * 2)]
                for a in address..<(address + count) {
                    guard let v = table[a] else { return frame([function | 0x80, 2]) }
                    data += [UInt8(v >> 8), UInt8(v & 0xFF)]
                }
                return frame(data)
            case 6:
                guard devices[device].holding[address] != nil else { return frame([function | 0x80, 2]) }
                devices[device].holding[address] = UInt16(word(10))
                return frame(Array(f[7..<12]))
            case 16:
                let count = word(10)
                for k in 0..<count where devices[device].holding[address + k] == nil { return frame([function | 0x80, 2]) }
                for k in 0..<count { devices[device].holding[address + k] = UInt16(word(13 + 2 * k)) }
                return frame(Array(f[7..<12]))
            default:
                return frame([function | 0x80, 1])
            }
        }
    }
}
