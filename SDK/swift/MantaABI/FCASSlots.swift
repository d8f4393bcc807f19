import MantaSDK

/// The ABI's FCAS slots (`fcas_priced` and `fcas[MANTA_FCAS_COUNT]`, in
/// manta_price_t and manta_observation_t since 1.2) to and from the Swift
/// form: empty for no FCAS, else `Price.fcasCount` values in MANTA_FCAS_*
/// order with NaN for a service not priced.
enum FCASSlots {
    /// The values the set bits of `priced` mark in `slots` (the C array, imported as a tuple).
    static func read<Slots>(_ priced: UInt32, _ slots: Slots) -> [Double] {
        guard priced != 0 else { return [] }
        return withUnsafeBytes(of: slots) { raw in
            (0..<Price.fcasCount).map { i in priced & (1 << UInt32(i)) != 0 ? raw.load(fromByteOffset: i * 8, as: Double.self) : .nan }
        }
    }

    /// Writes the priced `values` into `slots`; returns their bits for fcas_priced.
    static func write<Slots>(_ values: [Double], into slots: inout Slots) -> UInt32 {
        var priced: UInt32 = 0
        withUnsafeMutableBytes(of: &slots) { raw in
            for (i, v) in values.prefix(Price.fcasCount).enumerated() where !v.isNaN {
                raw.storeBytes(of: v, toByteOffset: i * 8, as: Double.self)
                priced |= 1 << UInt32(i)
            }
        }
        return priced
    }
}
