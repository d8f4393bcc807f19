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

    /// Reads and validates PRICE_AND_DEMAND files of one region into one
    /// series. When `region` is given, files of other regions in a folder
    /// are skipped (folders often hold several regions); a file named
    /// explicitly with another region is an error.
    public static func loadPriceAndDemand(_ paths: [String], region: Region? = nil) throws(LoadError) -> PriceFile {
        let files: [String]
        do { files = try expand(paths) } catch { throw .file(error) }
        var parsed: [(name: String, file: PriceFile)] = []
        for path in files {
            let bytes: [UInt8]
            do { bytes = try FileSystem.read(path) } catch { throw .file(error) }
            do throws(MarketDataError) {
                let f = try PriceAndDemandFile.parse(bytes, file: path)
                if let region, f.region != region {
                    if paths.contains(path) {
                        throw MarketDataError(file: path, line: 2, message: "holds \(f.region.code), expected \(region.code)")
                    }
                    continue
                }
                parsed.append((path, f))
            } catch {
                throw .data(error)
            }
        }
        do { return try PriceAndDemandFile.combine(parsed) } catch { throw .data(error) }
    }
}
