import MantaABI
import MantaJSON
import MantaSDK

/// The C entry points of the module table. Each is a non-capturing closure
/// (a C function pointer) that finds the Swift instance behind the handle.
enum Thunks {
    static let initModule: @convention(c) () -> Int32 = {
        MantaModule.state.withLock { $0.initCount += 1 }
        return MANTA_OK
    }

    static let deinitModule: @convention(c) () -> Void = {
        MantaModule.state.withLock { $0.initCount = max(0, $0.initCount - 1) }
    }

    static let create: @convention(c) (UnsafePointer<manta_host_t>?, manta_str_t) -> OpaquePointer? = { raw, cfg in
        // A host table smaller than ABI 1.0's has no report_error to trust.
        guard let raw, let factory = MantaModule.factory, let host = PluginHost(raw) else { return nil }
        let config: JSON
        do {
            config = try JSON.parse(String(manta: cfg))
        } catch {
            host.reportError(.config("configuration is not JSON: \(error)"))
            return nil
        }
        do throws(PluginError) {
            let plugin = try factory(host, config)
            return OpaquePointer(Unmanaged.passRetained(InstanceBox(host: host, plugin: plugin)).toOpaque())
        } catch {
            host.reportError(error)
            return nil
        }
    }

    static let start: @convention(c) (OpaquePointer?) -> Int32 = { handle in
        let box = InstanceBox.from(handle)
        return box.reporting { () throws(PluginError) in try box.plugin.start() }
    }

    static let stop: @convention(c) (OpaquePointer?) -> Void = { handle in
        InstanceBox.from(handle).plugin.stop()
    }

    static let destroy: @convention(c) (OpaquePointer?) -> Void = { handle in
        guard let handle else { return }
        Unmanaged<InstanceBox>.fromOpaque(UnsafeRawPointer(handle)).release()
    }

    static let onCallback: @convention(c) (OpaquePointer?) -> Void = { handle in
        InstanceBox.from(handle).plugin.onCallback()
    }

    static let getExtension: @convention(c) (UnsafePointer<CChar>?) -> UnsafeRawPointer? = { id in
        guard let id else { return nil }
        switch (String(cString: id), MantaModule.kind) {
        case (MANTA_DRIVER_ID, MANTA_KIND_DRIVER): return UnsafeRawPointer(DriverThunks.table)
        case (MANTA_STRATEGY_ID, MANTA_KIND_STRATEGY): return UnsafeRawPointer(StrategyThunks.table)
        case (MANTA_MARKET_ID, MANTA_KIND_MARKET): return UnsafeRawPointer(MarketThunks.table)
        case (MANTA_DISCOVERY_ID, MANTA_KIND_DRIVER) where MantaModule.discovery != nil:
            return UnsafeRawPointer(DiscoveryThunks.table)
        default: return nil
        }
    }
}
