import MantaSDK

/// A device as a driver describes it (manta_device_info_t), before the host
/// numbers it. The driver's index is its position in the driver's list.
public struct DeviceInfo: Sendable, Equatable {
    public var kind: DeviceKind
    public var key: String
    public var site: String
    public var manufacturer = ""
    public var model = ""
    public var serial = ""
    public var ratings = DeviceRatings()
    /// MANTA_DEVICE_F_CONTROLLABLE: accepts setpoints.
    public var controllable = false
    /// MANTA_DEVICE_F_READ_ONLY: must never be written.
    public var readOnly = false
    /// MANTA_DEVICE_F_FREQUENCY_RESPONSE (ABI 1.3): has a local frequency
    /// controller and takes raise and lower response setpoints.
    public var respondsToFrequency = false

    public init(kind: DeviceKind, key: String, site: String) {
        self.kind = kind
        self.key = key
        self.site = site
    }

    /// The MANTA_DEVICE_F_* flags.
    public var flags: UInt32 {
        (controllable ? MANTA_DEVICE_F_CONTROLLABLE : 0) | (readOnly ? MANTA_DEVICE_F_READ_ONLY : 0)
            | (respondsToFrequency ? MANTA_DEVICE_F_FREQUENCY_RESPONSE : 0)
    }

    /// The C struct, its strings lent by `lend` (they must outlive the
    /// reader's use of them); struct_size is left 0 for the writer to set.
    public func c(lending lend: (String) -> manta_str_t) -> manta_device_info_t {
        manta_device_info_t(
            struct_size: 0, kind: kind.rawValue, key: lend(key), site: lend(site), manufacturer: lend(manufacturer),
            model: lend(model), serial: lend(serial), rated_power_w: ratings.ratedPowerW,
            max_charge_w: ratings.maxChargeW, max_discharge_w: ratings.maxDischargeW, capacity_wh: ratings.capacityWh,
            soc_min: ratings.socMin, soc_max: ratings.socMax, round_trip_efficiency: ratings.roundTripEfficiency,
            flags: flags, reserved0: 0)
    }

    /// Reads what a driver filled in (strings copied). A kind code this side
    /// does not know is a refusal of that device, not a guess.
    public static func read(_ c: manta_device_info_t) -> Result<DeviceInfo, UnknownDeviceKind> {
        let key = String(manta: c.key)
        guard let kind = DeviceKind(rawValue: c.kind) else { return .failure(UnknownDeviceKind(code: c.kind, key: key)) }
        var d = DeviceInfo(kind: kind, key: key, site: String(manta: c.site))
        d.manufacturer = String(manta: c.manufacturer)
        d.model = String(manta: c.model)
        d.serial = String(manta: c.serial)
        d.ratings = DeviceRatings(
            ratedPowerW: c.rated_power_w, maxChargeW: c.max_charge_w, maxDischargeW: c.max_discharge_w,
            capacityWh: c.capacity_wh, socMin: c.soc_min, socMax: c.soc_max, roundTripEfficiency: c.round_trip_efficiency)
        d.controllable = c.flags & MANTA_DEVICE_F_CONTROLLABLE != 0
        d.readOnly = c.flags & MANTA_DEVICE_F_READ_ONLY != 0
        d.respondsToFrequency = c.flags & MANTA_DEVICE_F_FREQUENCY_RESPONSE != 0
        return .success(d)
    }
}

/// A device a driver described with a kind code outside MANTA_DEVICE_*.
public struct UnknownDeviceKind: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int32
    /// The key the driver gave the device, for naming it.
    public var key: String

    public init(code: Int32, key: String) {
        self.code = code
        self.key = key
    }

    public var description: String { "unknown kind code \(code)" }
}
