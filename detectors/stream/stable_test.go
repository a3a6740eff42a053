package stream

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

var stableTable = flag.String("stable-table", "", "write the stable-stream table (every detector) as Markdown to this file")

// The stable streams Defaults is chosen on: SEA's first concept, and
// Bernoulli error streams at these rates, stableSeeds seeds of stableLen
// events each. The rates span a good model (0.05) to a poor one (0.4); a
// detector's false alarms grow with the variance p(1-p) for some and
// shrink for others, so one rate says little.
var stableRates = []float64{0.05, 0.1, 0.25, 0.4}

const (
	stableSeeds = 10
	stableLen   = 50_000
	// maxDelay is the longest a default detector may take to catch SEA's
	// rises at 12,500 (+0.068) and 37,500 (+0.045): a fifth of a concept.
	maxDelay = 2500
)

// stableSeed keeps the streams of different rates independent: the same
// seed at two rates would threshold the same uniforms.
func stableSeed(rate int, s int) uint64 { return uint64(1000*(rate+1) + s) }

// stableRow is one detector's line of the table.
type stableRow struct {
	method string
	// seaDrifts and seaWarnings in SEA's first concept (rows < 12,500).
	// A warning counts once per warning zone entered, as concept.Bank
	// records it, not once per event inside the zone.
	seaDrifts, seaWarnings int
	// drifts and warnings over the seeds of each rate; maxDrifts the
	// most in one stream.
	drifts, warnings, maxDrifts []int
	// delays of SEA's rises at 12,500 and 37,500 (fixed model), -1 when
	// missed; seaOther the drifts that are neither of those two.
	delays   [2]int
	seaOther int
}

func (r stableRow) quiet() bool {
	if r.seaDrifts > 0 || r.seaWarnings > 0 {
		return false
	}
	for k := range r.drifts {
		if r.drifts[k] > 0 || r.warnings[k] > 0 {
			return false
		}
	}
	return true
}

func (r stableRow) catches() bool {
	return r.delays[0] >= 0 && r.delays[0] <= maxDelay && r.delays[1] >= 0 && r.delays[1] <= maxDelay
}

// measureStable runs one detector on SEA's fixed-model error stream and on
// seeds Bernoulli streams of n events per rate.
func measureStable(t testing.TB, method string, sea []float64, seeds, n int) stableRow {
	r := stableRow{method: method, delays: [2]int{-1, -1}}
	warnings, drifts := run(mustNew(t, method, 42), sea)
	for _, w := range runsOf(warnings) {
		if w[0] < seaChanges[1] {
			r.seaWarnings++
		}
	}
	for _, d := range drifts {
		switch k := concept(d); {
		case k == 0:
			r.seaDrifts++
		case k == 1 && r.delays[0] < 0:
			r.delays[0] = d - seaChanges[1]
		case k == 3 && r.delays[1] < 0:
			r.delays[1] = d - seaChanges[3]
		default:
			r.seaOther++
		}
	}
	for k, p := range stableRates {
		r.drifts, r.warnings, r.maxDrifts = append(r.drifts, 0), append(r.warnings, 0), append(r.maxDrifts, 0)
		for s := 1; s <= seeds; s++ {
			w, d := run(mustNew(t, method, 42), bernoulli(stableSeed(k, s), n, n, p, p))
			r.drifts[k] += len(d)
			r.warnings[k] += len(runsOf(w))
			r.maxDrifts[k] = max(r.maxDrifts[k], len(d))
		}
	}
	return r
}

// TestDefaultsQuiet holds Defaults to what its comment claims, on SEA and
// on two seeds per rate (the full ten are TestStableTable's, too slow for
// every run at KSWIN's cost but cheap for ADWIN): no warning and no drift
// on any stable stream, each rise caught within maxDelay, and no other
// drift anywhere in SEA.
func TestDefaultsQuiet(t *testing.T) {
	sea := seaFixedErrors(loadSEA(t))
	if len(Defaults()) == 0 {
		t.Fatal("no default detector")
	}
	for _, m := range Defaults() {
		if !slices.Contains(Methods(), m) {
			t.Fatalf("default %q is not a method", m)
		}
		t.Run(m, func(t *testing.T) {
			r := measureStable(t, m, sea, 2, stableLen)
			t.Logf("sea first concept: %d drifts, %d warnings; rises caught after %v; other drifts %d; Bernoulli drifts %v, warnings %v",
				r.seaDrifts, r.seaWarnings, r.delays, r.seaOther, r.drifts, r.warnings)
			if !r.quiet() {
				t.Errorf("signals on a stable stream: sea first concept %d drifts, %d warnings; Bernoulli %v at rates %v: drifts %v, warnings %v",
					r.seaDrifts, r.seaWarnings, stableRates, stableRates, r.drifts, r.warnings)
			}
			if !r.catches() {
				t.Errorf("rises at 12,500 and 37,500 caught after %v events, want both within %d", r.delays, maxDelay)
			}
			if r.seaOther > 0 {
				t.Errorf("%d drifts in sea beyond the two rises", r.seaOther)
			}
		})
	}
}

