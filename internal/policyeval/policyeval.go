package policyeval

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

// The protocol's constants.
const (
	RefFraction = 0.1
	WindowSize  = 2000
)

// Case is one row of the quality table: columns of one file, either a
// no-drift control or a known drift that starts at row Change.
type Case struct {
	Name    string
	File    string
	Columns []string
	Control bool
	// Categorical compares the columns' values as categories.
	Categorical bool
	// Change is the first row of the changed distribution (known drifts).
	Change int
}

// Cases are the protocol's controls and known drifts. Where the drifts
// are: the data sets' README (electricity, insects) and, for weather
// VISIB, the data: its values never exceed 14.9 before row 5,071 and
// never 12.0 after it until row 8,064, from where they reach 19.9 and
// more (the weather station's visibility changes of 1963 and 1971).
func Cases() []Case {
	insects := make([]string, 33)
	for i := range insects {
		insects[i] = "Att" + strconv.Itoa(i+1)
	}
	return []Case{
		{Name: "sea f1, f2, f3", File: "sea.csv", Columns: []string{"f1", "f2", "f3"}, Control: true},
		{Name: "electricity period", File: "electricity.csv", Columns: []string{"period"}, Control: true},
		{Name: "electricity day (categorical)", File: "electricity.csv", Columns: []string{"day"}, Control: true, Categorical: true},
		{Name: "electricity vicprice, vicdemand, transfer", File: "electricity.csv", Columns: []string{"vicprice", "vicdemand", "transfer"}, Change: 17424},
		{Name: "weather VISIB", File: "weather_noaa.csv", Columns: []string{"VISIB"}, Change: 5071},
		{Name: "insects Att1-Att33", File: "insects_gradual_balanced.csv", Columns: insects, Change: 14028},
	}
}

// Window is rows [Start, End) of a file.
type Window struct{ Start, End int }

// Windows cuts n rows as the oracle's `windows` mode does: the reference is
// rows [0, floor(0.1 n)), the windows consecutive runs of size rows after it
// (WindowSize in the protocol);
// a shorter last one is kept if it has at least 2 rows.
func Windows(n, size int) (refEnd int, ws []Window) {
	refEnd = int(math.Floor(RefFraction * float64(n)))
	for s := refEnd; s < n; s += size {
		e := min(s+size, n)
		if e-s >= 2 {
			ws = append(ws, Window{s, e})
		}
	}
	return refEnd, ws
}

// ReadColumns reads the named numeric columns of a CSV file, in file
// order. A missing or non-numeric cell is an error: the protocol's
// columns have none.
func ReadColumns(path string, names []string) ([][]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	idx := make([]int, len(names))
	for i, n := range names {
		idx[i] = slices.Index(header, n)
		if idx[i] < 0 {
			return nil, fmt.Errorf("%s: no column %q", path, n)
		}
	}
	out := make([][]float64, len(names))
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for i, j := range idx {
			x, err := strconv.ParseFloat(strings.TrimSpace(rec[j]), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%s:%d: column %q: %q is not a finite number", path, line, names[i], rec[j])
			}
			out[i] = append(out[i], x)
		}
	}
	return out, nil
}

// Rule is a decision policy for one column: Prepare sees the reference once
// (in file order; cat says the column is categorical) and returns the
// decision for a window, and ok false where the rule gives no verdict.
type Rule struct {
	Name    string
	Prepare func(ref []float64, cat bool) func(cur []float64) (drifted, ok bool)
}

// Fixed decides with one method at a fixed threshold (p < th for p-value
// methods, statistic > th for distances). Method chi2 is the chi-square
// test over the reference's decile bins.
func Fixed(method string, th float64) Rule {
	return Rule{Name: fixedName(method, th), Prepare: func(ref []float64, cat bool) func([]float64) (bool, bool) {
		return func(cur []float64) (bool, bool) {
			st := stat(method, ref, cur, cat)
			if !defined(st) {
				return false, false
			}
			return detectors.Drifted(method, st.Statistic, st.PValue, th), true
		}
	}}
}

func fixedName(m string, th float64) string {
	if stats.IsPValueMethod(m) {
		return fmt.Sprintf("%s p<%g", m, th)
	}
	return fmt.Sprintf("%s>%g", m, th)
}

