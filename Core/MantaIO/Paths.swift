import Glibc

/// Path arithmetic on strings.
public enum Paths {
    /// `child` made absolute against `base` unless it already is.
    public static func resolve(_ child: String, against base: String) -> String {
        child.hasPrefix("/") ? normalize(child) : normalize(join(base, child))
    }

    public static func join(_ a: String, _ b: String) -> String {
        a.isEmpty ? b : a.hasSuffix("/") ? a + b : "\(a)/\(b)"
    }

    /// The folder part of a path ("." when there is none).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The current directory.
    public static var current: String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buf, buf.count) != nil else { return "." }
        return String(nulTerminated: buf)
    }

    /// An absolute path for `path`, relative ones taken from the current
    /// directory.
    public static func absolute(_ path: String) -> String { resolve(path, against: current) }

    /// `relative` in the folder of `start` or the nearest folder above it
    /// that has it ("registry/devices" above a config file).
    public static func findUpward(_ relative: String, from start: String) -> String? {
        var dir = directory(of: absolute(start))
        while true {
            let candidate = join(dir, relative)
            if FileSystem.exists(candidate) { return candidate }
            if dir == "/" || dir == "." { return nil }
            dir = directory(of: dir)
        }
    }

    /// The running executable (/proc/self/exe): a plugin's host, or a tool.
    public static var executable: String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        return n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    /// `relative` above the current folder, else above the executable (a
    /// tool or host built in a checkout finds the checkout's registry).
    public static func findRegistry(_ relative: String) -> String? {
        findUpward(relative, from: join(current, "-")) ?? executable.flatMap { findUpward(relative, from: $0) }
    }

    /// Removes "." and "x/.." components.
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for p in path.split(separator: "/", omittingEmptySubsequences: true) {
            if p == "." { continue }
            if p == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(p)
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}
