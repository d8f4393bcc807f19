/// Prices of one region read from one or more files, in interval order.
public struct PriceFile: Sendable, Equatable {
    public var region: Region
    public var points: [PricePoint]
    /// Missing intervals between consecutive points.
    public var gaps: [PriceGap]

    public init(region: Region, points: [PricePoint], gaps: [PriceGap]) {
        self.region = region
        self.points = points
        self.gaps = gaps
    }

    /// Joins files of one region into one series: they may come in any order
    /// but must not overlap; gaps between files are reported like gaps inside.
    public static func combine(_ files: [(name: String, file: PriceFile)]) throws(MarketDataError) -> PriceFile {
        guard let first = files.first else { throw MarketDataError(file: "(none)", line: 0, message: "no price files given") }
        let sorted = files.sorted { ($0.file.points.first?.intervalEndMs ?? 0) < ($1.file.points.first?.intervalEndMs ?? 0) }
        var out = PriceFile(region: first.file.region, points: [], gaps: [])
        for (name, f) in sorted {
            guard f.region == out.region else {
                throw MarketDataError(file: name, line: 0,
                                      message: "region \(f.region.code) mixed with \(out.region.code): one region per run")
            }
            if let last = out.points.last, let head = f.points.first {
                guard head.intervalEndMs > last.intervalEndMs else {
                    throw MarketDataError(file: name, line: 2,
                                          message: "overlaps an earlier file at \(MarketTime.format(head.intervalEndMs))")
                }
                if head.intervalEndMs - last.intervalEndMs > MarketTime.intervalMs {
                    out.gaps.append(PriceGap(afterMs: last.intervalEndMs, beforeMs: head.intervalEndMs, file: name, line: 2))
                }
            }
            out.points += f.points
            out.gaps += f.gaps
        }
        return out
    }
}
