import Foundation
import MantaHost
import MantaJSON

/// The store backends a test runs on: SQLite always; PostgreSQL when a
/// server is given in MANTA_TEST_POSTGRES_URL (`make test` starts one of its
/// own: Tests/integration/pg_support.py).
public enum TestStore: String, Sendable {
    case sqlite, postgres

    public static let postgresURL: String? = ProcessInfo.processInfo.environment["MANTA_TEST_POSTGRES_URL"]

    /// Every backend this run can test.
    public static var available: [TestStore] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// The config's `store` for a test named `name`: a file in `folder`, or
    /// a fresh, empty PostgreSQL database of its own.
    public func json(name: String, folder: String) throws -> JSON {
        switch self {
        case .sqlite: ["path": .string("\(folder)/manta.db")]
        case .postgres: ["backend": "postgres", "url": .string(try Self.freshDatabase(name))]
        }
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public let description = "MANTA_TEST_POSTGRES_URL is not set (make test starts a server and sets it)"
    }

    private static let counter = NSLock()
    nonisolated(unsafe) private static var made = 0

    /// Creates an empty database on the test server and returns its URL.
    public static func freshDatabase(_ name: String) throws -> String {
        guard let base = postgresURL, let slash = base.lastIndex(of: "/") else {
            throw Unavailable()
        }
        let n = counter.withLock { made += 1; return made }
        let database = "t_\(getpid())_\(n)_" + name.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(30)
        let admin = try PostgresDatabase(url: base)
        try admin.exec("DROP DATABASE IF EXISTS \(database)")
        try admin.exec("CREATE DATABASE \(database)")
        return String(base[...slash]) + database
    }
}
