import MantaABI
import MantaModel
import MantaSDK

/// Every device the host knows, numbered fleet-wide.
///
/// Numbers are stable across restarts: the store remembers (instance, key)
/// -> number, and the registry is seeded from it at startup.
///
/// Not Sendable: the host's lives on the loop, inside loop-bound services;
/// the plugin validator keeps one of its own.
final class DeviceRegistry {
    private(set) var devices: [DeviceDescriptor] = []
    private var byNumber: [UInt32: Int] = [:]
    private var byID: [String: Int] = [:]
    /// Per driver instance (by instance index): its devices by driver index.
    private var byInstance: [[Int]] = []
    private var known: [String: UInt32]
    private var nextNumber: UInt32
    /// `bySite`, built on first use after a registration changed the devices.
    private var siteIndex: [String: [DeviceDescriptor]]?

    /// `known`: numbers already assigned ("instance/key" -> number).
    init(known: [String: UInt32]) {
        self.known = known
        nextNumber = (known.values.max() ?? 0) + 1
    }

    var count: Int { devices.count }

    /// The devices of each site, in registration order. Sites change only
    /// when devices register, so RPC and the per-interval checks share one
    /// grouping instead of scanning the fleet once per site.
    var bySite: [String: [DeviceDescriptor]] {
        if let index = siteIndex { return index }
        let index = Dictionary(grouping: devices, by: \.site)
        siteIndex = index
        return index
    }

    /// Registers what a driver described, with the operator's overrides
    /// applied (in order: a later match wins for `site` and `enabled`; limits
    /// only ever tighten). Returns the descriptors (new and updated) and a
    /// problem line for each device refused.
    func register(instance: String, instanceIndex: Int, described: [Result<DeviceInfo, UnknownDeviceKind>],
                  overrides: [HostConfig.DeviceOverride] = [])
        -> (devices: [DeviceDescriptor], problems: [String])
    {
        while byInstance.count <= instanceIndex { byInstance.append([]) }
        siteIndex = nil
        var added: [DeviceDescriptor] = [], problems: [String] = []
        var table = [Int](repeating: -1, count: described.count)
        for (position, entry) in described.enumerated() {
            let index = UInt32(position)
            let d: DeviceInfo
            switch entry {
            case .success(let info): d = info
            case .failure(let e):
                problems.append("device \(index) (\(e.key)): \(e)")
                continue
            }
            let id = "\(instance)/\(d.key)"
            guard !d.key.isEmpty, !d.key.contains("/") else {
                problems.append("device \(index): key '\(d.key)' must be non-empty and contain no '/'")
                continue
            }
            if let other = byID[id], devices[other].index != index {
                problems.append("device \(index): key \(d.key) repeats device \(devices[other].index)")
                continue
            }
            if let bad = d.ratings.problems().first {
                problems.append("device \(index) (\(d.key)): \(bad)")
                continue
            }
            let number = known[id] ?? {
                defer { nextNumber += 1 }
                return nextNumber
            }()
            known[id] = number
            var descriptor = DeviceDescriptor(
                number: number, instance: instance, index: index, key: d.key, kind: d.kind,
                site: d.site.isEmpty ? instance : d.site, manufacturer: d.manufacturer, model: d.model,
                serial: d.serial, ratings: d.ratings, controllable: d.controllable, readOnly: d.readOnly)
            descriptor.respondsToFrequency = d.respondsToFrequency
            for o in overrides where o.matches(id) {
                if let e = o.enabled { descriptor.enabled = e }
                if let s = o.site { descriptor.site = s }
                descriptor.ratings = descriptor.ratings.tightened(by: o.limits)
            }
            let slot: Int
            if let existing = byNumber[number] {
                slot = existing
                devices[slot] = descriptor
            } else {
                slot = devices.count
                devices.append(descriptor)
                byNumber[number] = slot
                byID[id] = slot
            }
            table[Int(index)] = slot
            added.append(descriptor)
        }
        byInstance[instanceIndex] = table
        return (added, problems)
    }

    /// The device a driver means by its local `index`, or nil.
    @inline(__always)
    func device(instance: Int, index: UInt32) -> DeviceDescriptor? {
        guard instance < byInstance.count else { return nil }
        let table = byInstance[instance]
        guard Int(index) < table.count else { return nil }
        let slot = table[Int(index)]
        return slot >= 0 ? devices[slot] : nil
    }

    func device(number: UInt32) -> DeviceDescriptor? { byNumber[number].map { devices[$0] } }
    /// Where device `number` is in `devices`: for reading a few fields of
    /// many devices without copying each descriptor (seven strings).
    func slot(number: UInt32) -> Int? { byNumber[number] }
    func device(id: String) -> DeviceDescriptor? { byID[id].map { devices[$0] } }

    /// Whether `site` has a grid meter (so its export can be held at the meter).
    func hasMeter(site: String) -> Bool {
        bySite[site]?.contains { $0.kind == .meter } ?? false
    }
}
