import MantaSDK
import MantaTestSupport
import Testing
@testable import MantaHost

/// Version negotiation and the manifest cross-check, with real shared
/// objects built from Tests/Fixtures/plugins/fixture.c.
@Suite struct Negotiation {
    let root = TestPaths.temporaryFolder("abi")

    func load(_ v: Fixture.Variant, hostMinor: UInt32 = ModuleLoader.hostMinor) throws -> Result<LoadedModule, PluginRefusal> {
        let dir = try Fixture.build(v, in: root)
        let manifest = try Manifest.load("\(dir)/manifest.json")
        do { return .success(try ModuleLoader.load(manifest, path: "\(dir)/lib\(v.name).so", hostMinor: hostMinor)) }
        catch { return .failure(error) }
    }

    func refusal(_ v: Fixture.Variant, hostMinor: UInt32 = ModuleLoader.hostMinor) throws -> String {
        guard case .failure(let r) = try load(v, hostMinor: hostMinor) else { return "(loaded)" }
        return r.description
    }

    @Test func aWellFormedModuleLoads() throws {
        guard case .success(let m) = try load(Fixture.Variant("good")) else { Issue.record("refused"); return }
        #expect(m.id == "test.fixture")
        #expect(m.kind == .strategy)
        #expect(m.abiMajor == 1)
    }

    @Test func anotherMajorIsRefusedWithTheReason() throws {
        var v = Fixture.Variant("major2")
        v.defines["FIXTURE_ABI_MAJOR"] = "2"
        let r = try refusal(v)
        #expect(r.contains("plugin test.fixture"))
        #expect(r.contains("built for ABI major 2; this host speaks ABI 1.\(MANTA_ABI_MINOR)"))
    }

    @Test func aManifestForAnotherMajorIsRefusedBeforeLoading() throws {
        var v = Fixture.Variant("manifest-major2")
        v.abi = (2, 0)
        #expect(try refusal(v).contains("its manifest declares ABI 2.0; this host speaks ABI 1.\(MANTA_ABI_MINOR)"))
    }

    @Test func aModuleNeedingANewerMinorIsRefusedByAnOlderHost() throws {
        // The minor after this host's, whatever this host's is.
        let next = Int(MANTA_ABI_MINOR) + 1
        var v = Fixture.Variant("minor\(next)")
        v.defines["FIXTURE_MIN_HOST_MINOR"] = "\(next)"
        #expect(try refusal(v).contains("needs a host with ABI 1.\(next) or newer; this host speaks 1.\(MANTA_ABI_MINOR)"))
        // A host of that minor would take it.
        var w = Fixture.Variant("minor\(next)-newhost")
        w.defines["FIXTURE_MIN_HOST_MINOR"] = "\(next)"
        guard case .success = try load(w, hostMinor: UInt32(next)) else { Issue.record("a 1.\(next) host refused it"); return }
    }

    @Test func anEntryReturningNullIsADeclinedHost() throws {
        var v = Fixture.Variant("entry-null")
        v.defines["FIXTURE_ENTRY_NULL"] = ""
        #expect(try refusal(v).contains("the module declined this host (ABI 1.\(MANTA_ABI_MINOR)): its entry returned NULL"))
    }

    @Test func aLibraryWithoutTheEntryIsNotAPlugin() throws {
        var v = Fixture.Variant("no-entry")
        v.defines["FIXTURE_NO_ENTRY"] = ""
        #expect(try refusal(v).contains("no manta_module_entry_v1 symbol"))
    }

    @Test func manifestMismatchesAreRefusedFieldByField() throws {
        var id = Fixture.Variant("wrong-id")
        id.id = "vendor.other"
        #expect(try refusal(id).contains("manifest does not match the module: id: manifest vendor.other, module test.fixture"))
        var version = Fixture.Variant("wrong-version")
        version.version = "2.0.0"
        #expect(try refusal(version).contains("version: manifest 2.0.0, module 1.0.0"))
        var kind = Fixture.Variant("wrong-kind")
        kind.kind = "driver"
        #expect(try refusal(kind).contains("kind: manifest driver, module strategy"))
    }

    @Test func theSDKKindCodesMatchTheModel() {
        for k in PluginKind.allCases { #expect(PluginKind(code: k.code) == k) }
    }
}
