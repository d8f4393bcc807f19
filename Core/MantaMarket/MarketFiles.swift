import MantaText

/// The three AEMO price layouts Manta reads, told apart by their first line.
public enum MarketFileFormat: String, Sendable {
    /// Aggregated price and demand (one region per file, energy only).
    case priceAndDemand = "PRICE_AND_DEMAND"
    /// MMS DISPATCHPRICE in C/I/D layout (energy and eight FCAS prices).
    case dispatchPrice = "DISPATCHPRICE"
    /// One-header dispatch price CSV with all ten FCAS prices.
    case combined = "combined dispatch prices"

    /// The layout of `bytes`, or nil when it is none of the three.
    public static func detect(_ bytes: [UInt8]) -> MarketFileFormat? {
        guard let first = CSVLines.texts(Array(bytes.prefix(4096))).first?.fields.map({ $0.trimmed.uppercased() }) else { return nil }
        if first.first == "C" || first.first == "I" { return .dispatchPrice }
        // Identified by their key columns; the parser then names anything missing.
        if first.contains("REGION") && first.contains("SETTLEMENTDATE") { return .priceAndDemand }
        if first.contains("REGIONID") && first.contains("SETTLEMENTDATE") { return .combined }
        return nil
    }

    /// Parses a file of any of the layouts into one series per region it holds.
    public static func parse(_ bytes: [UInt8], file: String) throws(MarketDataError) -> [PriceFile] {
        switch detect(bytes) {
        case .priceAndDemand: return [try PriceAndDemandFile.parse(bytes, file: file)]
        case .dispatchPrice: return try DispatchPriceFile.parse(bytes, file: file)
        case .combined: return try CombinedPriceFile.parse(bytes, file: file)
        case nil:
            throw MarketDataError(file: file, line: 1,
                                  message: "not an AEMO price file: expected PRICE_AND_DEMAND, DISPATCHPRICE (C/I/D) or a dispatch price CSV header")
        }
    }
}
