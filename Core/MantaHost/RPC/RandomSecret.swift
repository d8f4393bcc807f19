/// Secrets the host hands out (browser session ids, issued API tokens).
enum RandomSecret {
    /// 256 random bits as 64 lower-case hex digits, from getrandom(2).
    static func hex256() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let digits = String(rng.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }
}
