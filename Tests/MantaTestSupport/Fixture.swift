import Foundation
import MantaJSON
import MantaSDK

/// Builds variants of Tests/Fixtures/plugins/fixture.c (or another fixture
/// source) with the system C compiler, each in its own plugin folder with a
/// manifest.
public enum Fixture {
    public struct Variant {
        public var name: String
        public var defines: [String: String] = [:]
        /// Manifest fields; nil keeps the fixture's own.
        public var id = "test.fixture"
        public var version = "1.0.0"
        public var kind = "strategy"
        /// What the module states: fixture.c says MANTA_ABI_MINOR of the
        /// headers it is built with (today's SDK's by default).
        public var abi = (major: 1, minor: Int(MANTA_ABI_MINOR))
        /// The C source and the header folder, relative to the repository.
        public var source = "Tests/Fixtures/plugins/fixture.c"
        public var headers = "SDK/include"
        public var schema: JSON = ["type": "object"]

        public init(_ name: String) { self.name = name }
    }

    public struct BuildError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Compiles `v` into `root/<name>/lib<name>.so` with a manifest beside
    /// it. Returns the folder.
    @discardableResult
    public static func build(_ v: Variant, in root: String) throws -> String {
        let dir = "\(root)/\(v.name)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let lib = "\(dir)/lib\(v.name).so"
        var args = ["-shared", "-fPIC", "-fvisibility=hidden", "-std=c11", "-O1", "-Wall",
                    "-I", v.headers.hasPrefix("/") ? v.headers : "\(TestPaths.root)/\(v.headers)", "\(TestPaths.root)/\(v.source)",
                    "-o", lib, "-lm"]
        args += v.defines.map { $0.value.isEmpty ? "-D\($0.key)" : "-D\($0.key)=\($0.value)" }
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        cc.arguments = ["cc"] + args
        let err = Pipe()
        cc.standardError = err
        try cc.run()
        cc.waitUntilExit()
        guard cc.terminationStatus == 0 else {
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw BuildError(description: "cc failed for fixture \(v.name): \(text)")
        }
        let manifest: JSON = [
            "manifest_version": 1, "id": .string(v.id), "version": .string(v.version), "kind": .string(v.kind),
            "vendor": "Manta tests", "license": "Apache-2.0",
            "abi": ["major": .int(v.abi.major), "minor": .int(v.abi.minor)],
            "library": .string("lib\(v.name).so"), "config_schema": v.schema,
        ]
        try manifest.pretty().write(toFile: "\(dir)/manifest.json", atomically: true, encoding: .utf8)
        return dir
    }
}
