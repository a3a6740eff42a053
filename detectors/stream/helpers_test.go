package stream

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/internal/datasets"
)

// splitmix64 and uniform are the formula of testdata/gen.py: both sides
// compute the same doubles bit for bit, so the synthetic streams need not be
// committed.
func splitmix64(x uint64) uint64 {
	z := x + 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func uniform(seed, i uint64) float64 {
	return float64(splitmix64(seed*1_000_003+i)>>11) / 9007199254740992.0
}

// bernoulli is a 0/1 error stream whose rate jumps from p0 to p1 at change.
func bernoulli(seed uint64, n, change int, p0, p1 float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		p := p0
		if i >= change {
			p = p1
		}
		if uniform(seed, uint64(i)) < p {
			xs[i] = 1
		}
	}
	return xs
}

func numeric(seed uint64, n, change int, shift float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = uniform(seed, uint64(i))
		if i >= change {
			xs[i] += shift
		}
	}
	return xs
}

// seaRow is one row of sea.csv.
type seaRow struct {
	f1, f2, f3 float64
	label      int
}

func loadSEA(t testing.TB) []seaRow {
	t.Helper()
	f, err := os.Open(datasets.Path(t, "sea.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header f1,f2,f3,label
	var rows []seaRow
	for sc.Scan() {
		p := strings.Split(strings.TrimSpace(sc.Text()), ",")
		if len(p) != 4 {
			t.Fatalf("sea.csv row %d: %q", len(rows)+1, sc.Text())
		}
		var r seaRow
		var errs [4]error
		r.f1, errs[0] = strconv.ParseFloat(p[0], 64)
		r.f2, errs[1] = strconv.ParseFloat(p[1], 64)
		r.f3, errs[2] = strconv.ParseFloat(p[2], 64)
		r.label, errs[3] = strconv.Atoi(p[3])
		for _, e := range errs {
			if e != nil {
				t.Fatalf("sea.csv row %d: %v", len(rows)+1, e)
			}
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// seaFixedErrors is the error stream of the fixed rule f1 + f2 <= 8.
func seaFixedErrors(rows []seaRow) []float64 {
	xs := make([]float64, len(rows))
	for i, r := range rows {
		if predict(r, 8) != r.label {
			xs[i] = 1
		}
	}
	return xs
}

func predict(r seaRow, theta float64) int {
	if r.f1+r.f2 <= theta {
		return 1
	}
	return 0
}

func mustNew(t testing.TB, method string, seed uint64) Detector {
	t.Helper()
	d, err := New(method, seed)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// run feeds xs and returns the indices of warnings and drifts.
func run(d Detector, xs []float64) (warnings, drifts []int) {
	for i, x := range xs {
		switch d.Update(x) {
		case Warning:
			warnings = append(warnings, i)
		case Drift:
			drifts = append(drifts, i)
		}
	}
	return warnings, drifts
}
