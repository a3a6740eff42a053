package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"30s", 30 * time.Second},
		{"5m", 5 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"0", 0},
		{"-5m", -5 * time.Minute},
		{"7d", 7 * 24 * time.Hour}, // 168h
		{"1d12h", 36 * time.Hour},  // 24h + 12h
		{"1.5d", 36 * time.Hour},   // 1.5 * 24h
		{"-2d", -48 * time.Hour},   // sign applies to the whole
		{"90d", 2160 * time.Hour},  // 90 * 24
		{"1d5µs", 24*time.Hour + 5*time.Microsecond},
		{"2d3h4m5s", 51*time.Hour + 4*time.Minute + 5*time.Second}, // 48h+3h
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseDuration(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("parseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "5", "7x", "d", "-d", "1dd", "1d-2h", "7days", "30 seconds", "1e3d",
		"200000000d", // 4.8e9 h: beyond time.Duration's 2.56e6 h
	} {
		t.Run("bad "+bad, func(t *testing.T) {
			if d, err := parseDuration(bad); err == nil {
				t.Errorf("parseDuration(%q) = %v, want an error", bad, d)
			}
		})
	}
}
