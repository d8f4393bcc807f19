import MantaJSON
import MantaText

extension Discovery.Found {
    /// A stable key for the device's config entry: "sma-sb5-0-3000123456.meter".
    public var suggestedKey: String {
        let base = [model, serial].filter { !$0.isEmpty }.joined(separator: "-")
        var key = String(base.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
        while key.contains("--") { key = key.replacing("--", with: "-") }
        key = key.trimming("-")
        if key.isEmpty { key = "\(host)-\(port)-\(unitID)".replacing(".", with: "-") }
        return meterIndex.map { "\(key).meter\($0 == 0 ? "" : String($0 + 1))" } ?? key
    }

    /// The device entry to paste into the plugin's config.
    public var configEntry: JSON {
        var o = JSONObject([("key", .string(suggestedKey)), ("host", .string(host)), ("port", .int(Int64(port))),
                            ("unit_id", .int(Int64(unitID))), ("kind", .string(kind))])
        if template != "sunspec" { o["template"] = .string(template) }
        if let m = meterIndex { o["meter"] = .int(Int64(m)) }
        return .object(o)
    }

    /// host, port, unit_id, manufacturer, model, serial, kind, template,
    /// then the plugin to use and its ready-to-paste config entry.
    public var json: JSON {
        .object(JSONObject([
            ("host", .string(host)), ("port", .int(Int64(port))), ("unit_id", .int(Int64(unitID))),
            ("manufacturer", .string(manufacturer)), ("model", .string(model)), ("serial", .string(serial)),
            ("kind", .string(kind)), ("template", .string(template)),
            ("sunspec_models", .array(models.map { .int(Int64($0)) })), ("plugin", .string(plugin)),
            ("config", configEntry),
        ]))
    }
}