// Calibrated decides with one method at its threshold calibrated from the
// reference (detectors.CalibrateNumeric, once per window size). Where
// calibration falls back (a constant reference column), the default
// policy's fixed threshold for the method decides, as in serve and check;
// a method without one there gives no verdict.
func Calibrated(method string, c detectors.Calibration) Rule {
	name := method + " calibrated"
	if c.K != 0 && c.K != 3 {
		name += fmt.Sprintf(" k=%g", c.K)
	}
	if c.Floor > 0 {
		name += fmt.Sprintf(", at least %g", c.Floor)
	}
	return Rule{Name: name, Prepare: func(ref []float64, cat bool) func([]float64) (bool, bool) {
		cache := map[int]detectors.Calibrated{}
		var refCounts []uint64
		set := detectors.DefaultPolicy().Numeric
		if cat {
			refCounts, _ = categories(ref, nil)
			set = detectors.DefaultPolicy().Categorical
		}
		fixed := set.Thresholds[method]
		return func(cur []float64) (bool, bool) {
			cal, done := cache[len(cur)]
			if !done {
				if cat {
					cal = detectors.CalibrateCounts(refCounts, uint64(len(cur)), method, c)
				} else {
					cal = detectors.CalibrateNumeric(ref, nil, len(cur), method, c)
				}
				cache[len(cur)] = cal
			}
			th := cal.Threshold
			if cal.Source == detectors.SourceFixedFallback {
				th = fixed
			}
			st := stat(method, ref, cur, cat)
			if th == 0 || !defined(st) {
				return false, false
			}
			return detectors.Drifted(method, st.Statistic, st.PValue, th), true
		}
	}}
}

// Evidently is Evidently's DataDriftPreset default (docs "Data drift
// algorithm"): a column with at most 5 distinct reference values is
// categorical, compared as categories by chi2 p < 0.05 (z-test for two
// values) with at most 1,000 reference rows, else Jensen-Shannon > 0.1;
// other numeric columns by KS p < 0.05 with at most 1,000 reference rows,
// else the normed Wasserstein distance > 0.1.
func Evidently() Rule {
	return Rule{Name: "Evidently default", Prepare: func(ref []float64, cat bool) func([]float64) (bool, bool) {
		distinct := map[float64]bool{}
		for _, x := range ref {
			if distinct[x] = true; len(distinct) > 5 {
				break
			}
		}
		small := len(ref) <= 1000
		return func(cur []float64) (bool, bool) {
			var st stats.Stat
			var th float64
			switch {
			case cat || len(distinct) <= 5:
				rc, cc := categories(ref, cur)
				m, t := stats.MethodJensenShannon, 0.1
				if small {
					m, t = stats.MethodChi2, 0.05
					if len(distinct) <= 2 {
						m = stats.MethodZTest
					}
				}
				st, th = stats.CategoricalStats(rc, cc, []string{m})[0], t
			case small:
				st, th = stat(stats.MethodKS, ref, cur, false), 0.05
			default:
				st, th = stat(stats.MethodWassersteinNorm, ref, cur, false), 0.1
			}
			if !defined(st) {
				return false, false
			}
			return detectors.Drifted(st.Method, st.Statistic, st.PValue, th), true
		}
	}}
}

// NannyML is NannyML's default univariate drift rule: the Jensen-Shannon
// distance, alerting above mean + 3 standard deviations (numpy's std,
// ddof 0) of its values on the reference's chunks, each chunk compared
// with the whole reference. Chunks are chunk rows, the window size; only
// whole chunks count. With no whole chunk there is no threshold and no
// verdict; with one, the threshold is that chunk's value.
func NannyML(chunk int) Rule {
	return Rule{Name: "NannyML default", Prepare: func(ref []float64, cat bool) func([]float64) (bool, bool) {
		var vals []float64
		for s := 0; s+chunk <= len(ref); s += chunk {
			st := stat(stats.MethodJensenShannon, ref, ref[s:s+chunk], cat)
			vals = append(vals, st.Statistic)
		}
		if len(vals) == 0 {
			return func([]float64) (bool, bool) { return false, false }
		}
		var mean, ss float64
		for _, v := range vals {
			mean += v
		}
		mean /= float64(len(vals))
		for _, v := range vals {
			ss += (v - mean) * (v - mean)
		}
		th := mean + 3*math.Sqrt(ss/float64(len(vals)))
		return func(cur []float64) (bool, bool) {
			st := stat(stats.MethodJensenShannon, ref, cur, cat)
			if !defined(st) {
				return false, false
			}
			return st.Statistic > th, true
		}
	}}
}

