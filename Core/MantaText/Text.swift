// The string helpers every layer shares (Foundation-free), in one place so
// that no module grows its own copy. No dependencies: any module may import it.

extension StringProtocol {
    /// Without leading and trailing blanks (spaces, tabs, line ends).
    public var trimmed: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeLast() }
        return String(s)
    }

    /// Without leading and trailing `character`s ("--a-b-" -> "a-b").
    public func trimming(_ character: Character) -> String {
        var s = Substring(self)
        while s.first == character { s.removeFirst() }
        while s.last == character { s.removeLast() }
        return String(s)
    }

    /// Trimmed, and without surrounding double quotes, however many pairs
    /// (AEMO's files sometimes triple them).
    public var trimmingQuotes: String {
        var s = Substring(trimmed)
        while s.first == "\"" && s.last == "\"" && s.count >= 2 { s = s.dropFirst().dropLast() }
        return String(s)
    }

    /// Without trailing spaces (the end of a table row).
    public var trailingSpacesTrimmed: String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }

    /// Without `prefix` when it starts with it, else unchanged.
    public func removingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : String(self)
    }

    /// On one line: tabs and line feeds become spaces (a field of a
    /// tab-separated line).
    public var replacingTabsAndNewlines: String {
        String(map { $0 == "\t" || $0 == "\n" ? " " : $0 })
    }

    /// Left-aligned in a field of `width` characters.
    public func padded(_ width: Int) -> String {
        count >= width ? String(self) : self + String(repeating: " ", count: width - count)
    }

    /// Right-aligned in a field of `width` characters.
    public func leftPadded(_ width: Int) -> String {
        count >= width ? String(self) : String(repeating: " ", count: width - count) + self
    }
}
