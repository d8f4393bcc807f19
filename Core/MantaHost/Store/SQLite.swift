import CSQLite
import Glibc

/// SQLite's destructor sentinel meaning "copy the bound bytes now".
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection. Not thread-safe: each thread that touches the
/// store owns its own connection (the writer thread one, the loop another).
public final class SQLiteDatabase: StoreDatabase {
    let raw: OpaquePointer
    public let path: String
    public var name: String { path }
    public var dialect: StoreDialect { .sqlite }

    public init(path: String, readOnly: Bool = false) throws(StoreError) {
        if !readOnly {
            // Created private before SQLite opens it (SQLite gives its -wal
            // and -shm files the database's own permissions): the store holds
            // the audit log and the fleet's whole history.
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            if fd >= 0 { close(fd) }
        }
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close(db) }
            throw StoreError("cannot open \(path): \(msg)")
        }
        raw = db
        self.path = path
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { sqlite3_close_v2(raw) }

    var lastError: String { String(cString: sqlite3_errmsg(raw)) }

    /// Runs one or more statements that return no rows.
    public func exec(_ sql: String) throws(StoreError) {
        var err: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(raw, sql, nil, nil, &err) == SQLITE_OK else {
            let msg = err.map { String(cString: $0) } ?? lastError
            sqlite3_free(err)
            throw StoreError("\(msg) (in: \(sql.prefix(80)))")
        }
    }

    public func prepare(_ sql: String) throws(StoreError) -> any StoreStatement {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v3(raw, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil) == SQLITE_OK,
              let stmt
        else { throw StoreError("\(lastError) (preparing: \(sql.prefix(80)))") }
        return SQLiteStatement(stmt, db: self)
    }

    /// BEGIN IMMEDIATE takes the write lock at once, so a commit never
    /// fails half-way for a reader's lock.
    public func transaction(_ body: () throws(StoreError) -> Void) throws(StoreError) {
        try exec("BEGIN IMMEDIATE")
        do throws(StoreError) {
            try body()
            try exec("COMMIT")
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(raw) }
}

/// A prepared SQLite statement.
public final class SQLiteStatement: StoreStatement {
    let raw: OpaquePointer
    unowned let db: SQLiteDatabase

    init(_ raw: OpaquePointer, db: SQLiteDatabase) {
        self.raw = raw
        self.db = db
    }

    deinit { sqlite3_finalize(raw) }

    public func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(raw, i, v) }
    /// Binds NULL for a non-finite value: SQLite has no NaN.
    public func bind(_ i: Int32, _ v: Double) {
        if v.isFinite { sqlite3_bind_double(raw, i, v) } else { sqlite3_bind_null(raw, i) }
    }
    public func bind(_ i: Int32, _ v: String) { sqlite3_bind_text(raw, i, v, -1, SQLITE_TRANSIENT) }
    public func bindNull(_ i: Int32) { sqlite3_bind_null(raw, i) }

    /// Advances; true while there is a row.
    @discardableResult
    public func step() throws(StoreError) -> Bool {
        switch sqlite3_step(raw) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw StoreError(db.lastError)
        }
    }

    public func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    public func int(_ c: Int32) -> Int64 { sqlite3_column_int64(raw, c) }
    public func double(_ c: Int32) -> Double {
        sqlite3_column_type(raw, c) == SQLITE_NULL ? .nan : sqlite3_column_double(raw, c)
    }
    public func string(_ c: Int32) -> String {
        sqlite3_column_text(raw, c).map { String(cString: $0) } ?? ""
    }
    public func isNull(_ c: Int32) -> Bool { sqlite3_column_type(raw, c) == SQLITE_NULL }
}
