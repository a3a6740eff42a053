package web

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// formatNum is how the view and /alerts print a number: four significant
// digits, which is more than any statistic or threshold here is worth,
// without an exponent between 1e-4 and 1e6 (integers up to 1e15 whole),
// and the exponent short (1.7e9) beyond. A float's full 16 digits say
// nothing a reader can use.
func formatNum(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "+Inf"
	case math.IsInf(x, -1):
		return "-Inf"
	case x == 0:
		return "0"
	case x == math.Trunc(x) && math.Abs(x) < 1e15:
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	a := math.Abs(x)
	if a >= 1e-4 && a < 1e6 {
		decimals := max(0, 3-int(math.Floor(math.Log10(a))))
		return trimZeros(strconv.FormatFloat(x, 'f', decimals, 64))
	}
	return shortExp(strconv.FormatFloat(x, 'g', 4, 64))
}

// formatPct prints a share as a percentage of formatNum's precision.
func formatPct(share float64) string { return formatNum(100*share) + "%" }

// trimZeros drops a fixed-point number's trailing fractional zeros.
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// shortExp turns strconv's 1.7e+09 into 1.7e9 and 1e-05 into 1e-5.
func shortExp(s string) string {
	m, e, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	sign := ""
	if e[0] == '-' {
		sign = "-"
	}
	e = strings.TrimLeft(e[1:], "0")
	if e == "" {
		return m
	}
	return m + "e" + sign + e
}

// niceScale covers [lo, hi] with at most maxTicks ticks a step of 1, 2 or
// 5 times a power of ten apart, the first at or below lo and the last at
// or above hi, so that a chart scaled to [ticks[0], ticks[len-1]] has a
// labelled line at both ends. An empty or inverted span becomes [lo, lo+1]
// (a flat series still gets an axis); non-finite bounds give nil.
func niceScale(lo, hi float64, maxTicks int) (ticks []float64, step float64) {
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil, 0
	}
	if hi <= lo {
		hi = lo + 1
	}
	maxTicks = max(maxTicks, 2)
	// A tick is k*m*10^e. For e < 0 it is computed as k*m / 10^-e: a
	// power of ten above one is exact in a float64 and the division is
	// rounded once, so 3e-5 is 3e-5, not 3.0000000000000004e-5; and
	// k*step is never a running sum, so no error piles up.
	e := math.Floor(math.Log10((hi - lo) / float64(maxTicks-1)))
	at := func(k, m float64) float64 {
		if e < 0 {
			return k * m / math.Pow(10, -e)
		}
		return k * m * math.Pow(10, e)
	}
	for _, m := range []float64{1, 2, 5, 10, 20, 50} {
		step = at(1, m)
		first, last := math.Floor(lo/step+1e-9), math.Ceil(hi/step-1e-9)
		if int(last-first)+1 <= maxTicks {
			for k := first; k <= last; k++ {
				ticks = append(ticks, at(k, m))
			}
			return ticks, step
		}
	}
	panic("unreachable: a step of 50 times the rough one fits")
}

// tickLabel prints a tick of the given step with as many decimals as the
// step needs (0.05 steps: 0.05, 0.1, 0.15), so that float noise in
// 3*0.1 never shows.
func tickLabel(v, step float64) string {
	if v == 0 {
		return "0"
	}
	stepMag := int(math.Floor(math.Log10(step) + 1e-9))
	if step >= 1e-4 && math.Abs(v) < 1e6 {
		return trimZeros(strconv.FormatFloat(v, 'f', max(0, -stepMag), 64))
	}
	// An exponent, with the digits down to the step's: 1.5e9 in steps
	// of 5e8, 3e-5 (not 3.0000000000000004e-5) in steps of 1e-5.
	digits := max(1, int(math.Floor(math.Log10(math.Abs(v))+1e-9))-stepMag+1)
	return shortExp(strconv.FormatFloat(v, 'g', digits, 64))
}

// timeSteps are the spacings a time axis may use, each a round number in
// the unit a reader counts in.
var timeSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
	91 * 24 * time.Hour, 364 * 24 * time.Hour,
}

// timeTicks returns at most maxTicks UTC times in [from, to] on multiples
// of the smallest step of timeSteps that keeps them that few, and the
// layout their labels need: seconds only when the step is below a minute,
// the date only when the span crosses a day. from == to gives the one tick.
func timeTicks(from, to time.Time, maxTicks int) ([]time.Time, string) {
	from, to = from.UTC(), to.UTC()
	if !to.After(from) {
		return []time.Time{from}, "2006-01-02 15:04"
	}
	maxTicks = max(maxTicks, 1)
	span := to.Sub(from)
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if span/s+1 <= time.Duration(maxTicks) {
			step = s
			break
		}
	}
	// Multiples of step since Go's zero time (a Monday, at midnight UTC):
	// steps that divide a day fall on the hour and midnight, week steps
	// on Mondays.
	first := from.Truncate(step)
	if first.Before(from) {
		first = first.Add(step)
	}
	var ticks []time.Time
	for t := first; !t.After(to) && len(ticks) < maxTicks; t = t.Add(step) {
		ticks = append(ticks, t)
	}
	if len(ticks) == 0 {
		// A span shorter than a second holds no whole one.
		return []time.Time{from}, "15:04:05.000"
	}
	sameDay := from.Truncate(24 * time.Hour).Equal(to.Truncate(24 * time.Hour))
	layout := "15:04"
	switch {
	case step < time.Minute:
		layout = "15:04:05"
	case step >= 24*time.Hour:
		layout = "2006-01-02"
	case !sameDay:
		layout = "01-02 15:04"
	}
	return ticks, layout
}
