import MantaText

/// Rewrites the store's SQL, written in SQLite's flavour, into PostgreSQL's.
///
/// Two differences cover every statement the store runs: parameters (`?`
/// and `?N` become `$N`) and `INSERT OR REPLACE`, which becomes an upsert on
/// the table's primary key (PostgresSchema.conflictKeys). Everything else
/// the store writes is SQL both databases take as it is.
enum PostgresSQL {
    static func translate(_ sql: String) throws(StoreError) -> String {
        let numbered = parameters(sql)
        return try upsert(numbered)
    }

    /// `?` becomes `$1`, `$2`, ... in order; `?N` becomes `$N`. Text inside
    /// quotes (string literals and quoted names) is left alone.
    static func parameters(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 8)
        var next = 1
        var quote: Character?
        var chars = sql.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if let q = quote {
                out.append(c)
                if c == q { quote = nil }
                continue
            }
            if c == "'" || c == "\"" {
                quote = c
                out.append(c)
                continue
            }
            guard c == "?" else {
                out.append(c)
                continue
            }
            var digits = ""
            while let d = chars.next() {
                if d.isASCII, d.isNumber { digits.append(d) } else { pending = d; break }
            }
            if digits.isEmpty {
                out += "$\(next)"
                next += 1
            } else {
                out += "$" + digits
            }
        }
        return out
    }

    /// `INSERT OR REPLACE INTO t (a, b, c) VALUES (...)` becomes `INSERT INTO
    /// t (a, b, c) VALUES (...) ON CONFLICT (key) DO UPDATE SET` each column
    /// that is not the key. Unlike SQLite's REPLACE it keeps the columns the
    /// statement does not name; the store's REPLACEs name every column a
    /// later write changes.
    static func upsert(_ sql: String) throws(StoreError) -> String {
        let prefix = "INSERT OR REPLACE INTO "
        let body = Substring(sql.trimmed)
        guard body.hasPrefix(prefix) else { return sql }
        let rest = body.dropFirst(prefix.count)
        guard let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") else {
            throw StoreError("cannot rewrite for PostgreSQL (no column list): \(sql.prefix(80))")
        }
        let table = rest[..<open].trimmed
        guard let key = PostgresSchema.conflictKeys[table] else {
            throw StoreError("cannot rewrite for PostgreSQL: no primary key known for table \(table)")
        }
        let columns = rest[rest.index(after: open)..<close].split(separator: ",").map { $0.trimmed }
        let updates = columns.filter { !key.contains($0) }.map { "\($0) = EXCLUDED.\($0)" }
        let action = updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + updates.joined(separator: ", ")
        var statement = "INSERT INTO " + rest
        while statement.last?.isWhitespace == true || statement.last == ";" { statement.removeLast() }
        return statement + " ON CONFLICT (" + key.joined(separator: ", ") + ") " + action
    }
}
