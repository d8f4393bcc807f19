import MantaEngine
import MantaJSON

/// rules.validate: the low-code rule language's checks (STRATEGIES.md),
/// for editors such as the console's that show the host's messages as a
/// rule set is written.
struct RuleMethods {
    var methods: [RPCMethod] {
        [
            RPCMethod("rules.validate",
                      "Checks a rule set for the rules strategy as loading it would: valid, or the message naming the rule and the field.",
                      params: Schemas.params([("rules", ["type": "object", "description": "the rule set: {rules, fcas?, default?, forecaster?}"])],
                                             required: ["rules"]),
                      result: Schemas.object, .sync { params, _ throws(RPCError) in
                          do throws(StrategyConfigError) {
                              let set = try RuleSet(params["rules"] ?? .null)
                              return ["valid": true, "message": .null, "rules": .int(set.rules.count), "fcas_rules": .int(set.fcas.count),
                                      "names": .array(set.rules.map { .string($0.name) })]
                          } catch {
                              return ["valid": false, "message": .string(error.description)]
                          }
                      }),
        ]
    }
}
