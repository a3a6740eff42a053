package alerting

import (
	"testing"

	"github.com/driftmon/driftmon/config"
)

func TestConditionHolds(t *testing.T) {
	cases := []struct {
		cond string
		x    float64
		want bool
	}{
		{"statistic > 0.2", 0.3, true},
		{"statistic > 0.2", 0.2, false},
		{"statistic >= 0.2", 0.2, true},
		{"p_value < 0.01", 0.01, false},
		{"p_value <= 0.01", 0.01, true},
		{"statistic == 1", 1, true},
		{"statistic != 1", 1, false},
		{"drifted", 1, false},
	}
	for _, tc := range cases {
		c, err := config.ParseCondition(tc.cond)
		if err != nil {
			t.Fatal(err)
		}
		if got := holds(c, tc.x); got != tc.want {
			t.Errorf("%s holds for %g: %v, want %v", tc.cond, tc.x, got, tc.want)
		}
	}
}
