/// Numbers as people read them in tables, CSV files and log lines.
public enum NumberText {
    /// `x` with exactly `places` decimals ("12.50"); `missing` when not finite.
    public static func fixed(_ x: Double, _ places: Int, missing: String = "-") -> String {
        guard x.isFinite else { return missing }
        let r = round(x, places)
        var text = places == 0 ? String(Int64(r)) : String(r)
        if places > 0, let dot = text.firstIndex(of: ".") {
            let have = text.distance(from: dot, to: text.endIndex) - 1
            if have < places { text += String(repeating: "0", count: places - have) }
        }
        return text
    }

    /// `x` rounded to `places` decimals without trailing zeros ("12.5",
    /// "12"); `missing` when not finite. What CSV cells and messages use.
    public static func rounded(_ x: Double, _ places: Int = 2, missing: String = "") -> String {
        guard x.isFinite else { return missing }
        let r = round(x, places)
        return r == r.rounded() && abs(r) < 1e15 ? String(Int64(r)) : String(r)
    }

    static func round(_ x: Double, _ places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (x * scale).rounded() / scale
    }
}
