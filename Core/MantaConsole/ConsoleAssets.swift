/// The operator console's files, compiled into mantad from Assets/ (no
/// build step, no npm: plain HTML, CSS and JavaScript modules), served by
/// the host's web server at `/` and `/<file>`.
public enum ConsoleAssets {
    /// One file as it is served.
    public struct Asset: Sendable {
        public let contentType: String
        public let bytes: [UInt8]
    }

    /// The file the URL path names, or nil. `/` is the console's page.
    public static func asset(_ path: String) -> Asset? {
        let name = path == "/" ? "index.html" : String(path.dropFirst())
        guard let bytes = files[name] else { return nil }
        return Asset(contentType: contentType(of: name), bytes: bytes)
    }

    /// Every file's name: Tests/integration/test_console.py checks that it is
    /// exactly what Assets/ holds.
    public static var names: [String] { files.keys.sorted() }

    // SwiftPM names an embedded file by its name with "." as "_"; a file
    // added to Assets/ is listed here too.
    private static let files: [String: [UInt8]] = [
        "index.html": PackageResources.index_html,
        "console.css": PackageResources.console_css,
        "app.js": PackageResources.app_js,
        "api.js": PackageResources.api_js,
        "dom.js": PackageResources.dom_js,
        "charts.js": PackageResources.charts_js,
        "overview.js": PackageResources.overview_js,
        "vpps.js": PackageResources.vpps_js,
        "spot.js": PackageResources.spot_js,
        "feedin.js": PackageResources.feedin_js,
        "cap.js": PackageResources.cap_js,
        "fcas.js": PackageResources.fcas_js,
        "reports.js": PackageResources.reports_js,
        "der.js": PackageResources.der_js,
        "arena.js": PackageResources.arena_js,
        "instruct.js": PackageResources.instruct_js,
        "nem.js": PackageResources.nem_js,
    ]

    private static func contentType(of name: String) -> String {
        if name.hasSuffix(".html") { return "text/html; charset=utf-8" }
        if name.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        return "application/octet-stream"
    }
}
