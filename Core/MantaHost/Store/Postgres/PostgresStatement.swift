import CPostgres
import Glibc

/// A statement on a `PostgresDatabase`: its SQL (already rewritten for
/// PostgreSQL), the values bound to it, and the rows of its last run.
///
/// Values travel as text with their types (bigint, double precision, text),
/// so `$1 IS NULL OR vpp = $1` and `LIMIT $5` mean what they do in SQLite.
/// Rows come back as text too; `int` and `double` parse them.
final class PostgresStatement: StoreStatement {
    private let sql: String
    private unowned let db: PostgresDatabase
    private var parameters = Parameters()
    private var result: OpaquePointer?
    private var rows: Int32 = 0
    private var row: Int32 = -1

    init(sql: String, db: PostgresDatabase) {
        self.sql = sql
        self.db = db
    }

    deinit { if let result { PQclear(result) } }

    func bind(_ i: Int32, _ v: Int64) { parameters.set(i, .int8, String(v)) }
    func bind(_ i: Int32, _ v: Double) {
        if v.isFinite { parameters.set(i, .float8, "\(v)") } else { bindNull(i) }
    }
    func bind(_ i: Int32, _ v: String) { parameters.set(i, .text, v) }
    func bindNull(_ i: Int32) { parameters.set(i, .unknown, nil) }

    /// The first call runs the statement (inside a transaction: sends it,
    /// and there are no rows); later calls move to the next row.
    @discardableResult
    func step() throws(StoreError) -> Bool {
        if row < 0 && result == nil {
            result = try db.run(sql, parameters)
            rows = result.map { PQntuples($0) } ?? 0
        }
        row += 1
        return row < rows
    }

    func reset() {
        if let result { PQclear(result) }
        result = nil
        rows = 0
        row = -1
        parameters = Parameters()
    }

    private func value(_ c: Int32) -> UnsafeMutablePointer<CChar>? {
        guard let result, row >= 0, row < rows, PQgetisnull(result, row, c) == 0 else { return nil }
        return PQgetvalue(result, row, c)
    }

    func int(_ c: Int32) -> Int64 { value(c).map { strtoll($0, nil, 10) } ?? 0 }
    func double(_ c: Int32) -> Double { value(c).map { strtod($0, nil) } ?? .nan }
    func string(_ c: Int32) -> String { value(c).map { String(cString: $0) } ?? "" }
    func isNull(_ c: Int32) -> Bool { value(c) == nil }
}

/// A statement's parameters as libpq takes them: text values (NULL where
/// none) and their type OIDs.
struct Parameters {
    /// The built-in types' OIDs (PostgreSQL's pg_type.dat); 0 lets the
    /// server infer the type from where the parameter stands.
    enum Kind: UInt32 {
        case unknown = 0, int8 = 20, text = 25, float8 = 701
    }

    private var kinds: [Kind] = []
    private var values: [String?] = []

    mutating func set(_ i: Int32, _ kind: Kind, _ value: String?) {
        let at = Int(i) - 1
        guard at >= 0 else { return }
        while kinds.count <= at {
            kinds.append(.unknown)
            values.append(nil)
        }
        kinds[at] = kind
        values[at] = value
    }

    /// Calls `body` with (count, types, values) valid for the call only.
    func withC<R>(_ body: (Int32, UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        // One buffer holds every value, NUL-terminated, end to end.
        var bytes: [CChar] = []
        var offsets: [Int?] = []
        for v in values {
            guard let v else { offsets.append(nil); continue }
            offsets.append(bytes.count)
            bytes.append(contentsOf: v.utf8.map { CChar(bitPattern: $0) })
            bytes.append(0)
        }
        let types = kinds.map(\.rawValue)
        return bytes.withUnsafeBufferPointer { buffer in
            let pointers: [UnsafePointer<CChar>?] = offsets.map { $0.map { buffer.baseAddress! + $0 } }
            return types.withUnsafeBufferPointer { t in
                pointers.withUnsafeBufferPointer { p in body(Int32(types.count), t.baseAddress, p.baseAddress) }
            }
        }
    }
}

/// What a message may show of a libpq URL: never its password.
enum PostgresURL {
    /// postgresql://manta:secret@host/db -> postgresql://manta:***@host/db.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let userInfo = url[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }

    /// Whether `url` is a libpq URI (the only form store.url takes).
    static func isURI(_ url: String) -> Bool {
        url.hasPrefix("postgresql://") || url.hasPrefix("postgres://")
    }
}
