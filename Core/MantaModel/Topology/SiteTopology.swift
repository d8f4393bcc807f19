/// A site as a graph of where power flows: PV arrays into inverters (or
/// into a hybrid inverter's DC bus, with its battery), inverters and
/// AC-coupled batteries onto the site's AC bus, and from the bus out to the
/// loads and, through the grid meter, to the grid. Each edge carries the
/// measured power in its direction (W, negative when it flows backwards).
public struct SiteTopology: Sendable {
    public struct Node: Sendable, Equatable {
        /// "grid", "ac_bus", "load:unmetered", or "<type>:<device id>".
        public var id: String
        /// grid, meter, ac_bus, load, ev, pv, dc_bus, inverter, battery.
        public var type: String
        /// The device it stands for, if any.
        public var device: String?
    }

    public struct Edge: Sendable, Equatable {
        public var from: String
        public var to: String
        /// Power from `from` to `to`; nil when not measured (or not fresh).
        public var watts: Double?
        /// Where the value comes from: "<device id> <point>", or "derived".
        public var source: String
    }

    public var site: String
    public var nodes: [Node] = []
    public var edges: [Edge] = []
    public var balance: EnergyBalance.Verdict

    public init(site: String, nodes: [Node], edges: [Edge], balance: EnergyBalance.Verdict) {
        self.site = site
        self.nodes = nodes
        self.edges = edges
        self.balance = balance
    }
}

/// One measured value for the topology: nil when the device has not sent
/// it recently enough to be compared with the others.
public typealias TopologyReading = (DeviceDescriptor, String) -> Double?

extension SiteTopology {
    /// Builds the graph of `site` from its devices and their latest readings.
    /// `loadsMetered`: every load on the site has its own meter, so the AC
    /// bus must balance to zero (otherwise the remainder is the unmetered load).
    public static func build(site: String, devices: [DeviceDescriptor], loadsMetered: Bool,
                             tolerance: EnergyBalance.Tolerance = .init(), read: TopologyReading) -> SiteTopology {
        var nodes: [Node] = [Node(id: "ac_bus", type: "ac_bus", device: nil)]
        var edges: [Edge] = []
        var terms: [EnergyBalance.Term] = []
        var dcChecks: [EnergyBalance.DCCheck] = []
        let grid = devices.filter { $0.kind == .meter }
        for d in devices.sorted(by: { $0.id < $1.id }) {
            let ac = read(d, "ac.w")
            switch d.kind {
            case .pvInverter:
                nodes += [Node(id: "pv:\(d.id)", type: "pv", device: d.id), Node(id: "inverter:\(d.id)", type: "inverter", device: d.id)]
                edges.append(Edge(from: "pv:\(d.id)", to: "inverter:\(d.id)", watts: read(d, "dc.w") ?? read(d, "pv.w"),
                                  source: "\(d.id) dc.w"))
                edges.append(Edge(from: "inverter:\(d.id)", to: "ac_bus", watts: ac, source: "\(d.id) ac.w"))
                terms.append(.init(device: d.id, point: "ac.w", value: ac, sign: 1))
            case .hybridInverter:
                let pv = read(d, "pv.w") ?? read(d, "dc.w"), bat = read(d, "battery.w")
                nodes += [Node(id: "pv:\(d.id)", type: "pv", device: d.id), Node(id: "battery:\(d.id)", type: "battery", device: d.id),
                          Node(id: "dc_bus:\(d.id)", type: "dc_bus", device: d.id), Node(id: "inverter:\(d.id)", type: "inverter", device: d.id)]
                edges += [Edge(from: "pv:\(d.id)", to: "dc_bus:\(d.id)", watts: pv, source: "\(d.id) pv.w"),
                          Edge(from: "battery:\(d.id)", to: "dc_bus:\(d.id)", watts: bat, source: "\(d.id) battery.w"),
                          Edge(from: "dc_bus:\(d.id)", to: "inverter:\(d.id)", watts: pv.flatMap { p in bat.map { p + $0 } },
                               source: "derived"),
                          Edge(from: "inverter:\(d.id)", to: "ac_bus", watts: ac, source: "\(d.id) ac.w")]
                terms.append(.init(device: d.id, point: "ac.w", value: ac, sign: 1))
                if let pv, let bat, let ac { dcChecks.append(.init(device: d.id, dcIn: pv + bat, acOut: ac)) }
            case .battery:
                nodes.append(Node(id: "battery:\(d.id)", type: "battery", device: d.id))
                edges.append(Edge(from: "battery:\(d.id)", to: "ac_bus", watts: ac, source: "\(d.id) ac.w"))
                terms.append(.init(device: d.id, point: "ac.w", value: ac, sign: 1))
            case .load, .evCharger:
                let type = d.kind == .load ? "load" : "ev"
                nodes.append(Node(id: "\(type):\(d.id)", type: type, device: d.id))
                edges.append(Edge(from: "ac_bus", to: "\(type):\(d.id)", watts: ac.map { -$0 }, source: "\(d.id) ac.w"))
                terms.append(.init(device: d.id, point: "ac.w", value: ac, sign: 1))
            case .meter:
                nodes.append(Node(id: "meter:\(d.id)", type: "meter", device: d.id))
                edges.append(Edge(from: "ac_bus", to: "meter:\(d.id)", watts: ac, source: "\(d.id) ac.w"))
                edges.append(Edge(from: "meter:\(d.id)", to: "grid", watts: ac, source: "\(d.id) ac.w"))
                terms.append(.init(device: d.id, point: "ac.w", value: ac, sign: -1))
            }
        }
        if !grid.isEmpty { nodes.append(Node(id: "grid", type: "grid", device: nil)) }
        let verdict = EnergyBalance.judge(terms: terms, hasGridMeter: !grid.isEmpty, loadsMetered: loadsMetered,
                                          dcChecks: dcChecks, tolerance: tolerance)
        if !grid.isEmpty && !loadsMetered {
            nodes.append(Node(id: "load:unmetered", type: "load", device: nil))
            edges.append(Edge(from: "ac_bus", to: "load:unmetered", watts: verdict.residualW, source: "derived"))
        }
        return SiteTopology(site: site, nodes: nodes, edges: edges, balance: verdict)
    }
}
