import MantaJSON
import MantaMarket
import MantaModel

extension HostConfig.VPP: RPCParams {}

/// vpps.list, vpps.create, vpps.update, vpps.delete, vpps.add_members,
/// vpps.remove_members, vpps.capacity, vpps.conflicts.
@LoopActor
struct VPPMethods {
    let vpps: VPPSet
    let editor: VPPEditor
    let members: MemberStates
    let responses: ResponseWatch
    let exportRoom: ExportRoom
    let registry: DeviceRegistry
    let store: StorePipeline
    let clock: HostClock
    let cache = CapacityCache()

    var methods: [RPCMethod] {
        let vpps = self.vpps, editor = self.editor, store = self.store
        let one: (VPPRuntime) -> JSON = { [self] in vppJSON($0) }
        /// Answers once the change is committed: acknowledged means stored.
        let committed: @LoopActor (VPPRuntime?, @escaping RPCRespond) -> Void = { v, respond in
            store.flush(waitFor: .records) { error in
                if let error { return respond(.failure(.internalError("the change applies but was not stored: \(error)"))) }
                respond(.success(v.map(one) ?? ["deleted": true]))
            }
        }
        return [
            .sync("vpps.list", "Virtual power plants: definition, status, members, capacity and the last interval decided.",
                  result: Schemas.objectList) { (_: NoParams, _) in .array(vpps.all.map(one)) },

            .async("vpps.create", "Creates a VPP (status draft, active or suspended); refused if a member would be allocated beyond 1.",
                   params: VPPSchemas.definition, result: Schemas.object, mutating: true) {
                (p: HostConfig.VPP, session, respond) in
                do throws(RPCError) {
                    let v = try editor.create(p, by: Self.principal(session))
                    committed(v, respond)
                } catch { respond(.failure(error)) }
            },

            .async("vpps.update", "Changes a VPP's definition: any field vpps.create takes; members given replace the list.",
                   params: Self.updateSchema, result: Schemas.object, mutating: true) { (p: UpdateParams, session, respond) in
                do throws(RPCError) {
                    let v = try editor.update(try p.target(), by: Self.principal(session)) { (v: inout HostConfig.VPP) throws(RPCError) in
                        if let r = p.region { v.region = r }
                        if let m = p.market { v.market = m }
                        if let s = p.strategy { v.strategy = s }
                        if let s = p.status { v.status = s }
                        if let d = p.drivers { v.drivers = d }
                        if let s = p.sites { v.sites = s }
                        if let a = p.allocation { v.allocation = a }
                        if let m = p.members { v.members = m }
                        if let n = p.negativePriceExportLimitW { v.negativePriceExportLimitW = n }
                        if let m = p.negativePriceMode { v.negativePriceMode = m }
                    }
                    committed(v, respond)
                } catch { respond(.failure(error)) }
            },

            .async("vpps.delete", "Deletes a VPP; its members' shares are free again.",
                   params: Self.targetSchema([]), result: Schemas.object, mutating: true) { (p: TargetParams, session, respond) in
                do throws(RPCError) {
                    try editor.delete(try p.target(), by: Self.principal(session))
                    committed(nil, respond)
                } catch { respond(.failure(error)) }
            },

            .async("vpps.add_members", "Adds members (device, site, region, retailer or tag, each with allocation and priority); an entry for the same selector replaces the old one.",
                   params: Schemas.params([("vpp", VPPSchemas.names), ("members", VPPSchemas.members)], required: ["vpp", "members"]),
                   result: Schemas.object, mutating: true) { (p: MembersParams, session, respond) in
                do throws(RPCError) {
                    let v = try editor.update(p.vpp, by: Self.principal(session)) { (v: inout HostConfig.VPP) throws(RPCError) in
                        for m in p.members {
                            v.members.removeAll { $0.selects(same: m) }
                            v.members.append(m)
                        }
                    }
                    committed(v, respond)
                } catch { respond(.failure(error)) }
            },

            .async("vpps.remove_members", "Removes member entries (matched by their selector; allocation and priority are ignored).",
                   params: Schemas.params([("vpp", VPPSchemas.names), ("members", VPPSchemas.members)], required: ["vpp", "members"]),
                   result: Schemas.object, mutating: true) { (p: MembersParams, session, respond) in
                do throws(RPCError) {
                    let v = try editor.update(p.vpp, by: Self.principal(session)) { (v: inout HostConfig.VPP) throws(RPCError) in
                        for (j, m) in p.members.enumerated() {
                            guard v.members.contains(where: { $0.selects(same: m) }) else {
                                throw .invalidParams("members[\(j)]: \(m.label) is not a member entry of \(v.id)")
                            }
                            v.members.removeAll { $0.selects(same: m) }
                        }
                    }
                    committed(v, respond)
                } catch { respond(.failure(error)) }
            },

            .sync("vpps.capacity", "A VPP's aggregated parameters from live telemetry and ratings (or, without vpp, per region over every VPP).",
                  params: Schemas.params([("vpp", VPPSchemas.names)]), result: Schemas.object) { [self] (p: CapacityParams, _) throws(RPCError) in
                let now = clock.nowMs()
                if let id = p.vpp {
                    guard let v = vpps.vpp(id) else { throw .notFound("no VPP \(id)") }
                    var o = capacityJSON(capacity(v, now: now))
                    o["vpp"] = .string(id)
                    o["status"] = .string(v.config.status.rawValue)
                    return .object(o)
                }
                let regions = Set(vpps.all.filter { $0.config.status != .draft }.map(\.config.region)).sorted { $0.code < $1.code }
                return ["regions": .object(JSONObject(regions.map { r in
                    let c = cache.value("region:\(r.code)") {
                        let views = vpps.all.filter { $0.config.status != .draft && $0.config.region == r }.flatMap { members.views($0, nowMs: now) }
                        return VPPCapacity.of(views, responses: responses, exportRoomW: { exportRoom.roomW(site: $0, nowMs: now) })
                    }
                    return (r.code, .object(capacityJSON(c)))
                }))]
            },

            .sync("vpps.conflicts", "Devices shared by VPPs whose allocations are near 1, shares cut at boot, and members left out for being in another region.",
                  params: Schemas.params([("threshold", ["type": "number", "minimum": 0, "maximum": 1, "default": 0.9,
                                                         "description": "a shared device whose allocations add up to at least this is a near-miss"])]),
                  result: Schemas.object) { [self] (p: ConflictParams, _) in conflictsJSON(threshold: p.threshold) }
        ]
    }

    /// Every VPP's capacity as vpps.capacity gives it, by id (the `vpps` topic).
    func capacities() -> [String: JSON] {
        let now = clock.nowMs()
        return Dictionary(uniqueKeysWithValues: vpps.all.map { v in
            var o = capacityJSON(capacity(v, now: now))
            o["status"] = .string(v.config.status.rawValue)
            return (v.config.id, .object(o))
        })
    }

    func capacity(_ v: VPPRuntime, now: Int64) -> VPPCapacity {
        cache.value(v.config.id) {
            VPPCapacity.of(members.views(v, nowMs: now), responses: responses, exportRoomW: { exportRoom.roomW(site: $0, nowMs: now) })
        }
    }

    static func principal(_ s: RPCSession) -> String { s.principal ?? (s.loopback ? "local" : "anonymous") }
}
