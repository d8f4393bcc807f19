import MantaSDK

/// Rule 3 of abi.h for Swift readers and writers: structs grow by appending
/// and `struct_size` says how much of a struct its filler knew about.
///
/// The C macros (MANTA_HAS_FIELD, MANTA_DRIVER_SIZE_1_0) use offsetof and do
/// not import into Swift; these are their equivalents, used by the host and
/// the kit alike.
public enum ABIGrowth {
    /// MANTA_HAS_FIELD: true when a struct of `structSize` bytes was filled
    /// by someone who knew about `field`.
    @inlinable
    public static func hasField<T, V>(_ structSize: UInt32, _ field: KeyPath<T, V>) -> Bool {
        guard let offset = MemoryLayout<T>.offset(of: field) else { return false }
        return hasField(structSize, offset, MemoryLayout<V>.size)
    }

    /// MANTA_HAS_FIELD by offset and size.
    @inlinable
    public static func hasField(_ structSize: UInt32, _ offset: Int, _ fieldSize: Int) -> Bool {
        Int(structSize) >= offset + fieldSize
    }

    /// The size of each growable struct at ABI 1.0 (abi.h lists them): the
    /// smallest `struct_size` a reader accepts. A struct that has not grown
    /// since 1.0 has its own size; one that grew ends where its first later
    /// field begins.
    public enum Size10 {
        public static let host = MemoryLayout<manta_host_t>.size
        public static let module = MemoryLayout<manta_module_t>.size
        public static let hostMarket = MemoryLayout<manta_host_market_t>.size
        public static let hostDevices = MemoryLayout<manta_host_devices_t>.size
        /// 1.1 appended apply_setpoints (MANTA_DRIVER_SIZE_1_0).
        public static let driver = MemoryLayout<manta_driver_t>.offset(of: \manta_driver_t.apply_setpoints)!
        public static let deviceInfo = MemoryLayout<manta_device_info_t>.size
        /// 1.3 appended full_response_hz.
        public static let setpoint = MemoryLayout<manta_setpoint_t>.offset(of: \manta_setpoint_t.full_response_hz)!
        public static let setpointResult = MemoryLayout<manta_setpoint_result_t>.size
        public static let strategy = MemoryLayout<manta_strategy_t>.size
        /// 1.2 appended fcas_priced, reserved2 and fcas.
        public static let observation = MemoryLayout<manta_observation_t>.offset(of: \manta_observation_t.fcas_priced)!
        /// 1.5 appended site and the site fields.
        public static let assetState = MemoryLayout<manta_asset_state_t>.offset(of: \manta_asset_state_t.site)!
        /// 1.2 appended fcas_mw.
        public static let decision = MemoryLayout<manta_decision_t>.offset(of: \manta_decision_t.fcas_mw)!
        public static let market = MemoryLayout<manta_market_t>.size
        /// 1.2 appended fcas_priced, reserved and fcas (MANTA_PRICE_SIZE_1_0).
        public static let price = MemoryLayout<manta_price_t>.offset(of: \manta_price_t.fcas_priced)!
        public static let bid = MemoryLayout<manta_bid_t>.size
        public static let bidResult = MemoryLayout<manta_bid_result_t>.size
    }

    /// This side's own size of `T`, as a struct_size.
    @inlinable
    public static func size<T>(of _: T.Type) -> UInt32 { UInt32(MemoryLayout<T>.size) }

    /// The struct_size at the start of the struct at `p`.
    @inlinable
    public static func structSize(at p: UnsafeRawPointer) -> UInt32 { p.load(as: UInt32.self) }

    /// Reads the struct at `p` that someone else filled: copies
    /// min(struct_size, own size) bytes into a zeroed `T`, so fields the
    /// filler did not know read as 0 / NULL and nothing past its struct_size
    /// is touched. Returns nil when struct_size is below `minimum` (the
    /// struct's 1.0 size). The copy's struct_size is the filler's.
    @inlinable
    public static func read<T>(_ p: UnsafeRawPointer, as _: T.Type, minimum: Int) -> T? {
        let size = Int(structSize(at: p))
        guard size >= minimum else { return nil }
        return withUnsafeTemporaryAllocation(byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment) { buf in
            let base = buf.baseAddress!
            base.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.size)
            base.copyMemory(from: p, byteCount: min(size, MemoryLayout<T>.size))
            return base.load(as: T.self)
        }
    }

    /// Writes `value` into the struct at `p` that the other side owns and
    /// sized: only the bytes within its struct_size (and within `T`), after
    /// the struct_size field itself, which stays as the owner set it.
    @inlinable
    public static func write<T>(_ value: T, to p: UnsafeMutableRawPointer) {
        let size = min(Int(structSize(at: p)), MemoryLayout<T>.size)
        let head = MemoryLayout<UInt32>.size
        guard size > head else { return }
        withUnsafeBytes(of: value) { bytes in
            (p + head).copyMemory(from: bytes.baseAddress! + head, byteCount: size - head)
        }
    }
}
