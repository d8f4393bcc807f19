import MantaIO
import MantaMarket

/// Loads AEMO price files from disk for the pure parsers in MantaMarket.
public enum PriceFileLoader {
    /// Expands `paths` (files, or folders searched one level deep for
    /// `*.csv`/`*.CSV`) into a sorted file list.
    public static func expand(_ paths: [String]) throws(FileError) -> [String] {
        var files: [String] = []
        for path in paths {
            if FileSystem.isDirectory(path) {
                let found = try FileSystem.list(path).filter { $0.lowercased().hasSuffix(".csv") }
                if found.isEmpty { throw FileError(path, "folder holds no .csv files") }
                files += found.map { Paths.join(path, $0) }
            } else if FileSystem.exists(path) {
                files.append(path)
            } else {
                throw FileError(path, "no such file or folder")
            }
        }
        return files
    }

    public enum LoadError: Error, Sendable, CustomStringConvertible {
        case file(FileError)
        case data(MarketDataError)

        public var description: String {
            switch self {
            case .file(let e): return e.description
            case .data(let e): return e.description
            }
        }
    }

    /// Reads and validates AEMO price files of any of the three layouts
    /// (PRICE_AND_DEMAND, DISPATCHPRICE, the combined dispatch-price CSV)
    /// into one series. `region` picks a region out of multi-region files;
    /// without it the files must hold exactly one region between them.
    /// Folders are expanded; a file named explicitly that lacks the region
    /// is an error, one found in a folder is skipped.
    public static func load(_ paths: [String], region: Region? = nil) throws(LoadError) -> PriceFile {
        let files: [String]
        do { files = try expand(paths) } catch { throw .file(error) }
        var parsed: [(name: String, file: PriceFile)] = []
        var seen = Set<Region>()
        for path in files {
            let bytes: [UInt8]
            do { bytes = try FileSystem.read(path) } catch { throw .file(error) }
            let series: [PriceFile]
            do { series = try MarketFileFormat.parse(bytes, file: path) } catch { throw .data(error) }
            seen.formUnion(series.map(\.region))
            if let region {
                if let match = series.first(where: { $0.region == region }) {
                    parsed.append((path, match))
                } else if paths.contains(path) {
                    let held = series.map(\.region.code).joined(separator: ", ")
                    throw .data(MarketDataError(file: path, line: 0, message: "holds \(held), not \(region.code)"))
                }
            } else {
                guard series.count == 1 else {
                    let held = series.map(\.region.code).joined(separator: ", ")
                    throw .data(MarketDataError(file: path, line: 0, message: "holds several regions (\(held)): choose one"))
                }
                parsed.append((path, series[0]))
            }
        }
        if region == nil && seen.count > 1 {
            let held = seen.map(\.code).sorted().joined(separator: ", ")
            throw .data(MarketDataError(file: files.first ?? "-", line: 0, message: "the files hold several regions (\(held)): choose one"))
        }
        guard !parsed.isEmpty else {
            throw .data(MarketDataError(file: paths.joined(separator: ", "), line: 0, message: "no \(region?.code ?? "") prices found"))
        }
        do { return try PriceFile.combine(parsed) } catch { throw .data(error) }
    }
}
