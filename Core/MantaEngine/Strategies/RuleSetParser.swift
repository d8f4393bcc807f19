import MantaJSON
import MantaMarket

extension RuleSet {
    /// Reads and validates a rule set. Every error names the rule (by index
    /// and name) and the field: `rules[1] "sell spikes": if.price: unknown
    /// operator "=>" (use >, >=, <, <=, ==, !=, between)`. Unknown fields are
    /// errors too, so that a misspelt condition is never silently ignored.
    public init(_ json: JSON) throws(StrategyConfigError) {
        guard let top = json.object else { throw StrategyConfigError("a rule set must be an object with \"rules\"") }
        for key in top.keys where !["rules", "fcas", "default", "forecaster", "$schema", "description"].contains(key) {
            throw StrategyConfigError("\(key): unknown field (a rule set has rules, default, forecaster)")
        }
        guard let list = top["rules"]?.array else { throw StrategyConfigError("rules: must be an array of rules") }
        var rules: [Rule] = []
        for (i, entry) in list.enumerated() {
            let name = entry["name"]?.string ?? ""
            let at = name.isEmpty ? "rules[\(i)]" : "rules[\(i)] \"\(name)\""
            guard let o = entry.object else { throw StrategyConfigError("\(at): must be an object with if and then") }
            for key in o.keys where !["name", "priority", "if", "then", "description"].contains(key) {
                throw StrategyConfigError("\(at): \(key): unknown field (a rule has name, priority, if, then)")
            }
            guard let cond = o["if"] else { throw StrategyConfigError("\(at): if: required") }
            guard let then = o["then"] else { throw StrategyConfigError("\(at): then: required") }
            var priority = 0.0
            if let p = o["priority"] {
                guard let n = p.number else { throw StrategyConfigError("\(at): priority: must be a number") }
                priority = n
            }
            rules.append(Rule(name: name.isEmpty ? "rule \(i + 1)" : name, priority: priority,
                              condition: try RuleSet.condition(cond, at: "\(at): if"),
                              action: try RuleSet.action(then, at: "\(at): then")))
        }
        // Stable: equal priorities keep their order in the file.
        self.rules = rules.enumerated().sorted { ($0.element.priority, -$0.offset) > ($1.element.priority, -$1.offset) }.map(\.element)
        if let list = top["fcas"] {
            guard let entries = list.array else { throw StrategyConfigError("fcas: must be an array of FCAS rules") }
            for (i, entry) in entries.enumerated() { fcas.append(try RuleSet.fcasRule(entry, index: i)) }
        }
        fallback = try top["default"].map { j throws(StrategyConfigError) in try RuleSet.action(j, at: "default") }
            ?? Action(direction: 0, fraction: nil, watts: nil)
        if let f = top["forecaster"] {
            guard let name = f.string, RuleSet.forecasters.contains(name) else {
                throw StrategyConfigError("forecaster: must be one of \(RuleSet.forecasters.joined(separator: ", "))")
            }
            forecaster = name
        }
    }

    static let operators = [">", ">=", "<", "<=", "==", "!=", "between"]

    /// `{"if": {...}, "enable": "RAISE6SEC", "mw": 0.5}` (or `"power": 0.5`).
    static func fcasRule(_ entry: JSON, index i: Int) throws(StrategyConfigError) -> FCASRule {
        let name = entry["name"]?.string ?? ""
        let at = name.isEmpty ? "fcas[\(i)]" : "fcas[\(i)] \"\(name)\""
        guard let o = entry.object else { throw StrategyConfigError("\(at): must be an object with if and enable") }
        for key in o.keys where !["name", "if", "enable", "mw", "power", "description"].contains(key) {
            throw StrategyConfigError("\(at): \(key): unknown field (an FCAS rule has name, if, enable, mw or power)")
        }
        guard let cond = o["if"] else { throw StrategyConfigError("\(at): if: required") }
        guard let text = o["enable"]?.string, let service = FCASService(name: text) else {
            let names = FCASService.allCases.map(\.name).joined(separator: ", ")
            throw StrategyConfigError("\(at): enable: must name an FCAS service (\(names))")
        }
        var rule = FCASRule(name: name.isEmpty ? "fcas \(i + 1)" : name, condition: try condition(cond, at: "\(at): if", fcas: true),
                            service: service, mw: nil, fraction: nil)
        switch (o["mw"], o["power"]) {
        case (let mw?, nil):
            guard let v = mw.number, v > 0, v <= 100_000 else { throw StrategyConfigError("\(at).mw: must be a number in (0, 100000]") }
            rule.mw = v
        case (nil, let p?):
            guard let f = p.number, f > 0, f <= 1 else { throw StrategyConfigError("\(at).power: must be a fraction in (0, 1]") }
            rule.fraction = f
        case (nil, nil): throw StrategyConfigError("\(at): give mw (per asset) or power (a fraction of the rating)")
        default: throw StrategyConfigError("\(at): give mw or power, not both")
        }
        return rule
    }

