package config

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Condition is when a rule's matched result counts as bad: either the
// result's verdict (`drifted`) or a comparison of one of its numbers with a
// constant (`statistic > 0.2`, `p_value < 0.01`, `drifted_share > 0.5`).
//
// This package only parses and checks it, so that a mistake is reported at
// its key and line; package alerting, which applies the rules, decides
// what it means for a result: the number each field reads and the
// comparison.
type Condition struct {
	// Field is FieldDrifted, FieldStatistic, FieldPValue or
	// FieldDriftedShare.
	Field string
	// Op and Value are empty and zero for FieldDrifted.
	Op    string
	Value float64
}

// Condition fields.
const (
	FieldDrifted      = "drifted"
	FieldStatistic    = "statistic"
	FieldPValue       = "p_value"
	FieldDriftedShare = "drifted_share"
)

var conditionRE = regexp.MustCompile(`^([a-z_]+)\s*(<=|>=|==|!=|<|>)\s*(\S+)$`)

// ParseCondition reads a rule condition.
func ParseCondition(s string) (Condition, error) {
	s = strings.TrimSpace(s)
	if s == FieldDrifted {
		return Condition{Field: FieldDrifted}, nil
	}
	m := conditionRE.FindStringSubmatch(s)
	if m == nil {
		return Condition{}, fmt.Errorf("invalid condition %s (want drifted, or FIELD OP NUMBER such as statistic > 0.2)", quote(s))
	}
	switch m[1] {
	case FieldStatistic, FieldPValue, FieldDriftedShare:
	default:
		return Condition{}, fmt.Errorf("unknown condition field %q (want drifted, statistic, p_value or drifted_share)", m[1])
	}
	v, err := strconv.ParseFloat(m[3], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Condition{}, fmt.Errorf("condition %s: want a finite number after %s", quote(s), m[2])
	}
	return Condition{Field: m[1], Op: m[2], Value: v}, nil
}

// String writes the condition as the file would.
func (c Condition) String() string {
	if c.Op == "" {
		return c.Field
	}
	return c.Field + " " + c.Op + " " + strconv.FormatFloat(c.Value, 'g', -1, 64)
}

// UnmarshalText parses a condition.
func (c *Condition) UnmarshalText(b []byte) error {
	v, err := ParseCondition(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// MarshalText writes the condition as the file would.
func (c Condition) MarshalText() ([]byte, error) { return []byte(c.String()), nil }
