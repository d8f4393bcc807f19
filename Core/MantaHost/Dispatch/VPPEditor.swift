import MantaIO
import MantaJSON

/// Changes to the VPPs while the host runs (vpps.create, update, delete,
/// add_members, remove_members): each is checked as a whole (instances of
/// the right kinds; no device allocated beyond 1 across VPPs) before any of
/// it applies, then persisted, so that it survives a restart.
@LoopActor
final class VPPEditor {
    private let vpps: VPPSet
    private let plugins: PluginTable
    private let registry: DeviceRegistry
    private let sites: [HostConfig.Site]
    private let store: StorePipeline
    private let events: EventLog

    init(vpps: VPPSet, plugins: PluginTable, registry: DeviceRegistry, sites: [HostConfig.Site], store: StorePipeline,
         events: EventLog) {
        self.vpps = vpps
        self.plugins = plugins
        self.registry = registry
        self.sites = sites
        self.store = store
        self.events = events
    }

    /// Adds a VPP. Refused when the id is taken, an instance is missing or
    /// of the wrong kind, or a member would be over-allocated.
    func create(_ v: HostConfig.VPP, by principal: String) throws(RPCError) -> VPPRuntime {
        guard vpps.vpp(v.id) == nil else { throw .invalidParams("id: a VPP named \(v.id) exists") }
        let candidate = try check(v, replacing: nil)
        vpps.insert(candidate)
        persist(v, by: principal)
        events.record(.info, source: v.id, kind: "vpp.created", "\(v.region.code), \(candidate.members.count) members, \(v.status.rawValue), by \(principal)")
        return candidate
    }

    /// Changes a VPP's definition with `change`; the VPP keeps its place in
    /// the dispatch cycle (an interval in flight completes).
    func update(_ id: String, by principal: String, _ change: (inout HostConfig.VPP) throws(RPCError) -> Void)
        throws(RPCError) -> VPPRuntime
    {
        guard let runtime = vpps.vpp(id) else { throw .notFound("no VPP \(id)") }
        var v = runtime.config
        try change(&v)
        let candidate = try check(v, replacing: id)
        runtime.config = v
        runtime.market = candidate.market
        runtime.strategy = candidate.strategy
        runtime.members = candidate.members
        runtime.leftOut = candidate.leftOut
        vpps.reindex()
        persist(v, by: principal)
        return runtime
    }

    /// Removes a VPP: it decides no further interval; setpoints already
    /// sent run to the end of their validity (the interval and its grace).
    func delete(_ id: String, by principal: String) throws(RPCError) {
        guard vpps.vpp(id) != nil else { throw .notFound("no VPP \(id)") }
        vpps.remove(id)
        let row = VPPDefinitionRow(id: id, definition: nil, updatedMs: WallClock.nowMs(), principal: principal)
        store.add { $0.vppDefinitions.append(row) }
        events.record(.info, source: id, kind: "vpp.deleted", "by \(principal)")
    }

    /// A runtime built from `v` with its instances and members, refused if
    /// together with every other VPP (all but `replacing`) a device would
    /// be allocated beyond 1.
    private func check(_ v: HostConfig.VPP, replacing: String?) throws(RPCError) -> VPPRuntime {
        for (j, m) in v.members.enumerated() {
            if let p = VPPSchemas.problem(m) { throw .invalidParams("members[\(j)]: \(p)") }
        }
        if let p = VPPSchemas.listProblem(v.members) { throw .invalidParams(p) }
        for (j, m) in v.members.enumerated() {
            if let d = m.device, registry.device(id: d) == nil { throw .invalidParams("members[\(j)].device: no device \(d)") }
        }
        let candidate = VPPRuntime(config: v, market: nil, strategy: nil)
        do throws(VPPEditError) {
            try vpps.bind(candidate, plugins: plugins)
        } catch {
            throw .invalidParams("\(error.field): \(error.message)")
        }
        candidate.resolveMembers(registry.devices, sites: sites)
        let others = vpps.all.filter { $0.config.id != replacing }
        let over = VPPSet.overAllocated(others + [candidate]).filter { c in c.shares.contains { $0.vpp == v.id } }
        if !over.isEmpty {
            let lines = over.prefix(10).map { c in
                "\(registry.device(number: c.device)?.id ?? "#\(c.device)"): "
                    + c.shares.map { "\($0.vpp) \(Self.text($0.allocation))" }.joined(separator: " + ")
                    + " = \(Self.text(c.shares.reduce(0) { $0 + $1.allocation })) > 1"
            }
            let more = over.count > 10 ? " (and \(over.count - 10) more)" : ""
            throw RPCError.invalidParams("allocation over 1: " + lines.joined(separator: "; ") + more,
                                         data: .object(JSONObject([("conflicts", .array(over.prefix(1000).map { c in
                                             .object(JSONObject([
                                                 ("device", .string(registry.device(number: c.device)?.id ?? "#\(c.device)")),
                                                 ("shares", .array(c.shares.map { s in
                                                     .object(JSONObject([("vpp", .string(s.vpp)), ("allocation", .number(s.allocation))]))
                                                 })),
                                             ]))
                                         }))])))
        }
        return candidate
    }

    private func persist(_ v: HostConfig.VPP, by principal: String) {
        let row = VPPDefinitionRow(id: v.id, definition: v.json.serialized(), updatedMs: WallClock.nowMs(), principal: principal)
        store.add { $0.vppDefinitions.append(row) }
    }

    /// The store's runtime definitions, read back: each checked against
    /// the definition schema (defaults filled in) and decoded; one that no
    /// longer reads is skipped with its reason in `problems`.
    static func stored(_ rows: [(id: String, definition: String?)]) -> (vpps: [(id: String, vpp: HostConfig.VPP?)], problems: [String]) {
        var out: [(id: String, vpp: HostConfig.VPP?)] = [], problems: [String] = []
        let schema: JSONSchema
        do { schema = try JSONSchema(VPPSchemas.definition) } catch { return ([], ["definition schema: \(error)"]) }
        for (id, text) in rows {
            guard let text else {
                out.append((id, nil))
                continue
            }
            do {
                let value = try JSON.parse(text)
                if let v = schema.validate(value).first { throw StoredDefinitionError(message: "\(v)") }
                out.append((id, try JSONValueDecoder().decode(HostConfig.VPP.self, from: schema.applyingDefaults(to: value))))
            } catch {
                problems.append("stored definition of VPP \(id) does not read (\(error)): skipped")
            }
        }
        return (out, problems)
    }

    private struct StoredDefinitionError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static func text(_ x: Double) -> String {
        let r = (x * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
