package stream_test

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/internal/datasets"
)

// TestSEANoCovariateDrift: SEA's drift is pure concept drift, its features
// stay uniform on [0, 10]. With the detectors package's default policy (PSI
// > 0.2 decides), no feature of any consecutive 2,000-row window drifts
// against the first 10% of the rows as reference. This is an external test
// package: detectors/stream itself must not import detectors.
func TestSEANoCovariateDrift(t *testing.T) {
	f, err := os.Open(datasets.Path(t, "sea.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cols [3][]float64
	sc := bufio.NewScanner(f)
	sc.Scan()
	for sc.Scan() {
		p := strings.Split(sc.Text(), ",")
		for j := range cols {
			v, err := strconv.ParseFloat(p[j], 64)
			if err != nil {
				t.Fatal(err)
			}
			cols[j] = append(cols[j], v)
		}
	}
	pol := detectors.DefaultPolicy().Numeric
	n := len(cols[0])
	nref := n / 10
	worst := 0.0
	for j, col := range cols {
		for start := nref; start+2000 <= n; start += 2000 {
			stats := stats.NumericStats(slices.Clone(col[:nref]), slices.Clone(col[start:start+2000]), []string{pol.Decide})
			s := stats[0]
			worst = max(worst, s.Statistic)
			if detectors.Drifted(s.Method, s.Statistic, s.PValue, pol.Thresholds[s.Method]) {
				t.Errorf("f%d rows [%d, %d): %s %.4f drifted", j+1, start, start+2000, s.Method, s.Statistic)
			}
		}
	}
	t.Logf("largest %s over f1, f2, f3 and %d windows: %.4f (threshold %v)", pol.Decide, (n-nref)/2000, worst, pol.Thresholds[pol.Decide])
}