// TestStableTable writes the README's stable-stream table when
// -stable-table is given, and checks that Defaults are exactly the
// detectors that pass (quiet everywhere, both rises within maxDelay):
//
//	go test ./detectors/stream -run TestStableTable -stable-table testdata/stable_table.md
func TestStableTable(t *testing.T) {
	if *stableTable == "" {
		t.Skip("pass -stable-table FILE to measure every detector on the stable streams")
	}
	sea := seaFixedErrors(loadSEA(t))
	var b strings.Builder
	fmt.Fprintf(&b, "Drifts (warning zones entered) on stable streams: SEA's first concept (fixed model f1 + f2 <= 8, rows 0-12,499, error 0.095), "+
		"and Bernoulli error streams, %d seeds of %d events per rate: the total over the %d streams (the most drifts in one); "+
		"delay of SEA's rises in events (fixed model, the whole file).\n\n", stableSeeds, stableLen, stableSeeds)
	b.WriteString("| detector | SEA first concept |")
	for _, p := range stableRates {
		fmt.Fprintf(&b, " Bernoulli %v |", p)
	}
	b.WriteString(" 12,500 (+0.068) | 37,500 (+0.045) | other drifts in SEA | default |\n|---|---|")
	b.WriteString(strings.Repeat("---|", len(stableRates)) + "---|---|---|---|\n")
	cell := func(d int) string {
		if d < 0 {
			return "missed"
		}
		return fmt.Sprint(d)
	}
	var passing []string
	for _, m := range Methods() {
		r := measureStable(t, m, sea, stableSeeds, stableLen)
		fmt.Fprintf(&b, "| %s | %d (%d) |", m, r.seaDrifts, r.seaWarnings)
		for k := range stableRates {
			fmt.Fprintf(&b, " %d (%d); max %d |", r.drifts[k], r.warnings[k], r.maxDrifts[k])
		}
		def := "no"
		if r.quiet() && r.catches() {
			passing = append(passing, m)
			def = "yes"
		}
		fmt.Fprintf(&b, " %s | %s | %d | %s |\n", cell(r.delays[0]), cell(r.delays[1]), r.seaOther, def)
	}
	if err := os.WriteFile(*stableTable, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	if !slices.Equal(passing, Defaults()) {
		t.Errorf("the detectors that pass are %v, Defaults are %v", passing, Defaults())
	}
}

// TestSEABoundaries checks the concept boundaries the tables score
// against in the file itself, not only in its README: a row with f1 + f2
// between two successive thetas is labelled by whichever concept holds,
// so in the 500 rows before a change such rows carry the old concept's
// label, in the 500 after the new one's, each up to the 10% noise.
func TestSEABoundaries(t *testing.T) {
	rows := loadSEA(t)
	for k := 1; k < len(seaChanges); k++ {
		c, lo, hi := seaChanges[k], min(seaThetas[k-1], seaThetas[k]), max(seaThetas[k-1], seaThetas[k])
		share := func(from, to int, theta float64) (float64, int) {
			agree, n := 0, 0
			for _, r := range rows[from:to] {
				if s := r.f1 + r.f2; s > lo && s <= hi {
					n++
					if predict(r, theta) == r.label {
						agree++
					}
				}
			}
			return float64(agree) / float64(n), n
		}
		before, nb := share(c-500, c, seaThetas[k-1])
		after, na := share(c, c+500, seaThetas[k])
		t.Logf("change at %d: band (%v, %v]: %.2f of %d rows before follow theta %v, %.2f of %d after follow %v",
			c, lo, hi, before, nb, seaThetas[k-1], after, na, seaThetas[k])
		if before < 0.8 || after < 0.8 {
			t.Errorf("change at %d: the band's labels follow the old theta in %.2f of the rows before, the new in %.2f after; want both >= 0.8",
				c, before, after)
		}
	}
}
