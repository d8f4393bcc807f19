import Glibc

/// A file system failure, naming the path and the system's reason.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }

    init(_ path: String, errno code: Int32) {
        self.path = path
        self.reason = String(cString: strerror(code))
    }

    public init(_ path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// The few file operations Manta needs, on POSIX directly (no Foundation in
/// the libraries).
public enum FileSystem {
    /// The whole file as bytes.
    public static func read(_ path: String) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path, errno: errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var st = stat()
        if fstat(fd, &st) == 0, st.st_size > 0 { out.reserveCapacity(Int(st.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path, errno: errno)
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// A regular file's bytes, refusing anything else (a device, a FIFO, a
    /// folder) and any file larger than `maxBytes`, before reading it.
    public static func read(_ path: String, maxBytes: Int) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw FileError(path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError(path, errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FileError(path, "not a regular file") }
        guard st.st_size <= maxBytes else { throw FileError(path, "\(st.st_size) bytes; at most \(maxBytes) are read") }
        var out = [UInt8](repeating: 0, count: Int(st.st_size))
        var got = 0
        while got < out.count {
            let n = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + got, $0.count - got) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        return Array(out.prefix(got))
    }

    public static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    public static func readText(_ path: String) throws(FileError) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same
    /// folder, fsync'd, then renamed over the target.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(FileError) {
        let tmp = "\(path).tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError(tmp, errno: errno) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                unlink(tmp)
                throw FileError(tmp, errno: e)
            }
            written += n
        }
        fsync(fd)
        close(fd)
        guard rename(tmp, path) == 0 else { throw FileError(path, errno: errno) }
    }

    public static func write(_ text: String, to path: String) throws(FileError) {
        try write(Array(text.utf8), to: path)
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Names in a directory (not "." or ".."), sorted.
    public static func list(_ path: String) throws(FileError) -> [String] {
        guard let dir = opendir(path) else { throw FileError(path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Creates a directory and its parents; fine if it exists.
    public static func makeDirectories(_ path: String) throws(FileError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw FileError(prefix, errno: errno) }
            prefix += "/"
        }
    }
}

extension FileSystem {
    /// Removes a file, or a folder and everything in it. Fine if absent.
    public static func removeTree(_ path: String) throws(FileError) {
        guard FileSystem.exists(path) else { return }
        if isDirectory(path) {
            for name in try list(path) { try removeTree(Paths.join(path, name)) }
            guard rmdir(path) == 0 else { throw FileError(path, errno: errno) }
        } else {
            guard unlink(path) == 0 else { throw FileError(path, errno: errno) }
        }
    }

    /// Renames, replacing a file (not a non-empty folder) at the target.
    public static func move(_ from: String, to: String) throws(FileError) {
        guard rename(from, to) == 0 else { throw FileError(to, errno: errno) }
    }
}
