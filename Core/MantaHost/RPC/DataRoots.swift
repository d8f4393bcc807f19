import Glibc
import MantaIO

/// The folders API calls may read files under (config `data_roots`). A
/// path counts as inside only once resolved (symbolic links and ".."
/// followed), and a refusal says the same whether or not the file exists,
/// so a caller learns nothing about the machine outside the roots.
struct DataRoots: Sendable {
    let roots: [String]
    /// The largest data file a call may make the host read.
    let maxFileBytes: Int

    init(_ roots: [String], maxFileBytes: Int = 512 << 20) {
        self.roots = roots.map { DataRoots.resolved($0) ?? Paths.normalize($0) }
        self.maxFileBytes = maxFileBytes
    }

    /// `path` with links and dots resolved, or nil when it does not exist.
    static func resolved(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    func contains(_ resolved: String) -> Bool {
        roots.contains { resolved == $0 || resolved.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
    }

    /// Checks one path a caller gave (already absolute): inside a root,
    /// existing, a regular file or a folder, and no larger than the cap.
    /// `given` is what the caller wrote, for the message.
    func check(_ path: String, given: String? = nil, param: String) throws(RPCError) {
        let shown = given ?? path
        let refusal = RPCError.invalidParams("\(param): \(shown) is not a file or folder under data_roots (\(roots.joined(separator: ", ")))")
        guard let real = DataRoots.resolved(path), contains(real) else { throw refusal }
        var st = stat()
        guard stat(real, &st) == 0 else { throw refusal }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return
        case S_IFREG:
            guard st.st_size <= maxFileBytes else {
                throw .invalidParams("\(param): \(shown) is \(st.st_size) bytes; at most \(maxFileBytes) are read")
            }
        default: throw refusal
        }
    }
}
