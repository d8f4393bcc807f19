extension MarketTime {
    /// Parses a timestamp as AEMO and operators write it:
    /// `2022/01/01 00:05:00`, `2022-01-01 00:05`, `2022-01-01T00:05:00`,
    /// `2022-01-01` (midnight). Without an offset the text is market time
    /// (UTC+10); a trailing `Z` or `+HH:MM`/`-HH:MM` is honoured. Returns nil
    /// for anything else, including impossible dates such as 2022-02-30.
    public static func parse<S: StringProtocol>(_ text: S) -> Int64? {
        var bytes = Array(text.utf8)
        while let last = bytes.last, last == UInt8(ascii: " ") { bytes.removeLast() }
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= bytes.count else { return nil }
            var n = 0
            for _ in 0..<digits {
                let d = Int(bytes[i]) - 48
                guard (0...9).contains(d) else { return nil }
                n = n * 10 + d
                i += 1
            }
            return n
        }
        func expect(_ options: String) -> Bool {
            guard i < bytes.count, options.utf8.contains(bytes[i]) else { return false }
            i += 1
            return true
        }
        guard let y = number(4), expect("/-"), let mo = number(2), expect("/-"), let d = number(2) else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= daysInMonth(year: y, month: mo) else { return nil }
        var c = Civil(year: y, month: mo, day: d)
        if i < bytes.count, expect(" T") {
            guard let h = number(2), expect(":"), let mi = number(2), h <= 24, mi < 60 else { return nil }
            c.hour = h
            c.minute = mi
            if i < bytes.count, bytes[i] == UInt8(ascii: ":") {
                i += 1
                guard let s = number(2), s < 60 else { return nil }
                c.second = s
            }
            if c.hour == 24 && (c.minute != 0 || c.second != 0) { return nil }
        }
        var ms = self.ms(c)
        if i < bytes.count {
            if expect("Z") {
                ms += offsetMs
            } else if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                let sign: Int64 = bytes[i] == UInt8(ascii: "+") ? 1 : -1
                i += 1
                guard let oh = number(2), expect(":"), let om = number(2) else { return nil }
                ms += offsetMs - sign * Int64(oh * 3600 + om * 60) * 1000
            } else {
                return nil
            }
        }
        return i == bytes.count ? ms : nil
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
