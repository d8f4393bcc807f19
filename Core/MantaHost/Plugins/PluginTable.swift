import MantaJSON
import Synchronization

/// What the host knows of each configured instance, loaded or not.
struct InstanceRecord: Sendable {
    var name: String
    var pluginID: String
    var kind: PluginKind?
    var version: String
    var path: String
    var vendor: String
    var license: String
    var enabled: Bool
    /// Why the instance is not running, when it is not.
    var refusal: String?
    /// The config it was created with: validated, defaults filled, paths resolved.
    var config: JSON?
}

/// The configured plugin instances, in config order (index = the
/// instance's InstanceContext.index), and the modules loaded for them.
///
/// Read from the loop (dispatch, RPC) and from plugin threads (callbacks
/// looking up their instance), and filled in by the boot on a host thread:
/// so behind a Mutex rather than on the loop.
final class PluginTable: Sendable {
    private struct Slot: Sendable {
        var record: InstanceRecord
        var instance: PluginInstance?
    }

    private let slots = Mutex<[Slot]>([])
    private let modules = Mutex<[LoadedModule]>([])

    /// Adds the record of the next configured instance; returns its index.
    func append(_ record: InstanceRecord) -> Int {
        slots.withLock { s in
            s.append(Slot(record: record))
            return s.count - 1
        }
    }

    func update(_ index: Int, record: InstanceRecord) { slots.withLock { $0[index].record = record } }
    func set(_ index: Int, instance: PluginInstance) { slots.withLock { $0[index].instance = instance } }

    var count: Int { slots.withLock { $0.count } }
    var records: [InstanceRecord] { slots.withLock { $0.map(\.record) } }
    /// Every instance that was created, in config order.
    var instances: [PluginInstance] { slots.withLock { $0.compactMap(\.instance) } }

    func record(_ index: Int) -> InstanceRecord? { slots.withLock { index < $0.count ? $0[index].record : nil } }
    func instance(at index: Int) -> PluginInstance? { slots.withLock { index < $0.count ? $0[index].instance : nil } }
    func index(of name: String) -> Int? { slots.withLock { $0.firstIndex { $0.record.name == name } } }
    func instance(named name: String) -> PluginInstance? { index(of: name).flatMap(instance(at:)) }

    /// Remembers a module so that teardown can release it once.
    func remember(_ module: LoadedModule) {
        modules.withLock { m in if !m.contains(where: { $0 === module }) { m.append(module) } }
    }

    /// [host] Destroys every instance, then releases the modules.
    func teardown() {
        for inst in instances { inst.destroy() }
        for m in modules.withLock({ $0 }) { m.release() }
    }
}
