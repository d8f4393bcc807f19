/// A JSON object that keeps its members in insertion order.
///
/// Objects here are small (configs, RPC params, manifests), so members live
/// in an array and lookups are linear: cheaper than hashing at these sizes,
/// and the order survives a round trip. Setting an existing key replaces its
/// value in place.
public struct JSONObject: Sendable, Equatable {
    public private(set) var members: [(key: String, value: JSON)]

    public init() { members = [] }

    public init(_ members: [(String, JSON)]) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for (k, v) in members { self[k] = v }
    }

    public var keys: [String] { members.map(\.key) }
    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    public subscript(key: String) -> JSON? {
        get {
            for m in members where m.key == key { return m.value }
            return nil
        }
        set {
            if let i = members.firstIndex(where: { $0.key == key }) {
                if let v = newValue { members[i].value = v } else { members.remove(at: i) }
            } else if let v = newValue {
                members.append((key, v))
            }
        }
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        // Equality ignores order: JSON objects are unordered by definition.
        guard a.count == b.count else { return false }
        for m in a.members where b[m.key] != m.value { return false }
        return true
    }
}
