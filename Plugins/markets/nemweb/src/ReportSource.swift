import MantaFetch
import MantaIO
import MantaKit

/// Where NEMWeb-format report files appear: a folder (synced by any means)
/// or an HTTP(S) directory listing such as
/// https://nemweb.com.au/Reports/Current/DispatchIS_Reports/.
enum ReportSource {
    case folder(String)
    case web(base: String, client: HTTPClient)

    init(_ source: String, timeoutMs: Int) {
        if source.hasPrefix("http://") || source.hasPrefix("https://") {
            self = .web(base: source.hasSuffix("/") ? source : source + "/", client: HTTPClient(timeoutMs: timeoutMs))
        } else {
            self = .folder(source)
        }
    }

    /// Report files whose name starts with `prefix` and ends in .zip or
    /// .csv, by name, with where to fetch each.
    func list(prefix: String) throws(PluginError) -> [(name: String, location: String)] {
        func wanted(_ name: String) -> Bool {
            let lower = name.lowercased()
            return name.hasPrefix(prefix) && (lower.hasSuffix(".zip") || lower.hasSuffix(".csv"))
        }
        switch self {
        case .folder(let dir):
            do {
                return try FileSystem.list(dir).filter(wanted).map { ($0, Paths.join(dir, $0)) }
            } catch {
                throw .io("source: \(error)")
            }
        case .web(let base, let client):
            let page: [UInt8]
            do { page = try client.get(base) } catch { throw .io("source: \(error)") }
            var found: [String: String] = [:]
            for href in ReportSource.hrefs(in: page) {
                let name = Paths.basename(href)
                guard wanted(name) else { continue }
                found[name] = ReportSource.resolve(href, against: base)
            }
            return found.map { ($0.key, $0.value) }.sorted { $0.name < $1.name }
        }
    }

    func fetch(_ location: String) throws(PluginError) -> [UInt8] {
        switch self {
        case .folder:
            do { return try FileSystem.read(location) } catch { throw .io("\(error)") }
        case .web(_, let client):
            do { return try client.get(location) } catch { throw .io("\(error)") }
        }
    }

    /// The values of href="..." attributes in an HTML page (case-insensitive).
    static func hrefs(in page: [UInt8]) -> [String] {
        let needle = Array("href=\"".utf8)
        var out: [String] = [], i = 0
        while i + needle.count < page.count {
            var match = true
            for k in 0..<needle.count where page[i + k] | 0x20 != needle[k] | 0x20 {
                match = false
                break
            }
            if match, let end = page[(i + needle.count)...].firstIndex(of: UInt8(ascii: "\"")) {
                out.append(String(decoding: page[(i + needle.count)..<end], as: UTF8.self))
                i = end
            }
            i += 1
        }
        return out
    }

    /// An href made absolute against the listing's URL.
    static func resolve(_ href: String, against base: String) -> String {
        if href.hasPrefix("http://") || href.hasPrefix("https://") { return href }
        if href.hasPrefix("/") {
            let afterScheme = base.index(base.firstIndex(of: ":")!, offsetBy: 3)
            let origin = base[..<(base[afterScheme...].firstIndex(of: "/") ?? base.endIndex)]
            return origin + href
        }
        return base + href
    }
}
