package web

import (
	"math"
	"slices"
	"testing"
	"time"
)

// TestFormatNum: four significant digits, whole numbers whole, short
// exponents outside [1e-4, 1e6). Each want is the number rounded by hand
// to four significant digits.
func TestFormatNum(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{1, "1"},
		{981803, "981803"},        // a window seq: whole
		{-42, "-42"},              //
		{0.31012345678, "0.3101"}, // an alert's value, 16 digits in storage
		{0.0627201, "0.06272"},
		{0.0007365, "0.0007365"},
		{0.5, "0.5"},             // trailing zeros go
		{2.99949, "2.999"},       // rounds down at the fifth digit
		{2.99951, "3"},           // rounds up to 3.000, then trimmed
		{12345.678, "12346"},     // above 1e4: no decimals, still whole digits
		{999999.5, "1000000"},    // rounds to 0 decimals first
		{1.7e9 + 0.5, "1.7e9"},   // not whole, beyond 1e6
		{1.23456e-5, "1.235e-5"}, // below 1e-4
		{-0.000012, "-1.2e-5"},
		{1e20, "1e20"}, // whole but beyond 1e15: exponent
		{math.NaN(), "NaN"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
	} {
		if got := formatNum(c.in); got != c.want {
			t.Errorf("formatNum(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := formatPct(0.123456); got != "12.35%" {
		t.Errorf("formatPct(0.123456) = %q, want 12.35%%", got)
	}
}

// TestNiceScale: ticks a 1, 2 or 5 times a power of ten apart, the first
// at or below lo, the last at or above hi, at most maxTicks of them. The
// wants are worked out by hand: span/(maxTicks-1) gives the rough step,
// the smallest of 1, 2, 5 (x its power of ten) whose ticks fit is taken.
func TestNiceScale(t *testing.T) {
	for _, c := range []struct {
		name      string
		lo, hi    float64
		max       int
		wantTicks []float64
		wantStep  float64
		wantLabel []string
	}{
		// rough 0.55/4 = 0.1375, mag 0.1: step 0.1 needs 0..0.6 = 7 ticks,
		// too many; 0.2 gives 0, 0.2, 0.4, 0.6.
		{"statistic", 0, 0.55, 5, []float64{0, 0.2, 0.4, 0.6}, 0.2, []string{"0", "0.2", "0.4", "0.6"}},
		// rough 0.3/5 = 0.06, mag 0.01: 0.01 and 0.02 give too many;
		// 0.05 gives 0 .. 0.3, 7 ticks, too many for 6; then 0.1.
		{"share", 0, 0.3, 6, []float64{0, 0.1, 0.2, 0.3}, 0.1, []string{"0", "0.1", "0.2", "0.3"}},
		// the same span with room for 7: 0.05 fits, and 0.15 prints as
		// two decimals, not 0.15000000000000002.
		{"share fine", 0, 0.3, 7, []float64{0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3}, 0.05,
			[]string{"0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3"}},
		// off zero and negative: rough 7/4 = 1.75, mag 1: step 1 gives
		// -3..4, 8 ticks; step 2 gives -4..4, 5 ticks.
		{"negative", -3, 4, 5, []float64{-4, -2, 0, 2, 4}, 2, []string{"-4", "-2", "0", "2", "4"}},
		// a flat series: [5, 6]; rough 1/4 = 0.25, mag 0.1: 0.1 gives 11,
		// 0.2 gives 6, 0.5 gives 3.
		{"flat", 5, 5, 5, []float64{5, 5.5, 6}, 0.5, []string{"5", "5.5", "6"}},
		// large: rough 2e9/4 = 5e8, mag 1e8: step 1e8 gives 21, 2e8 gives
		// 11, 5e8 gives 0, 5e8, 1e9, 1.5e9, 2e9.
		{"large", 0, 2e9, 5, []float64{0, 5e8, 1e9, 1.5e9, 2e9}, 5e8, []string{"0", "5e8", "1e9", "1.5e9", "2e9"}},
		// small: rough 3e-5/4 = 7.5e-6, mag 1e-6: 1e-6 gives 31, 2e-6
		// 16, 5e-6 gives 7, 1e-5 gives 0, 1e-5, 2e-5, 3e-5.
		{"small", 0, 3e-5, 5, []float64{0, 1e-5, 2e-5, 3e-5}, 1e-5, []string{"0", "1e-5", "2e-5", "3e-5"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ticks, step := niceScale(c.lo, c.hi, c.max)
			if step != c.wantStep || len(ticks) != len(c.wantTicks) {
				t.Fatalf("niceScale(%v, %v, %d) = %v step %v, want %v step %v", c.lo, c.hi, c.max, ticks, step, c.wantTicks, c.wantStep)
			}
			for i := range ticks {
				if math.Abs(ticks[i]-c.wantTicks[i]) > 1e-9*step {
					t.Errorf("tick %d = %v, want %v", i, ticks[i], c.wantTicks[i])
				}
				if got := tickLabel(ticks[i], step); got != c.wantLabel[i] {
					t.Errorf("label of %v = %q, want %q", ticks[i], got, c.wantLabel[i])
				}
			}
			if len(ticks) > c.max || ticks[0] > c.lo || ticks[len(ticks)-1] < c.hi {
				t.Errorf("ticks %v do not cover [%v, %v] in at most %d", ticks, c.lo, c.hi, c.max)
			}
		})
	}
	if ticks, _ := niceScale(0, math.Inf(1), 5); ticks != nil {
		t.Errorf("an infinite bound gives ticks %v", ticks)
	}
}

// TestTimeTicks: the demo's twelve 30-minute windows, a span across
// midnight, seconds, weeks and a single window.
func TestTimeTicks(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		name     string
		from, to string
		max      int
		want     []string // RFC3339
		layout   string
	}{
		// 5.5 h in at most 6 ticks: 30 min gives 12; 1 h gives 5+1 = 6,
		// the whole hours 01:00 to 06:00.
		{"demo", "2026-01-01T00:30:00Z", "2026-01-01T06:00:00Z", 6,
			[]string{"2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z", "2026-01-01T03:00:00Z",
				"2026-01-01T04:00:00Z", "2026-01-01T05:00:00Z", "2026-01-01T06:00:00Z"}, "15:04"},
		// 10 h across midnight in 4: 3 h gives 10/3+1 = 4; multiples of
		// 3 h from midnight: 21:00, 00:00, 03:00, 06:00.
		{"midnight", "2026-01-01T20:00:00Z", "2026-01-02T06:00:00Z", 4,
			[]string{"2026-01-01T21:00:00Z", "2026-01-02T00:00:00Z", "2026-01-02T03:00:00Z", "2026-01-02T06:00:00Z"}, "01-02 15:04"},
		// 40 s in 5: 10 s gives 5.
		{"seconds", "2026-01-01T00:00:05Z", "2026-01-01T00:00:45Z", 5,
			[]string{"2026-01-01T00:00:10Z", "2026-01-01T00:00:20Z", "2026-01-01T00:00:30Z", "2026-01-01T00:00:40Z"}, "15:04:05"},
		// 30 days in 5: 7 days gives 30/7+1 = 5; Go's zero time is a
		// Monday, and so are 2026-01-05, 12, 19 and 26 (cal 1 2026).
		{"weeks", "2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z", 5,
			[]string{"2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z", "2026-01-19T00:00:00Z", "2026-01-26T00:00:00Z"}, "2006-01-02"},
		{"one window", "2026-01-01T00:30:00Z", "2026-01-01T00:30:00Z", 5,
			[]string{"2026-01-01T00:30:00Z"}, "2006-01-02 15:04"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ticks, layout := timeTicks(at(c.from), at(c.to), c.max)
			var got []string
			for _, tk := range ticks {
				got = append(got, tk.Format(time.RFC3339))
			}
			if !slices.Equal(got, c.want) || layout != c.layout {
				t.Errorf("timeTicks = %v %q, want %v %q", got, layout, c.want, c.layout)
			}
		})
	}
}

// TestShortenNumbers: the long decimals of an alert's message print as
// formatNum does; whole numbers, short decimals, times and versions stay.
func TestShortenNumbers(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"psi = 2.9989037408792183, threshold 0.2", "psi = 2.999, threshold 0.2"},
		{"jensen_shannon = 0.870641874455702, threshold 0.05467202135679898", "jensen_shannon = 0.8706, threshold 0.05467"},
		{"mae = -12.3456789 (1.234567e-07)", "mae = -12.35 (1.235e-7)"},
		{"in window 2026-01-01T05:00:00Z, version 1.2.3, 1800 events", "in window 2026-01-01T05:00:00Z, version 1.2.3, 1800 events"},
		{"share 0.1234 stays", "share 0.1234 stays"},
	} {
		if got := shortenNumbers(c.in); got != c.want {
			t.Errorf("shortenNumbers(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
