package config

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// parseDuration is time.ParseDuration plus a "d" unit of 24 hours, which
// windows and retention want ("7d", "1d12h"). A day is always 24 hours:
// event time is UTC, so there is no daylight-saving day of 23 or 25.
func parseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("invalid duration %s (want a number and unit, e.g. 30s, 5m, 2h, 7d)", quote(s))
	if !strings.Contains(s, "d") {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, bad
		}
		return d, nil
	}
	rest, neg := s, false
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	if rest == "" {
		return 0, bad
	}
	var total time.Duration
	for rest != "" {
		i := strings.IndexFunc(rest, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
		if i <= 0 {
			return 0, bad
		}
		j := strings.IndexFunc(rest[i:], func(r rune) bool { return r == '.' || (r >= '0' && r <= '9') })
		if j < 0 {
			j = len(rest) - i
		}
		num, unit := rest[:i], rest[i:i+j]
		rest = rest[i+j:]
		var d time.Duration
		if unit == "d" {
			h, err := time.ParseDuration(num + "h")
			if err != nil || h > math.MaxInt64/24 {
				return 0, bad
			}
			d = 24 * h
		} else {
			var err error
			if d, err = time.ParseDuration(num + unit); err != nil {
				return 0, bad
			}
		}
		if total > math.MaxInt64-d {
			return 0, bad
		}
		total += d
	}
	if neg {
		total = -total
	}
	return total, nil
}
