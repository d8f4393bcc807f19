import CPostgres
import Glibc
import MantaIO
import MantaText

/// One connection to a PostgreSQL server (libpq). Not thread-safe, like
/// `SQLiteDatabase`: the writer thread owns one, the loop another.
///
/// A lost connection (the server restarted, the network dropped) is not an
/// end: the next use reconnects, at most once a second, and the error of the
/// use that found it lost says `connectionLost` so the writer can try its
/// batch again (StoreWriter).
public final class PostgresDatabase: StoreDatabase {
    let conn: OpaquePointer
    /// The URL with its password hidden.
    public let name: String
    public var dialect: StoreDialect { .postgres }
    private let readOnly: Bool
    private var lastReconnectNs: UInt64 = 0
    /// While a transaction is open: statements are sent without waiting.
    private var pipeline: Pipeline?

    /// Statements sent since the last sync point. A sync every few hundred
    /// keeps the server's replies, which nobody reads until the sync, well
    /// inside the socket's buffers (a full one in each direction deadlocks).
    private struct Pipeline {
        var sinceSync = 0
        static let syncEvery = 256
    }

    /// Connects to `url` (a libpq URI, postgresql://user[:password]@host[:port]/db
    /// with any libpq parameters after `?`). A read-only connection (the
    /// loop's) refuses writes and gives up on any query after 5 s, so a slow
    /// query cannot hold the loop longer. `application` names the
    /// connection in the server's pg_stat_activity.
    public init(url: String, readOnly: Bool = false, application: String? = nil) throws(StoreError) {
        name = PostgresURL.redacted(url)
        self.readOnly = readOnly
        // Our defaults first: what the URL says overrides them. A server that
        // stops answering (a network partition, not a refusal) is found out
        // within seconds, not at TCP's minutes, so a call waits no longer.
        let keywords = ["connect_timeout", "tcp_user_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "application_name", "dbname"]
        let values = ["2", "10000", "5", "2", "3", application ?? (readOnly ? "mantad-reader" : "mantad-writer"), url]
        let conn = Self.withCStrings(keywords) { k in
            Self.withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let conn else { throw StoreError("cannot connect to \(name): out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.message(conn)
            PQfinish(conn)
            throw StoreError("cannot connect to \(name): \(message)", connectionLost: true)
        }
        self.conn = conn
        try configureSession()
    }

    deinit { PQfinish(conn) }

    /// The session's settings, again after every reconnect.
    private func configureSession() throws(StoreError) {
        // Acknowledged means committed: the server's own default may be off.
        var settings = "SET synchronous_commit = on; SET client_min_messages = warning; SET TIME ZONE 'UTC'"
        if readOnly { settings += "; SET default_transaction_read_only = on; SET statement_timeout = 5000" }
        try simple(settings)
    }

    public func exec(_ sql: String) throws(StoreError) {
        if pipeline != nil {
            try send(sql, Parameters())
        } else {
            try simple(sql)
        }
    }

    public func prepare(_ sql: String) throws(StoreError) -> any StoreStatement {
        PostgresStatement(sql: try PostgresSQL.translate(sql), db: self)
    }

    /// The whole body goes out in pipeline mode between BEGIN and COMMIT:
    /// a batch of a hundred thousand rows costs a few round trips, not one
    /// per row. The first failure anywhere rolls the whole of it back.
    public func transaction(_ body: () throws(StoreError) -> Void) throws(StoreError) {
        try reconnectIfLost()
        guard PQenterPipelineMode(conn) == 1 else { throw failure("cannot enter pipeline mode") }
        pipeline = Pipeline()
        var failed: StoreError?
        do throws(StoreError) {
            try send("BEGIN", Parameters())
            try body()
            try send("COMMIT", Parameters())
            try sync()
        } catch {
            failed = error
            if pipeline?.sinceSync ?? 0 > 0 { try? sync() }
        }
        pipeline = nil
        PQexitPipelineMode(conn)
        guard let failed else { return }
        if PQstatus(conn) == CONNECTION_OK { try? simple("ROLLBACK") }
        throw failed
    }

    // MARK: Running statements

    /// [statement] Runs one statement now, or sends it when a transaction
    /// is open (then there is no result to read: nil).
    func run(_ sql: String, _ parameters: Parameters) throws(StoreError) -> OpaquePointer? {
        if pipeline != nil {
            try send(sql, parameters)
            return nil
        }
        try reconnectIfLost()
        let result = parameters.withC { n, types, values in
            PQexecParams(conn, sql, n, types, values, nil, nil, 0)
        }
        return try check(result, sql)
    }

    private func send(_ sql: String, _ parameters: Parameters) throws(StoreError) {
        let sent = parameters.withC { n, types, values in
            PQsendQueryParams(conn, sql, n, types, values, nil, nil, 0)
        }
        guard sent == 1 else { throw failure("cannot send (\(sql.prefix(60)))") }
        pipeline?.sinceSync += 1
        if pipeline?.sinceSync ?? 0 >= Pipeline.syncEvery { try sync() }
    }

    /// Marks a sync point and reads every reply up to it; throws the first
    /// failure among them.
    private func sync() throws(StoreError) {
        guard PQpipelineSync(conn) == 1 else { throw failure("cannot sync the pipeline") }
        pipeline?.sinceSync = 0
        var first: StoreError?
        var empty = 0
        while true {
            guard let r = PQgetResult(conn) else {
                // One NULL ends each statement's replies; several in a row
                // mean nothing more is coming.
                empty += 1
                if PQstatus(conn) == CONNECTION_BAD || empty > 2 { throw first ?? failure("the pipeline ended early") }
                continue
            }
            empty = 0
            let status = PQresultStatus(r)
            if status == PGRES_FATAL_ERROR, first == nil { first = error(of: r, "") }
            PQclear(r)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        if let first { throw first }
    }

    /// Runs SQL through the simple protocol (several statements allowed).
    private func simple(_ sql: String) throws(StoreError) {
        try reconnectIfLost()
        if let r = try check(PQexec(conn, sql), sql) { PQclear(r) }
    }

    /// The result when it succeeded (the caller clears it); else throws.
    private func check(_ result: OpaquePointer?, _ sql: String) throws(StoreError) -> OpaquePointer? {
        guard let result else { throw failure("no result (in: \(sql.prefix(80)))") }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let e = error(of: result, " (in: \(sql.prefix(80)))")
            PQclear(result)
            throw e
        }
        return result
    }

    /// After a lost connection, tries again: the writer's once a second at
    /// most; the loop's reader once in 10 s, as an attempt blocks its caller
    /// for up to connect_timeout (2 s) when the server does not answer.
    private func reconnectIfLost() throws(StoreError) {
        guard PQstatus(conn) == CONNECTION_BAD else { return }
        let now = WallClock.monotonicNs()
        let every: UInt64 = readOnly ? 10 : 1
        guard now - lastReconnectNs >= every * 1_000_000_000 || lastReconnectNs == 0 else {
            throw StoreError("\(name): not connected (trying again every \(every) s)", connectionLost: true)
        }
        lastReconnectNs = now
        PQreset(conn)
        guard PQstatus(conn) == CONNECTION_OK else { throw failure("cannot reconnect") }
        try configureSession()
    }

    private func error(of result: OpaquePointer, _ context: String) -> StoreError {
        let message = String(cString: PQresultErrorMessage(result)).trimmedLine
        // SQLSTATE class 08 (connection exception) and 57P01-03 (the server
        // shutting down or restarting) mean the work may succeed later.
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
        let lost = PQstatus(conn) == CONNECTION_BAD || state.hasPrefix("08") || state.hasPrefix("57P0")
        return StoreError("\(message)\(context)", connectionLost: lost)
    }

    private func failure(_ what: String) -> StoreError {
        StoreError("\(name): \(what): \(Self.message(conn))", connectionLost: PQstatus(conn) == CONNECTION_BAD)
    }

    private static func message(_ conn: OpaquePointer) -> String {
        String(cString: PQerrorMessage(conn)).trimmedLine
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

extension String {
    /// libpq's messages end in a newline and may span lines.
    fileprivate var trimmedLine: String {
        split(whereSeparator: { $0 == "\n" }).map { $0.trimmed }.joined(separator: " ")
    }
}
