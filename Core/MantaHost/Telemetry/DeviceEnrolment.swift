import MantaABI

/// What a driver described becomes fleet devices: numbered (stably, from
/// the store), with the operator's overrides applied, stored, and each
/// refusal an event.
@LoopActor
final class DeviceEnrolment {
    private let registry: DeviceRegistry
    private let overrides: [HostConfig.DeviceOverride]
    private let store: StorePipeline
    private let events: EventLog
    private let clock: HostClock

    init(registry: DeviceRegistry, overrides: [HostConfig.DeviceOverride], store: StorePipeline, events: EventLog,
         clock: HostClock) {
        self.registry = registry
        self.overrides = overrides
        self.store = store
        self.events = events
        self.clock = clock
    }

    /// Enrols driver instance `instance`'s devices; returns how many it has.
    func enrol(_ described: [Result<DeviceInfo, UnknownDeviceKind>], instance: String, index: Int) -> Int {
        let (devices, problems) = registry.register(instance: instance, instanceIndex: index, described: described,
                                                    overrides: overrides)
        for p in problems { events.record(.warning, source: instance, kind: "device.refused", p) }
        let seen = clock.nowMs()
        store.add {
            $0.devices += devices
            $0.devicesSeenMs = seen
        }
        return devices.count
    }
}
