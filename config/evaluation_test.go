package config

import (
	"runtime"
	"strings"
	"testing"
)

func TestEvaluation(t *testing.T) {
	cpus := runtime.GOMAXPROCS(0)
	tests := []struct {
		yaml                 string
		workers, maxInFlight int
		err                  string // a substring naming the key, or "" for none
	}{
		{"", cpus, 4 * cpus, ""},
		{"evaluation:\n", cpus, 4 * cpus, ""},
		{"evaluation: {workers: 3}\n", 3, 12, ""},
		{"evaluation: {workers: 3, max_in_flight: 1}\n", 3, 1, ""},
		{"evaluation: {max_in_flight: 5}\n", cpus, 5, ""},
		{"evaluation: {workers: -1}\n", 0, 0, "evaluation.workers: must be positive, got -1"},
		{"evaluation: {max_in_flight: -2}\n", 0, 0, "evaluation.max_in_flight: must be positive, got -2"},
		{"evaluation: {threads: 2}\n", 0, 0, "threads"},
	}
	for _, tc := range tests {
		c, err := Parse([]byte(tc.yaml), "")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) error = %v, want one with %q", tc.yaml, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.yaml, err)
			continue
		}
		if e := c.Evaluation; e.Workers != tc.workers || e.MaxInFlight != tc.maxInFlight {
			t.Errorf("Parse(%q) evaluation = %+v, want workers %d, max_in_flight %d", tc.yaml, e, tc.workers, tc.maxInFlight)
		}
	}
}
