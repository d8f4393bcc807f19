import MantaTestPaths
import Testing
@testable import MantaMarket

/// The byte-level reading under every price file: fields found in place,
/// numbers read exactly as Double(String) reads them.
@Suite struct CSVScan {
    func parse(_ text: String) -> Double? {
        var s = text
        return s.withUTF8 { DecimalParser.parse($0) }
    }

    @Test func decimalsReadExactlyAsTheStandardLibraryReadsThem() {
        for text in ["114.80", "-1000", "0", "-0", "+5", "5.", ".5", "17500.00", "0.1", "0.3", "-0.000001",
                     "123456789012345", "1234567890123456", "12345678901234567890", "9007199254740993",
                     "1e3", "2.5E-4", "inf", "nan", " 42.5 ", "0x1p3", ".", "", "-", "1.2.3", "4,5", "12a"] {
            let a = parse(text), b = Double(text.trimmed)
            #expect(a == b || (a?.isNaN == true && b?.isNaN == true), "\(text): \(String(describing: a)) vs \(String(describing: b))")
        }
        // Random short decimals, the shape AEMO writes, across the fast path's edges.
        var rng = UInt64(99)
        for _ in 0..<20_000 {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let digits = Int(rng >> 60) + 1, places = Int((rng >> 40) % UInt64(digits + 1))
            var text = String(rng % 1_000_000_000_000_000_000).prefix(digits)
            if places > 0 { text.insert(".", at: text.index(text.endIndex, offsetBy: -min(places, text.count))) }
            if rng & 1 == 1 { text = "-" + text }
            #expect(parse(String(text)) == Double(String(text)), "\(text)")
        }
    }

    @Test func quotedFieldsLoseTheirQuotesAndKeepTheirCommas() {
        let rows = CSVLines.texts(Array("\u{FEFF}a,\"b,c\",\"say \"\"hi\"\"\"\r\n\r\n\"\"\"2025/12/20\"\"\",,x\n".utf8))
        #expect(rows.count == 2)
        #expect(rows[0].line == 1 && rows[0].fields == ["a", "b,c", "say \"hi\""])
        #expect(rows[1].line == 3 && rows[1].fields == ["\"2025/12/20\"", "", "x"])
    }

    @Test(.enabled(if: TestPaths.hasSharedData, "needs ../shared/data"))
    func everyFigureOfARealFileReadsAsTheStandardLibraryReadsIt() {
        let bytes = fcasFile("DISPATCHPRICE_202101.CSV")
        var checked = 0
        bytes.withUnsafeBufferPointer { b in
            var lines = CSVLines(b), row = CSVRow(b)
            while lines.next(&row) {
                for i in 0..<row.count {
                    let text = row.text(i)
                    guard let expected = Double(text) else { continue }
                    #expect(row.number(i) == expected, "line \(row.line): \(text)")
                    checked += 1
                }
            }
        }
        #expect(checked > 400_000)  // 491,044 figures
    }
}
