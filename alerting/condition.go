package alerting

import (
	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/drift"
)

// A rule's condition is parsed and checked by config (config.Condition,
// so that a mistake is reported with its key and line); what it means for
// a result, which of the result's numbers it reads and how it compares
// them, is decided here, beside the rules that apply it.

// conditionOn applies a rule's condition to one matched result: active
// says whether the result counts as bad, applies false that the condition
// does not read this result at all (a p_value condition on a distance,
// which has no p-value; drifted_share on any row but the dataset row), so
// that it is no observation of the rule.
func conditionOn(c config.Condition, res drift.Result) (active, applies bool) {
	switch c.Field {
	case config.FieldDrifted:
		return res.Drifted, true
	case config.FieldStatistic:
		return holds(c, res.Statistic), true
	case config.FieldPValue:
		if res.PValue == nil {
			return false, false
		}
		return holds(c, *res.PValue), true
	case config.FieldDriftedShare:
		if res.Method != detectors.MethodDriftedShare {
			return false, false
		}
		return holds(c, res.Statistic), true
	}
	return false, true
}

// holds reports whether x satisfies the condition's comparison; always
// false for config.FieldDrifted, whose truth is a result's verdict, not a
// number.
func holds(c config.Condition, x float64) bool {
	switch c.Op {
	case "<":
		return x < c.Value
	case "<=":
		return x <= c.Value
	case ">":
		return x > c.Value
	case ">=":
		return x >= c.Value
	case "==":
		return x == c.Value
	case "!=":
		return x != c.Value
	}
	return false
}
