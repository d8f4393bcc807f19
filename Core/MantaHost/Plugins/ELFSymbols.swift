/// The symbols an ELF64 shared object exports (its .dynsym entries that are
/// defined and global or weak): what `manta plugin check` holds against the
/// SDK's one-exported-symbol rule.
enum ELFSymbols {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    static func exported(from bytes: [UInt8]) throws(Malformed) -> [String] {
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func u64(_ o: Int) -> Int { u32(o) | u32(o + 4) << 32 }
        guard bytes.count > 64, bytes[0..<4] == [0x7F, 0x45, 0x4C, 0x46] else { throw Malformed(description: "not an ELF file") }
        guard bytes[4] == 2, bytes[5] == 1 else { throw Malformed(description: "not a little-endian 64-bit ELF file") }
        let shoff = u64(0x28), shentsize = u16(0x3A), shnum = u16(0x3C)
        guard shentsize == 64, shoff + shnum * 64 <= bytes.count else { throw Malformed(description: "bad section table") }
        for i in 0..<shnum {
            let sh = shoff + i * 64
            guard u32(sh + 4) == 11 else { continue }  // SHT_DYNSYM
            let symOff = u64(sh + 0x18), symSize = u64(sh + 0x20), entSize = u64(sh + 0x38)
            let strSection = shoff + u32(sh + 0x28) * 64
            let strOff = u64(strSection + 0x18), strSize = u64(strSection + 0x20)
            guard entSize == 24, symOff + symSize <= bytes.count, strOff + strSize <= bytes.count else {
                throw Malformed(description: "bad .dynsym")
            }
            var names: [String] = []
            for s in stride(from: symOff, to: symOff + symSize, by: 24) {
                let binding = bytes[s + 4] >> 4, shndx = u16(s + 6), nameAt = strOff + u32(s)
                guard shndx != 0, binding == 1 || binding == 2, nameAt < strOff + strSize else { continue }
                let end = bytes[nameAt...].firstIndex(of: 0) ?? nameAt
                let name = String(decoding: bytes[nameAt..<end], as: UTF8.self)
                if !name.isEmpty { names.append(name) }
            }
            return names
        }
        return []
    }
}
