import Foundation

/// Where tests find the project, the shared real data and the built
/// products.
public enum TestPaths {
    /// The repository root.
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// ../shared/data, the real AEMO and household data (never copied in).
    public static let sharedData = URL(fileURLWithPath: root).deletingLastPathComponent()
        .appendingPathComponent("shared/data").path

    /// The folder holding the test binary, which is also where SwiftPM puts
    /// the plugins and executables (after `swift build`).
    public static let products: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        if url.lastPathComponent == "MacOS" || url.pathExtension == "xctest" { url.deleteLastPathComponent() }
        return url.path
    }()

    public static func product(_ name: String) -> String { "\(products)/\(name)" }

    public static func priceFile(_ region: String, _ yyyymm: String) -> String {
        "\(sharedData)/nem/price_and_demand/\(region)/PRICE_AND_DEMAND_\(yyyymm)_\(region).csv"
    }

    public static var hasSharedData: Bool { FileManager.default.fileExists(atPath: sharedData) }

    /// A new empty folder under the system temp folder.
    public static func temporaryFolder(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "manta-\(name)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func read(_ path: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: path) ?? Data())
    }
}
