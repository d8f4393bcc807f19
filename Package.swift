// swift-tools-version:6.0
import PackageDescription

// Plugins are built with hidden visibility so that the entry point is the
// only symbol they export (SDK/include/manta/abi.h, rule 1).
let pluginCSettings: [CSetting] = [.unsafeFlags(["-fvisibility=hidden"])]
// Swift has no hidden-by-default switch, so a version script does the same
// for every plugin's shared object.
let pluginLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "--version-script=\(Context.packageDirectory)/SDK/plugin.exports"]),
]

let package = Package(
    name: "Manta",
    products: [
        .executable(name: "mantad", targets: ["mantad"]),
        .executable(name: "manta", targets: ["manta"]),
        .executable(name: "manta-runner", targets: ["manta-runner"]),
        .library(name: "manta_sim", type: .dynamic, targets: ["SimDriver"]),
        .library(name: "manta_sunspec", type: .dynamic, targets: ["SunSpecDriver"]),
        .library(name: "manta_modbus", type: .dynamic, targets: ["ModbusDriver"]),
        .library(name: "manta_nem_file", type: .dynamic, targets: ["NemFileMarket"]),
        .library(name: "manta_nemweb", type: .dynamic, targets: ["NemwebMarket"]),
        .library(name: "manta_threshold", type: .dynamic, targets: ["ThresholdStrategy"]),
        .library(name: "manta_builtin", type: .dynamic, targets: ["BuiltInPlugin"]),
        .library(name: "manta_python", type: .dynamic, targets: ["PythonPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // Every target lists every module its sources import (Tests/integration/
        // test_layers.py checks it, and that imports only point down the layers).

        // Layer 1: the C ABI, and the Swift kit for writing plugins against it.
        .target(name: "MantaSDK", path: "SDK", sources: ["src"], publicHeadersPath: "include"),
        // The Swift views of the ABI's structs (prices, devices, setpoints,
        // observations, bids) and their C marshalling, for host and kit alike.
        .target(name: "MantaABI", dependencies: ["MantaSDK"], path: "SDK/swift/MantaABI"),
        .target(name: "MantaKit", dependencies: ["MantaABI", "MantaSDK", "MantaJSON"], path: "SDK/swift/MantaKit"),

        // System C libraries.
        .systemLibrary(name: "CLibUV", path: "Core/System/CLibUV", pkgConfig: "libuv",
                       providers: [.apt(["libuv1-dev"])]),
        .systemLibrary(name: "CJansson", path: "Core/System/CJansson", pkgConfig: "jansson",
                       providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Core/System/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", path: "Core/System/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZlib", path: "Core/System/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Core/System/COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // COIN-OR Clp, the LP solver behind the co-optimised energy + FCAS bound.
        .systemLibrary(name: "CClp", path: "Core/System/CClp", pkgConfig: "clp", providers: [.apt(["coinor-libclp-dev"])]),
        // MQTT 5 client (libmosquitto), between edge hosts and a control host.
        .systemLibrary(name: "CMosquitto", path: "Core/System/CMosquitto", pkgConfig: "libmosquitto",
                       providers: [.apt(["libmosquitto-dev"])]),
        // PostgreSQL's client library, for the store's postgres backend.
        .systemLibrary(name: "CPostgres", path: "Core/System/CPostgres", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        // Linux calls glibc declares only under _GNU_SOURCE (pipe2).
        .systemLibrary(name: "CLinux", path: "Core/System/CLinux"),

        // HTTP/1.1, WebSocket and TLS on the host's loop (libwebsockets with
        // its libuv event library): a small C server the host's JSON-RPC rides.
        .target(name: "CWebServer", path: "Core/System/CWebServer",
                linkerSettings: [.linkedLibrary("websockets"), .linkedLibrary("ssl")]),

        // TLS for the TCP API and its clients: OpenSSL over memory buffers
        // under the host's loop, and a blocking client over a socket.
        .target(name: "CTLS", path: "Core/System/CTLS", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),

        // Support below the layers: string helpers every layer may use, JSON
        // values, and OS support (files, clocks, threads, child processes).
        .target(name: "MantaText", path: "Core/MantaText"),
        .target(name: "MantaJSON", dependencies: ["CJansson"], path: "Core/MantaJSON"),
        .target(name: "MantaIO", dependencies: ["CLinux"], path: "Core/MantaIO"),
        // Linear programmes and their exact optimum (Clp), for the engine's bounds.
        .target(name: "MantaLP", dependencies: ["CClp"], path: "Core/MantaLP"),
        // HTTP(S) and zip for connectors that fetch reports (only they link libcurl and zlib).
        .target(name: "MantaFetch", dependencies: ["CCurl", "CZlib"], path: "Core/MantaFetch"),
        // Modbus TCP, SunSpec, vendor register templates and discovery, for the
        // device drivers, `manta discover` and devices.discover.
        .target(name: "MantaModbus", dependencies: ["MantaIO", "MantaJSON", "MantaText"], path: "Core/MantaModbus"),
        // Simulated Modbus devices (real Modbus TCP servers) for tests and benchmarks.
        .target(name: "MantaModbusSim", dependencies: ["MantaIO", "MantaModbus"], path: "Core/MantaModbusSim"),

        // Layers 2-4: model, market, engine. Pure Swift.
        .target(name: "MantaModel", dependencies: ["MantaABI", "MantaJSON"], path: "Core/MantaModel"),
        .target(name: "MantaMarket", dependencies: ["MantaText"], path: "Core/MantaMarket"),
        // AEMO price files read from disk: the market's parsers over MantaIO's files.
        .target(name: "MantaMarketFiles", dependencies: ["MantaMarket", "MantaIO"], path: "Core/MantaMarketFiles"),
        .target(name: "MantaEngine",
                dependencies: ["MantaABI", "MantaJSON", "MantaLP", "MantaModel", "MantaMarket", "MantaText",
                               .product(name: "HeapModule", package: "swift-collections"),
                               .product(name: "DequeModule", package: "swift-collections")],
                path: "Core/MantaEngine"),

        // Layer 5: the host, and the operator console's pages it serves
        // (plain HTML, CSS and JavaScript modules, compiled into mantad).
        .target(name: "MantaConsole", path: "Core/MantaConsole", resources: [.embedInCode("Assets")]),
        .target(name: "MantaHost",
                dependencies: ["CLibUV", "CSQLite", "CPostgres", "CMosquitto", "COpenSSL", "CTLS", "CWebServer", "CLinux", "MantaConsole", "MantaSDK", "MantaABI", "MantaJSON", "MantaIO",
                               "MantaModel", "MantaMarket", "MantaMarketFiles", "MantaEngine", "MantaText", "MantaFetch",
                               .product(name: "DequeModule", package: "swift-collections")],
                path: "Core/MantaHost"),
        // What the executables share above the host: reports and the RPC client.
        .target(name: "MantaTools", dependencies: ["CTLS", "MantaHost", "MantaEngine", "MantaIO", "MantaJSON", "MantaMarket", "MantaText"],
                path: "Core/MantaTools"),

        // Layer 6: executables.
        .executableTarget(name: "mantad",
                          dependencies: ["MantaHost", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Core/mantad"),
        .executableTarget(name: "manta",
                          dependencies: ["MantaHost", "MantaTools", "MantaEngine", "MantaFetch", "MantaIO", "MantaJSON", "MantaMarket",
                                         "MantaMarketFiles", "MantaModbus", "MantaModel", "MantaText",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Core/manta"),
        // One process-isolated plugin instance, started by the host.
        .executableTarget(name: "manta-runner", dependencies: ["MantaHost"], path: "Core/manta-runner"),
        .executableTarget(name: "manta-bench",
                          dependencies: ["MantaHost", "MantaTools", "MantaKit", "MantaSDK", "MantaEngine", "MantaIO",
                                         "MantaJSON", "MantaMarket", "MantaMarketFiles", "MantaModbus", "MantaModbusSim",
                                         "MantaModel", "MantaText",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Core/manta-bench"),

        // First-party plugins.
        .target(name: "SimDriver", dependencies: ["MantaKit", "MantaSDK", "MantaEngine", "MantaIO", "MantaJSON", "MantaMarket",
                                                 "MantaText"],
                path: "Plugins/drivers/sim/src", linkerSettings: pluginLinkerSettings),
        .target(name: "ModbusDriverKit", dependencies: ["MantaKit", "MantaModbus", "MantaIO", "MantaJSON", "MantaSDK"],
                path: "Plugins/shared/ModbusDriverKit"),
        .target(name: "SunSpecDriver", dependencies: ["ModbusDriverKit", "MantaKit", "MantaModbus", "MantaJSON", "MantaSDK"],
                path: "Plugins/drivers/sunspec/src", linkerSettings: pluginLinkerSettings),
        .target(name: "ModbusDriver", dependencies: ["ModbusDriverKit", "MantaKit", "MantaModbus", "MantaIO", "MantaJSON",
                                                     "MantaSDK"],
                path: "Plugins/drivers/modbus/src", linkerSettings: pluginLinkerSettings),
        .target(name: "MarketKit", dependencies: ["MantaKit", "MantaMarket", "MantaSDK"], path: "Plugins/shared/MarketKit"),
        .target(name: "NemFileMarket", dependencies: ["MarketKit", "MantaKit", "MantaSDK", "MantaMarket", "MantaMarketFiles", "MantaIO",
                                                      "MantaJSON"],
                path: "Plugins/markets/nem-file/src", linkerSettings: pluginLinkerSettings),
        .target(name: "NemwebMarket", dependencies: ["MarketKit", "MantaKit", "MantaSDK", "MantaMarket", "MantaIO", "MantaJSON",
                                                     "MantaFetch"],
                path: "Plugins/markets/nemweb/src", linkerSettings: pluginLinkerSettings),
        .target(name: "EngineStrategy", dependencies: ["MantaKit", "MantaEngine", "MantaMarket"], path: "Plugins/shared/EngineStrategy"),
        .target(name: "BuiltInPlugin", dependencies: ["EngineStrategy", "MantaKit", "MantaSDK", "MantaEngine", "MantaJSON"],
                path: "Plugins/strategies/builtin/src", linkerSettings: pluginLinkerSettings),
        .target(name: "PythonPlugin", dependencies: ["EngineStrategy", "MantaKit", "MantaSDK", "MantaEngine", "MantaIO",
                                                     "MantaJSON", "MantaMarket"],
                path: "Plugins/strategies/python/src", linkerSettings: pluginLinkerSettings),
        .target(name: "ThresholdStrategy", dependencies: ["MantaSDK", "CJansson"],
                path: "Plugins/strategies/threshold/src", publicHeadersPath: ".", cSettings: pluginCSettings,
                linkerSettings: pluginLinkerSettings),

        // Tests. A layer's tests link that layer (and what it stands on) only.
        .target(name: "MantaTestPaths", path: "Tests/MantaTestPaths"),
        .target(name: "MantaTestSupport", dependencies: ["MantaTestPaths", "MantaHost", "MantaTools", "MantaJSON", "MantaSDK"],
                path: "Tests/MantaTestSupport"),
        .testTarget(name: "MantaABITests", dependencies: ["MantaABI", "MantaSDK"], path: "Tests/MantaABITests"),
        .testTarget(name: "MantaJSONTests", dependencies: ["MantaJSON"], path: "Tests/MantaJSONTests"),
        .testTarget(name: "MantaModbusTests", dependencies: ["MantaModbus", "MantaModbusSim", "MantaJSON", "MantaTestPaths"],
                    path: "Tests/MantaModbusTests"),
        .testTarget(name: "MantaModelTests", dependencies: ["MantaModel", "MantaABI", "MantaJSON", "MantaTestPaths"], path: "Tests/MantaModelTests"),
        .testTarget(name: "MantaMarketTests", dependencies: ["MantaMarket", "MantaTestPaths"], path: "Tests/MantaMarketTests"),
        .testTarget(name: "MantaIOTests", dependencies: ["MantaIO"], path: "Tests/MantaIOTests"),
        .testTarget(name: "MantaFetchTests", dependencies: ["MantaFetch"], path: "Tests/MantaFetchTests"),
        .testTarget(name: "MantaEngineTests", dependencies: ["MantaEngine", "MantaABI", "MantaJSON", "MantaLP", "MantaMarket", "MantaModel", "MantaTestPaths"],
                    path: "Tests/MantaEngineTests"),
        .testTarget(name: "MantaHostTests", dependencies: ["MantaHost", "MantaTestSupport", "MantaEngine", "MantaJSON",
                                                           "MantaMarket", "MantaModel", "MantaIO", "MantaKit", "MantaSDK", "MantaABI"],
                    path: "Tests/MantaHostTests"),
    ],
    swiftLanguageModes: [.v6]
)
