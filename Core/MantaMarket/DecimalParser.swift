/// Decimal numbers straight from a file's bytes, exactly as `Double(String)`
/// reads them but without making the String.
///
/// AEMO writes prices and demand as short decimals ("114.80", "-1000",
/// "5005.34"). For those the fast path is exact: with at most 15 significant
/// digits the digits form an integer m < 2^53 and the value is m / 10^k (or
/// m x 10^k) with 10^k <= 10^22, both exactly representable, so one IEEE
/// division or multiplication rounds once and gives the correctly rounded
/// result (Clinger's fast path). Anything else (more digits, exponents,
/// "inf", hex) goes to Double(String), which is correctly rounded too.
enum DecimalParser {
    /// 10^k for k in 0...22, every one exact in a Double. A switch, not a
    /// global table: a table would cost a lazy-initialisation check per call.
    @inline(__always)
    static func power(_ k: Int) -> Double {
        switch k {
        case 0: return 1
        case 1: return 10
        case 2: return 100
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }

    static func parse(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0, n = f.count
        while i < n, f[i] == 0x20 { i += 1 }
        while n > i, f[n - 1] == 0x20 { n -= 1 }
        guard i < n else { return nil }
        let first = i
        var negative = false
        if f[i] == 0x2D || f[i] == 0x2B {
            negative = f[i] == 0x2D
            i += 1
        }
        var mantissa: UInt64 = 0, digits = 0, fraction = 0, sawDigit = false
        while i < n, f[i] &- 0x30 < 10 {
            if mantissa != 0 || f[i] != 0x30 { digits += 1 }
            mantissa = mantissa &* 10 &+ UInt64(f[i] &- 0x30)
            sawDigit = true
            i += 1
        }
        if i < n, f[i] == 0x2E {
            i += 1
            while i < n, f[i] &- 0x30 < 10 {
                if mantissa != 0 || f[i] != 0x30 { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(f[i] &- 0x30)
                fraction += 1
                sawDigit = true
                i += 1
            }
        }
        guard i == n, sawDigit, digits <= 15, fraction <= 22 else {
            return Double(String(decoding: UnsafeBufferPointer(rebasing: f[first..<n]), as: UTF8.self))
        }
        let value = Double(mantissa) / power(fraction)
        return negative ? -value : value
    }
}
