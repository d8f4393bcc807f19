extension MarketTime {
    /// Parses a timestamp as AEMO and operators write it:
    /// `2022/01/01 00:05:00`, `2022-01-01 00:05`, `2022-01-01T00:05:00`,
    /// `2022-01-01` (midnight). Without an offset the text is market time
    /// (UTC+10); a trailing `Z` or `+HH:MM`/`-HH:MM` is honoured. Returns nil
    /// for anything else, including impossible dates such as 2022-02-30.
    public static func parse<S: StringProtocol>(_ text: S) -> Int64? {
        var s = String(text)
        return s.withUTF8 { parse(bytes: $0) }
    }

    /// `parse` on UTF-8 bytes, as the price files hand them over: no String
    /// is made, so a year of interval ends costs microseconds.
    static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var n = bytes.count
        while n > 0, bytes[n - 1] == UInt8(ascii: " ") { n -= 1 }
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= n else { return nil }
            var v = 0
            for _ in 0..<digits {
                let d = bytes[i] &- 48
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
                i += 1
            }
            return v
        }
        func expect(_ a: UInt8, _ b: UInt8) -> Bool {
            guard i < n, bytes[i] == a || bytes[i] == b else { return false }
            i += 1
            return true
        }
        guard let y = number(4), expect(0x2F, 0x2D), let mo = number(2), expect(0x2F, 0x2D), let d = number(2) else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= daysInMonth(year: y, month: mo) else { return nil }
        var c = Civil(year: y, month: mo, day: d)
        if i < n, expect(0x20, 0x54) {  // " " or "T"
            guard let h = number(2), expect(0x3A, 0x3A), let mi = number(2), h <= 24, mi < 60 else { return nil }
            c.hour = h
            c.minute = mi
            if i < n, bytes[i] == 0x3A {
                i += 1
                guard let s = number(2), s < 60 else { return nil }
                c.second = s
            }
            if c.hour == 24 && (c.minute != 0 || c.second != 0) { return nil }
        }
        var ms = self.ms(c)
        if i < n {
            if expect(0x5A, 0x5A) {  // "Z"
                ms += offsetMs
            } else if bytes[i] == 0x2B || bytes[i] == 0x2D {
                let sign: Int64 = bytes[i] == 0x2B ? 1 : -1
                i += 1
                guard let oh = number(2), expect(0x3A, 0x3A), let om = number(2) else { return nil }
                ms += offsetMs - sign * Int64(oh * 3600 + om * 60) * 1000
            } else {
                return nil
            }
        }
        return i == n ? ms : nil
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
