import MantaHost
/// Just enough SVG for report charts: stacked panels with axes and grid
/// lines, step lines, bars and a legend. Plain text out, no dependencies, so
/// a report opens in any browser.
struct SVGChart {
    let width: Double
    let height: Double
    private var body: [String] = []

    init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        body.append(##"<rect width="100%" height="100%" fill="white"/>"##)
        text(title, x: width / 2, y: 22, size: 15, anchor: "middle", weight: "bold")
    }

    /// A plotting area on the page with its data ranges.
    struct Panel {
        var x: Double, y: Double, w: Double, h: Double
        var xMin: Double, xMax: Double, yMin: Double, yMax: Double

        func px(_ v: Double) -> Double { x + (v - xMin) / max(1e-12, xMax - xMin) * w }
        func py(_ v: Double) -> Double { y + h - (v - yMin) / max(1e-12, yMax - yMin) * h }
    }

    mutating func text(_ s: String, x: Double, y: Double, size: Double = 11, anchor: String = "start",
                       weight: String = "normal", color: String = "#333", rotate: Bool = false) {
        let transform = rotate ? ##" transform="rotate(-90 \##(f(x)) \##(f(y)))""## : ""
        body.append(##"<text x="\##(f(x))" y="\##(f(y))" font-family="sans-serif" font-size="\##(f(size))" text-anchor="\##(anchor)" font-weight="\##(weight)" fill="\##(color)"\##(transform)>\##(escape(s))</text>"##)
    }

    /// Frame, horizontal grid lines with labels, the y-axis title, and x
    /// ticks labelled by `xLabel`.
    mutating func axes(_ p: Panel, yTitle: String, xTicks: [Double], xLabel: (Double) -> String) {
        body.append(##"<rect x="\##(f(p.x))" y="\##(f(p.y))" width="\##(f(p.w))" height="\##(f(p.h))" fill="none" stroke="#999"/>"##)
        for v in SVGChart.ticks(p.yMin, p.yMax) {
            let y = p.py(v)
            body.append(##"<line x1="\##(f(p.x))" y1="\##(f(y))" x2="\##(f(p.x + p.w))" y2="\##(f(y))" stroke="#e5e5e5"/>"##)
            text(SVGChart.label(v), x: p.x - 6, y: y + 4, size: 10, anchor: "end", color: "#666")
        }
        if p.yMin < 0 && p.yMax > 0 {
            body.append(##"<line x1="\##(f(p.x))" y1="\##(f(p.py(0)))" x2="\##(f(p.x + p.w))" y2="\##(f(p.py(0)))" stroke="#888"/>"##)
        }
        for v in xTicks {
            let x = p.px(v)
            body.append(##"<line x1="\##(f(x))" y1="\##(f(p.y + p.h))" x2="\##(f(x))" y2="\##(f(p.y + p.h + 4))" stroke="#999"/>"##)
            text(xLabel(v), x: x, y: p.y + p.h + 16, size: 10, anchor: "middle", color: "#666")
        }
        text(yTitle, x: p.x - 48, y: p.y + p.h / 2, size: 11, anchor: "middle", rotate: true)
    }

    /// A line through (x, y) points; NaN breaks it.
    mutating func line(_ p: Panel, _ points: [(Double, Double)], color: String, width: Double = 1.5) {
        var runs: [[String]] = [[]]
        for (x, y) in points {
            if y.isFinite { runs[runs.count - 1].append("\(f(p.px(x))),\(f(p.py(y)))") } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
        }
        for run in runs where run.count > 1 {
            body.append(##"<polyline fill="none" stroke="\##(color)" stroke-width="\##(f(width))" points="\##(run.joined(separator: " "))"/>"##)
        }
    }

    /// Bars from zero, each `barWidth` data units wide starting at x.
    mutating func bars(_ p: Panel, _ values: [(x: Double, y: Double)], barWidth: Double, positive: String, negative: String) {
        for (x, y) in values where y.isFinite && y != 0 {
            let top = p.py(max(0, y)), bottom = p.py(min(0, y))
            body.append(##"<rect x="\##(f(p.px(x)))" y="\##(f(top))" width="\##(f(max(0.5, p.px(x + barWidth) - p.px(x))))" height="\##(f(max(0.5, bottom - top)))" fill="\##(y > 0 ? positive : negative)"/>"##)
        }
    }

    mutating func legend(_ items: [(String, String)], x: Double, y: Double) {
        var cx = x
        for (label, color) in items {
            body.append(##"<rect x="\##(f(cx))" y="\##(f(y - 9))" width="12" height="10" fill="\##(color)"/>"##)
            text(label, x: cx + 16, y: y, size: 11)
            cx += 28 + Double(label.count) * 6.2
        }
    }

    func render() -> String {
        ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(f(width))" height="\##(f(height))" viewBox="0 0 \##(f(width)) \##(f(height))">"##
            + "\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }

    /// "Nice" tick values (1, 2 or 5 times a power of ten) spanning [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double, count: Double = 5) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / count
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? magnitude * 10
        var v = (lo / step).rounded(.up) * step, out: [Double] = []
        while v <= hi + step * 1e-9 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return out
    }

    /// A range padded so data does not touch the frame, always including 0.
    static func range(_ values: [Double], includeZero: Bool = true) -> (Double, Double) {
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
        if hi == lo { hi = lo + 1 }
        let pad = (hi - lo) * 0.06
        return (lo - (lo < 0 ? pad : 0), hi + pad)
    }

    static func label(_ v: Double) -> String {
        if abs(v) >= 1e6 { return f(v / 1e6) + "M" }
        if abs(v) >= 1e4 { return f(v / 1e3) + "k" }
        return f(v)
    }

    /// A compact decimal: at most two decimals, no trailing zeros.
    static func f(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int64(r)) : String(r)
    }

    private func f(_ v: Double) -> String { SVGChart.f(v) }

    private func escape(_ s: String) -> String {
        s.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }
}
