import ArgumentParser
import MantaFetch
import MantaIO
import MantaMarket

/// `--predispatch FILE`: AEMO's PREDISPATCHPRICE as the monthly archive
/// ships it (a .zip holding one CSV) or the CSV itself, read for one region.
enum PredispatchArgument {
    static func load(_ path: String, region: Region) throws(ValidationError) -> PredispatchRuns {
        let bytes: [UInt8]
        do { bytes = try FileSystem.read(path) } catch { throw ValidationError("--predispatch: \(error)") }
        var name = path, csv = bytes
        if path.lowercased().hasSuffix(".zip") {
            let entries: [ZipArchive.Entry]
            do { entries = try ZipArchive.entries(bytes) } catch { throw ValidationError("--predispatch \(path): \(error)") }
            guard let entry = entries.first(where: { $0.name.lowercased().hasSuffix(".csv") }) else {
                throw ValidationError("--predispatch \(path): the archive holds no .csv")
            }
            name = "\(path)!\(entry.name)"
            csv = entry.bytes
        }
        do { return try PredispatchFile.parse(csv, file: name, region: region) } catch {
            throw ValidationError("--predispatch: \(error)")
        }
    }
}
