import MantaJSON
import MantaKit
import MantaSDK
import MantaTestSupport
import Testing
@testable import MantaHost

/// First-party plugins take their config defaults from their manifests
/// only: created with the config the host hands over (schema defaults
/// filled in) they start; created with a config the host has not filled,
/// they refuse it, naming the field, instead of guessing a default.
@Suite struct PluginConfigDefaults {
    struct Plugin {
        var library: String
        var manifest: String
    }

    static let sim = Plugin(library: "libmanta_sim.so", manifest: "Plugins/drivers/sim/manifest.json")
    static let builtin = Plugin(library: "libmanta_builtin.so", manifest: "Plugins/strategies/builtin/manifest.json")
    static let nemweb = Plugin(library: "libmanta_nemweb.so", manifest: "Plugins/markets/nemweb/manifest.json")
    static let sunspec = Plugin(library: "libmanta_sunspec.so", manifest: "Plugins/drivers/sunspec/manifest.json")
    static let python = Plugin(library: "libmanta_python.so", manifest: "Plugins/strategies/python/manifest.json")

    /// Creates an instance with `config` as given (`filled`: after the
    /// manifest's defaults, as the host does); nil when it was created,
    /// else the error the plugin reported.
    func create(_ p: Plugin, _ config: JSON, filled: Bool = false) throws -> String? {
        let manifest = try Manifest.load("\(TestPaths.root)/\(p.manifest)")
        let json = filled ? manifest.configSchema.applyingDefaults(to: config) : config
        #expect(!filled || manifest.configSchema.validate(json).isEmpty)
        let module = try ModuleLoader.load(manifest, path: TestPaths.product(p.library))
        guard module.acquire() == MANTA_OK else { return "init failed" }
        defer { module.release() }
        let services = OfflineServices(catalog: try CatalogFile.load(path: "\(TestPaths.root)/registry/catalog/points.json"), startMs: 0)
        let table = HostTable(context: InstanceContext(name: "t", index: 0, services: services), hostName: "test", hostVersion: "0")
        defer { table.free() }
        guard let h = json.serialized().withManta({ module.table.pointee.create(table.raw, $0) }) else {
            return services.takeLastError() ?? "create failed without a reason"
        }
        module.table.pointee.destroy(h)
        return nil
    }

    /// `create` gives `expected` (nil: created).
    func check(_ p: Plugin, _ config: JSON, filled: Bool = false, _ expected: String?,
               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let got = try create(p, config, filled: filled)
        #expect(got == expected, sourceLocation: sourceLocation)
    }

    @Test func theSimDriverNamesAMissingDefault() throws {
        try check(Self.sim, ["homes": 2], filled: true, nil)
        try check(Self.sim, ["homes": 2], "MANTA_ERR_CONFIG: site_prefix: is required")
        // A nested section the manifest fills in, with one member missing.
        let manifest = try Manifest.load("\(TestPaths.root)/\(Self.sim.manifest)")
        var filled = manifest.configSchema.applyingDefaults(to: ["homes": 2]).object ?? JSONObject()
        var battery = filled["battery"]?.object ?? JSONObject()
        battery["initial_soc"] = nil
        filled["battery"] = .object(battery)
        try check(Self.sim, .object(filled), "MANTA_ERR_CONFIG: battery.initial_soc: is required")
        // A wrong type still names its field (what the schema would have said).
        filled["faults"] = [["device": "home-001.meter", "fault": "wobble", "offset_w": 0]]
        battery["initial_soc"] = 0.5
        filled["battery"] = .object(battery)
        try check(Self.sim, .object(filled),
                  #"MANTA_ERR_CONFIG: faults[0].fault: must be one of "sign_flip", "stuck", "silent", "offset", "ignores_setpoints", got "wobble""#)
    }

    @Test func theBuiltInStrategyTakesItsDefaultFromTheManifest() throws {
        // The manifest's default is mpc-regression (the old code guessed "threshold").
        try check(Self.builtin, [:], filled: true, nil)
        try check(Self.builtin, ["config": [:]], "MANTA_ERR_CONFIG: strategy: is required")
    }

    @Test func theMarketAndTheOtherDriversToo() throws {
        let folder = TestPaths.temporaryFolder("nemweb")
        try check(Self.nemweb, ["source": .string(folder)], filled: true, nil)
        try check(Self.nemweb, ["source": .string(folder)], "MANTA_ERR_CONFIG: regions: is required")
        let device: JSON = ["key": "home-001.inverter", "host": "127.0.0.1", "kind": "hybrid_inverter"]
        try check(Self.sunspec, ["devices": [device]], filled: true, nil)
        try check(Self.sunspec, ["devices": [device]], "MANTA_ERR_CONFIG: devices[0].read_only: is required")
        try check(Self.python, ["script": "/nonexistent/model.py"], "MANTA_ERR_CONFIG: python: is required")
    }
}
