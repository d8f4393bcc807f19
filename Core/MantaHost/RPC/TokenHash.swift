import COpenSSL

/// API tokens as the host keeps them: SHA-256 digests (OpenSSL's), never
/// the tokens themselves. A config may give a token in plain text, as its
/// SHA-256 (hex), in a file or in an environment variable; all end here.
public enum TokenHash {
    /// SHA-256 of `token`'s UTF-8 bytes.
    public static func digest(_ token: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let bytes = Array(token.utf8)
        bytes.withUnsafeBufferPointer { b in _ = out.withUnsafeMutableBufferPointer { SHA256(b.baseAddress, b.count, $0.baseAddress) } }
        return out
    }

    /// Lower-case hex, as `manta token hash` prints it and api.tokens[].sha256 takes it.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }

    /// The digest a 64-digit hex string spells, or nil.
    public static func parse(hex text: String) -> [UInt8]? {
        let chars = Array(text.lowercased().utf8)
        guard chars.count == 64 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        for i in stride(from: 0, to: 64, by: 2) {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    /// Equal without an early exit (CRYPTO_memcmp), so timing reveals nothing.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }
}
