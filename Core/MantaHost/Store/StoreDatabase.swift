/// A store failure: what was being done and the database's own message.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// The connection to the database server was lost (PostgreSQL): the
    /// same work may succeed once it is back. SQLite never sets it.
    public let connectionLost: Bool
    public var description: String { message }
    init(_ message: String, connectionLost: Bool = false) {
        self.message = message
        self.connectionLost = connectionLost
    }
}

/// Which SQL the database speaks, where the store's SQL must differ.
public enum StoreDialect: Sendable {
    case sqlite, postgres
}

/// One connection to the store's database: SQLite (`SQLiteDatabase`) or
/// PostgreSQL (`PostgresDatabase`). Not thread-safe: each thread that
/// touches the store owns its own connection.
///
/// Statements are written once, in SQLite's flavour: `?` or `?N`
/// parameters and `INSERT OR REPLACE`; PostgreSQL's connection rewrites
/// them (PostgresSQL.swift). Where a query cannot be written for both, it
/// asks `dialect`.
public protocol StoreDatabase: AnyObject {
    /// The file, or the server URL without its password: for messages.
    var name: String { get }
    var dialect: StoreDialect { get }
    /// Runs one or more statements that return no rows.
    func exec(_ sql: String) throws(StoreError)
    /// A statement to bind and run, as many times as needed.
    func prepare(_ sql: String) throws(StoreError) -> any StoreStatement
    /// Runs `body` as one transaction: committed whole when it returns,
    /// rolled back whole when it (or the commit) throws.
    func transaction(_ body: () throws(StoreError) -> Void) throws(StoreError)
}

extension StoreDatabase {
    /// The single integer a query returns (e.g. a COUNT), or nil.
    public func scalar(_ sql: String) throws(StoreError) -> Int64? {
        let s = try prepare(sql)
        return try s.step() ? s.int(0) : nil
    }
}

/// A statement. Bind parameters are 1-based, columns 0-based, as in
/// SQLite's C API. A non-finite double binds as NULL, and NULL reads back
/// as NaN: neither database keeps NaN for the store.
public protocol StoreStatement: AnyObject {
    func bind(_ i: Int32, _ v: Int64)
    func bind(_ i: Int32, _ v: Double)
    func bind(_ i: Int32, _ v: String)
    func bindNull(_ i: Int32)
    /// Advances; true while there is a row.
    @discardableResult
    func step() throws(StoreError) -> Bool
    /// Clears the row position and the bindings, for the next use.
    func reset()
    func int(_ c: Int32) -> Int64
    func double(_ c: Int32) -> Double
    func string(_ c: Int32) -> String
    func isNull(_ c: Int32) -> Bool
}

extension StoreStatement {
    public func bind(_ i: Int32, _ v: Int) { bind(i, Int64(v)) }
    public func bind(_ i: Int32, _ v: String?) {
        if let v { bind(i, v) } else { bindNull(i) }
    }

    /// Runs a statement that returns no rows, then resets it for reuse.
    public func run() throws(StoreError) {
        defer { reset() }
        try step()
    }
}