func defined(st stats.Stat) bool {
	if stats.IsPValueMethod(st.Method) {
		return st.PValue != nil && !math.IsNaN(*st.PValue)
	}
	return !math.IsNaN(st.Statistic) && !math.IsInf(st.Statistic, 0)
}

// stat computes one method exactly on copies of ref and cur, as check
// does: over the values as categories when cat, else numerically, chi2
// then over the reference's decile bins.
func stat(method string, ref, cur []float64, cat bool) stats.Stat {
	if cat {
		rc, cc := categories(ref, cur)
		return stats.CategoricalStats(rc, cc, []string{method})[0]
	}
	r, c := slices.Clone(ref), slices.Clone(cur)
	if method == stats.MethodChi2 {
		slices.Sort(r)
		edges := drift.DecileEdges(r)
		return stats.CategoricalStats(binCounts(edges, r), binCounts(edges, c), []string{method})[0]
	}
	return stats.NumericStats(r, c, []string{method})[0]
}

func binCounts(edges, xs []float64) []uint64 {
	out := make([]uint64, len(edges)+1)
	for _, x := range xs {
		out[drift.Bin(edges, x)]++
	}
	return out
}

// categories counts both samples over the sorted union of their values.
func categories(ref, cur []float64) (rc, cc []uint64) {
	vals := slices.Concat(ref, cur)
	slices.Sort(vals)
	vals = slices.Compact(vals)
	rc, cc = make([]uint64, len(vals)), make([]uint64, len(vals))
	for _, x := range ref {
		i, _ := slices.BinarySearch(vals, x)
		rc[i]++
	}
	for _, x := range cur {
		i, _ := slices.BinarySearch(vals, x)
		cc[i]++
	}
	return rc, cc
}

// Score is one rule on one case.
type Score struct {
	// Windows and Flagged count the (column, window) pairs judged and
	// flagged: all windows for a control, those wholly before the change
	// for a known drift.
	Windows, Flagged int
	// Undecided counts pairs the rule gave no verdict.
	Undecided int
	// FirstAfter counts the columns flagged in the first window that
	// starts at or after the change, of Columns.
	FirstAfter, Columns int
	// FirstWindow is that window.
	FirstWindow Window
}

// Share is the flagged share of the judged windows.
func (s Score) Share() float64 {
	if s.Windows == 0 {
		return 0
	}
	return float64(s.Flagged) / float64(s.Windows)
}

// Run scores every rule on one case's columns (read by the caller) with
// windows of size rows.
func Run(c Case, cols [][]float64, rules []Rule, size int) []Score {
	n := len(cols[0])
	refEnd, ws := Windows(n, size)
	first := -1
	for i, w := range ws {
		if !c.Control && w.Start >= c.Change {
			first = i
			break
		}
	}
	scores := make([]Score, len(rules))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for ri, rule := range rules {
		for _, col := range cols {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				ref := col[:refEnd]
				decide := rule.Prepare(ref, c.Categorical)
				var s Score
				s.Columns = 1
				for i, w := range ws {
					judged := c.Control || w.End <= c.Change
					if !judged && i != first {
						continue
					}
					d, ok := decide(col[w.Start:w.End])
					switch {
					case judged && !ok:
						s.Undecided++
					case judged:
						s.Windows++
						if d {
							s.Flagged++
						}
					}
					if i == first && ok && d {
						s.FirstAfter++
					}
				}
				mu.Lock()
				defer mu.Unlock()
				t := &scores[ri]
				t.Windows += s.Windows
				t.Flagged += s.Flagged
				t.Undecided += s.Undecided
				t.FirstAfter += s.FirstAfter
				t.Columns += s.Columns
				if first >= 0 {
					t.FirstWindow = ws[first]
				}
			})
		}
	}
	wg.Wait()
	return scores
}