    static func condition(_ j: JSON, at: String, fcas: Bool = false) throws(StrategyConfigError) -> Condition {
        guard let o = j.object, !o.isEmpty else { throw StrategyConfigError("\(at): must be an object of conditions") }
        var parts: [Condition] = []
        for (key, value) in o.members {
            let here = "\(at).\(key)"
            switch key {
            case "all", "any":
                guard let list = value.array, !list.isEmpty else { throw StrategyConfigError("\(here): must be a non-empty array") }
                var inner: [Condition] = []
                for (k, c) in list.enumerated() { inner.append(try condition(c, at: "\(here)[\(k)]", fcas: fcas)) }
                parts.append(key == "all" ? .all(inner) : .any(inner))
            case "not":
                parts.append(.not(try condition(value, at: here, fcas: fcas)))
            case "price":
                parts.append(.price(try comparison(value, at: here)))
            case "fcas_price":
                guard fcas else { throw StrategyConfigError("\(here): a condition of FCAS rules only (the \"fcas\" list)") }
                guard let text = value["service"]?.string, let service = FCASService(name: text) else {
                    throw StrategyConfigError("\(here).service: must name an FCAS service such as \"RAISE6SEC\"")
                }
                parts.append(.fcasPrice(service, try comparison(value, at: here, extra: ["service"])))
            case "soc":
                parts.append(.soc(try comparison(value, at: here, percent: true)))
            case "price_percentile":
                let window = try integer(value, "window", at: here, default: 288, range: 2...105_120)
                parts.append(.pricePercentile(window: window, try comparison(value, at: here, extra: ["window"])))
            case "forecast":
                let horizon = try integer(value, "horizon", at: here, default: 12, range: 1...288)
                let statName = value["stat"]?.string ?? "mean"
                guard let stat = Stat(rawValue: statName) else {
                    throw StrategyConfigError("\(here).stat: \"\(statName)\" is not one of max, min, mean")
                }
                parts.append(.forecast(horizon: horizon, stat: stat, try comparison(value, at: here, extra: ["horizon", "stat"])))
            case "time":
                guard let b = value["between"]?.array, b.count == 2, value.object?.count == 1,
                      let from = b[0].string.flatMap(minutes), let to = b[1].string.flatMap(minutes)
                else { throw StrategyConfigError("\(here): must be {\"between\": [\"HH:MM\", \"HH:MM\"]}") }
                parts.append(.time(from: from, to: to))
            case "weekday":
                guard let names = value["in"]?.array, value.object?.count == 1, !names.isEmpty else {
                    throw StrategyConfigError("\(here): must be {\"in\": [\"mon\", ...]}")
                }
                var days = Set<Int>()
                for n in names {
                    guard let d = n.string.flatMap({ weekdays.firstIndex(of: String($0.lowercased().prefix(3))) }) else {
                        throw StrategyConfigError("\(here): \(n) is not a weekday (mon ... sun)")
                    }
                    days.insert(d)
                }
                parts.append(.weekday(days))
            default:
                throw StrategyConfigError("\(here): unknown condition (use price, price_percentile, soc, time, weekday, forecast, \(fcas ? "fcas_price, " : "")all, any, not)")
            }
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0..<60).contains(m),
              h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }

    static func integer(_ j: JSON, _ key: String, at: String, default d: Int, range: ClosedRange<Int>) throws(StrategyConfigError) -> Int {
        guard let v = j[key] else { return d }
        guard let n = v.integer, range.contains(Int(n)) else {
            throw StrategyConfigError("\(at).\(key): must be a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(n)
    }

    /// `{">": 500}` or `{"between": [a, b]}`; with `percent`, "80%" means 0.8.
    static func comparison(_ j: JSON, at: String, percent: Bool = false, extra: Set<String> = []) throws(StrategyConfigError) -> Comparison {
        guard let o = j.object else { throw StrategyConfigError("\(at): must be an object such as {\">\": 100}") }
        let ops = o.members.filter { !extra.contains($0.key) }
        guard ops.count == 1, let (op, value) = ops.first else {
            throw StrategyConfigError("\(at): needs exactly one comparison (one of \(operators.joined(separator: ", ")))")
        }
        guard operators.contains(op) else {
            throw StrategyConfigError("\(at): unknown operator \"\(op)\" (use \(operators.joined(separator: ", ")))")
        }
        func number(_ v: JSON) throws(StrategyConfigError) -> Double {
            if let n = v.number { return n }
            if percent, let s = v.string, s.hasSuffix("%"), let n = Double(s.dropLast()) { return n / 100 }
            throw StrategyConfigError("\(at).\(op): must be a number\(percent ? " or a percentage such as \"80%\"" : "")")
        }
        if op == "between" {
            guard let b = value.array, b.count == 2 else { throw StrategyConfigError("\(at).between: must be [low, high]") }
            let lo = try number(b[0]), hi = try number(b[1])
            guard lo <= hi else { throw StrategyConfigError("\(at).between: low (\(lo)) is above high (\(hi))") }
            return Comparison(op: op, value: lo, high: hi)
        }
        return Comparison(op: op, value: try number(value), high: 0)
    }

    static func action(_ j: JSON, at: String) throws(StrategyConfigError) -> Action {
        func direction(_ s: String) throws(StrategyConfigError) -> Int {
            switch s {
            case "charge": return -1
            case "discharge": return 1
            case "hold": return 0
            default: throw StrategyConfigError("\(at): \"\(s)\" is not an action (charge, discharge, hold)")
            }
        }
        if let s = j.string { return Action(direction: try direction(s), fraction: 1, watts: nil) }
        guard let o = j.object, let name = o["action"]?.string else {
            throw StrategyConfigError("\(at): must be \"charge\", \"discharge\", \"hold\" or {\"action\": ..., \"power\": ...}")
        }
        for key in o.keys where !["action", "power", "power_w"].contains(key) {
            throw StrategyConfigError("\(at).\(key): unknown field (an action has action, power, power_w)")
        }
        var a = Action(direction: try direction(name), fraction: 1, watts: nil)
        if let p = o["power"] {
            guard let f = p.number, f > 0, f <= 1 else { throw StrategyConfigError("\(at).power: must be a fraction in (0, 1]") }
            a.fraction = f
        }
        if let w = o["power_w"] {
            guard o["power"] == nil else { throw StrategyConfigError("\(at): give power or power_w, not both") }
            guard let v = w.number, v > 0 else { throw StrategyConfigError("\(at).power_w: must be > 0") }
            a.fraction = nil
            a.watts = v
        }
        return a
    }
}
