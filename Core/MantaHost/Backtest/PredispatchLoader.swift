import MantaFetch
import MantaIO
import MantaMarket

/// AEMO's PREDISPATCHPRICE as the monthly archive ships it (a .zip holding
/// one CSV) or the CSV itself, read for one region: what `manta backtest
/// --predispatch` and backtest.run's `predispatch` give mpc-predispatch.
public enum PredispatchLoader {
    /// The runs of `region` in the file at `path`; errors name the file.
    public static func load(_ path: String, region: Region) throws(BacktestError) -> PredispatchRuns {
        let bytes: [UInt8]
        do { bytes = try FileSystem.read(path) } catch { throw BacktestError("\(error)") }
        var name = path, csv = bytes
        if path.lowercased().hasSuffix(".zip") {
            let entries: [ZipArchive.Entry]
            do { entries = try ZipArchive.entries(bytes) } catch { throw BacktestError("\(path): \(error)") }
            guard let entry = entries.first(where: { $0.name.lowercased().hasSuffix(".csv") }) else {
                throw BacktestError("\(path): the archive holds no .csv")
            }
            name = "\(path)!\(entry.name)"
            csv = entry.bytes
        }
        do { return try PredispatchFile.parse(csv, file: name, region: region) } catch { throw BacktestError("\(error)") }
    }
}
