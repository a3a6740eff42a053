package config

import (
	"strings"
	"testing"
)

// TestKSWINSeed decodes the one unsigned integer of the config.
func TestKSWINSeed(t *testing.T) {
	model := func(seed string) string {
		return "models:\n  - name: m\n    window: {duration: 5m}\n    reference: {previous: true}\n" +
			"    prediction: score\n    features: {x: numeric}\n    concept: {kswin_seed: " + seed + "}\n"
	}
	tests := []struct {
		seed string
		want uint64
		err  string
	}{
		{"42", 42, ""},
		{"0", 0, ""},
		{"18446744073709551615", 1<<64 - 1, ""},
		{"-1", 0, "models[0].concept.kswin_seed"},
		{"4.5", 0, "models[0].concept.kswin_seed"},
		{"seed", 0, "models[0].concept.kswin_seed"},
	}
	for _, tc := range tests {
		c, err := Parse([]byte(model(tc.seed)), "")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("kswin_seed %s: error %v, want one naming %s", tc.seed, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("kswin_seed %s: %v", tc.seed, err)
			continue
		}
		if got := c.Models[0].Concept.Seed(); got != tc.want {
			t.Errorf("kswin_seed %s: Seed() = %d, want %d", tc.seed, got, tc.want)
		}
	}
}

// TestIntegerRefusesFraction: a fraction where an integer is wanted is an
// error naming the key, not a number cut short.
func TestIntegerRefusesFraction(t *testing.T) {
	_, err := Parse([]byte("http: {max_requests: 4.5}\n"), "")
	if err == nil || !strings.Contains(err.Error(), "http.max_requests") || !strings.Contains(err.Error(), `"4.5"`) {
		t.Errorf("max_requests: 4.5: error %v, want one naming http.max_requests and 4.5", err)
	}
}
