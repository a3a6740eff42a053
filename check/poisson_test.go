package check

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var (
	poissonRefs    = flag.Int("poisson-refs", 8, "Poisson references TestPoissonWindows draws")
	poissonWindows = flag.Int("poisson-windows", 5, "healthy Poisson windows TestPoissonWindows compares with each reference")
)

// poisson draws a Poisson(lambda) count by Knuth's product of uniforms.
func poisson(r *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func poissonFile(t *testing.T, dir, name string, r *rand.Rand, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("x\n")
	for range n {
		b.WriteString(strconv.Itoa(poisson(r, 3)) + "\n")
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPoissonWindows runs check on a Poisson(3) column: references of
// 5,000 rows against healthy windows of 500 rows drawn from the same
// distribution (seeded), each window decided by one test at its default
// threshold (p < 0.05), with the calibration on (the default, which sets
// a numeric verdict's threshold from the reference's own sub-windows) and
// off, and counts the windows flagged. Every window is healthy, so a test
// at level 0.05 should flag about 5% of them; windows that share a
// reference share its luck, so the count of one reference's windows
// scatters more than a binomial's (at 20 references of 40 windows each,
// anderson_darling flags from 0 to 9 of a reference's 40). The test allows
// 20% over 8 references of 5 windows. Before cramer_von_mises took its
// statistic from the empirical CDFs on few distinct values it flagged
// every window with the calibration off, as scipy does. The README's
// figures:
//
//	go test ./check -run TestPoissonWindows -poisson-refs 1 -poisson-windows 40 -v
//	go test ./check -run TestPoissonWindows -poisson-refs 20 -poisson-windows 40 -v
func TestPoissonWindows(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(3, 5000))
	type pair struct{ ref, cur string }
	var pairs []pair
	for i := range *poissonRefs {
		ref := poissonFile(t, dir, fmt.Sprintf("ref%d.csv", i), r, 5000)
		for j := range *poissonWindows {
			pairs = append(pairs, pair{ref, poissonFile(t, dir, fmt.Sprintf("w%d_%d.csv", i, j), r, 500)})
		}
	}
	for _, cal := range []string{"auto", "off"} {
		for _, m := range []string{"ks", "anderson_darling", "cramer_von_mises"} {
			t.Run(cal+"/"+m, func(t *testing.T) {
				flagged, perRef := 0, map[string]int{}
				for _, p := range pairs {
					rep, err := Run(context.Background(), Options{Reference: p.ref, Current: p.cur, Decide: []string{m}, Calibrate: cal})
					if err != nil {
						t.Fatal(err)
					}
					c := findColumn(rep, "x")
					if c == nil || c.DecidedBy != m {
						t.Fatalf("column x: %+v, want decided by %s", c, m)
					}
					if c.Drifted {
						flagged++
						perRef[p.ref]++
					}
				}
				most := 0
				for _, n := range perRef {
					most = max(most, n)
				}
				t.Logf("calibrate %s: %s flags %d of %d healthy windows (at most %d of one reference's %d)",
					cal, m, flagged, len(pairs), most, *poissonWindows)
				if 5*flagged > len(pairs) {
					t.Errorf("%s flags %d of %d healthy windows, want at most 20%%", m, flagged, len(pairs))
				}
			})
		}
	}
}
