package monitor

import (
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/quality"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/datasets"
	"github.com/driftmon/driftmon/reference"
	"github.com/driftmon/driftmon/window"
)

// stream is a model fed row by row through the service's own parts: a
// file reference, a Windower, the evaluator (as serve wires them).
type stream struct {
	t    *testing.T
	w    *window.Windower
	e    *Evaluator
	cols []reference.Column
	// failed holds, per closed window, the failed quality checks as
	// "feature/method" ("/method" for the window's own).
	failed []map[string]bool
	rows   [][]drift.Result
}

func newStream(t *testing.T, refCSV string, cols []reference.Column, spec window.Spec, q quality.Policy) *stream {
	t.Helper()
	ref, err := reference.FromReader(context.Background(), strings.NewReader(refCSV), "reference", cols, nil, drift.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	spec.Model, spec.Limits = "m", drift.DefaultLimits()
	for _, c := range cols {
		spec.Features = append(spec.Features, window.Feature{Name: c.Name, Kind: c.Kind, Edges: ref.Feature(c.Name).Edges})
	}
	// The drift statistics are not what these tests are about: one cheap
	// method keeps 1,300 windows fast.
	policy := detectors.DefaultPolicy()
	for _, ms := range []*detectors.MethodSet{&policy.Numeric, &policy.Categorical} {
		ms.Methods, ms.Decide = []string{stats.MethodPSI}, stats.MethodPSI
	}
	if err := policy.Validate(); err != nil {
		t.Fatal(err)
	}
	e := NewEvaluator(nil, models(map[string]*Model{"m": {Source: File(ref, "reference"), Drift: policy, Quality: q}}))
	return &stream{t: t, w: window.New([]window.Spec{spec}), e: e, cols: cols}
}

func (s *stream) add(p *drift.Prediction, now time.Time) {
	s.t.Helper()
	p.Model = "m"
	closed, _, err := s.w.Add(p, now)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, w := range closed {
		res, err := s.e.Evaluate(context.Background(), w)
		if err != nil {
			s.t.Fatal(err)
		}
		s.e.Observe(w, res) // as the pipeline does once w is stored
		f := map[string]bool{}
		var rows []drift.Result
		for _, r := range res {
			if r.Family != drift.Quality {
				continue
			}
			rows = append(rows, r)
			if r.Drifted {
				f[r.Feature+"/"+r.Method] = true
			}
		}
		s.failed, s.rows = append(s.failed, f), append(s.rows, rows)
	}
}

// windowsFailing lists the windows where check (feature/method) failed.
func (s *stream) windowsFailing(check string) []int {
	var out []int
	for i, f := range s.failed {
		if f[check] {
			out = append(out, i)
		}
	}
	return out
}

// readCSV reads a data set: its header and rows.
func readCSV(t *testing.T, name string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(datasets.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return all[0], all[1:]
}

func csvText(header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString(strings.Join(header, ",") + "\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	return b.String()
}

// feedRows streams rows as predictions one second apart, of the named
// numeric columns.
func (s *stream) feedRows(header []string, rows [][]string) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	idx := map[string]int{}
	for i, h := range header {
		idx[h] = i
	}
	for i, r := range rows {
		p := &drift.Prediction{ID: strconv.Itoa(i), Time: t0.Add(time.Duration(i) * time.Second)}
		for _, c := range s.cols {
			x, err := strconv.ParseFloat(r[idx[c.Name]], 64)
			if err != nil {
				s.t.Fatalf("row %d %s: %v", i, c.Name, err)
			}
			p.Features = append(p.Features, drift.Feature{Name: c.Name, Value: drift.NumberValue(x)})
		}
		s.add(p, t0)
	}
}

// TestQualityWeather: NOAA daily weather 1949-1999, the first five years
// (1825 rows) as reference, the rest in windows of 30 days (544 full
// windows). SLP holds two impossible pressures, 5503.8 and 5503.1 hPa
// (rows 3595 and 3596, both in window (3595-1825)/30 = 59); against the
// declared range 870-1085 they fail out_of_range_share in window 59 and
// in no other.
//
// The expected window counts below come from an independent computation
// in Python over the same file (plain loops: min, max, any value outside;
// mean and population std; the most common value's share):
//
//	ref, W = rows[:1825], 30; windows = range(1825, len(rows)-W+1, W)
//
// With the bare reference [min, max] (range_margin 0), seasons and decades
// put values outside in many windows: TEMP 16, DEWP 0, SLP 10, VISIB 174,
// WDSP 1, MXSPD 7, MAX 12, MIN 20 of 544. Widened by a tenth of the span
// a side (the default), only VISIB, which drifts strongly over the decades
// (its visibility readings grow), still fires in 154 windows (28%); SLP
// fires once, in window 59, the bad values' window. mean_shift at 3 sigmas
// fires only there too.
func TestQualityWeather(t *testing.T) {
	header, rows := readCSV(t, "weather_noaa.csv")
	const refRows, size = 1825, 30
	var cols []reference.Column
	for _, h := range header {
		if h != "rain" {
			cols = append(cols, reference.Column{Name: h, Kind: drift.Numeric})
		}
	}
	run := func(q quality.Policy) *stream {
		s := newStream(t, csvText(header, rows[:refRows]), cols, window.Spec{Events: size, IdleTimeout: time.Hour}, q)
		s.feedRows(header, rows[refRows:])
		if len(s.failed) != 544 {
			t.Fatalf("%d windows closed, want 544", len(s.failed))
		}
		return s
	}
	count := func(s *stream, method string) map[string]int {
		out := map[string]int{}
		for _, c := range cols {
			out[c.Name] = len(s.windowsFailing(c.Name + "/" + method))
		}
		return out
	}

	declared := quality.DefaultPolicy()
	slp := declared.Default
	slp.Range = &[2]float64{870, 1085}
	declared.Features = map[string]quality.FeatureQuality{"SLP": slp}
	declared.Window.CountWindows = true
	s := run(declared)
	if got := s.windowsFailing("SLP/out_of_range_share"); !slices.Equal(got, []int{59}) {
		t.Errorf("SLP out of 870-1085 in windows %v, want [59]", got)
	}
	for _, r := range s.rows[59] {
		if r.Feature == "SLP" && r.Method == quality.OutOfRangeShare && r.Statistic != 2.0/30 {
			t.Errorf("window 59: SLP out-of-range share %v, want 2/30", r.Statistic)
		}
	}
	if got := s.windowsFailing("SLP/mean_shift"); !slices.Equal(got, []int{59}) {
		t.Errorf("SLP mean shift beyond 3 sigmas in windows %v, want [59]", got)
	}
	wantDefault := map[string]int{"TEMP": 0, "DEWP": 0, "SLP": 1, "VISIB": 154, "WDSP": 0, "MXSPD": 0, "MAX": 0, "MIN": 0}
	got := count(s, quality.OutOfRangeShare)
	got["SLP"] = len(run(quality.DefaultPolicy()).windowsFailing("SLP/out_of_range_share"))
	if fmt.Sprint(got) != fmt.Sprint(wantDefault) {
		t.Errorf("default range (reference min/max widened by a tenth): windows failing %v, want %v", got, wantDefault)
	}
	for f, n := range got {
		if 2*n >= 544 {
			t.Errorf("%s: the default range fires in %d of 544 windows of a healthy stream", f, n)
		}
	}
	for _, c := range cols {
		if n := len(s.windowsFailing(c.Name + "/constant_share")); n != 0 {
			t.Errorf("%s constant in %d windows", c.Name, n)
		}
	}

	bare := quality.DefaultPolicy()
	bare.Default.RangeMargin = 0
	wantBare := map[string]int{"TEMP": 16, "DEWP": 0, "SLP": 10, "VISIB": 174, "WDSP": 1, "MXSPD": 7, "MAX": 12, "MIN": 20}
	if got := count(run(bare), quality.OutOfRangeShare); fmt.Sprint(got) != fmt.Sprint(wantBare) {
		t.Errorf("bare reference min/max: windows failing %v, want %v", got, wantBare)
	}
}

// TestQualityElectricity: in electricity.csv, vicprice, vicdemand and
// transfer hold one imputed value in rows 0..17423 (the reference period
// here). Streamed from row 0 in windows of a week (336 half-hours),
// constant_share says they are constant in windows 0..50 (share 1) and
// stop being so in window 51 (rows 17136..17471: 288 of 336 imputed,
// share 0.857), as a Python count of the most common value per window
// says; from window 51 on, their values also leave the reference's range
// (a single value). nswprice, real throughout, is never constant.
func TestQualityElectricity(t *testing.T) {
	header, rows := readCSV(t, "electricity.csv")
	const refRows, size = 17424, 336
	cols := []reference.Column{{Name: "nswprice", Kind: drift.Numeric}, {Name: "vicprice", Kind: drift.Numeric},
		{Name: "vicdemand", Kind: drift.Numeric}, {Name: "transfer", Kind: drift.Numeric}}
	q := quality.DefaultPolicy()
	q.Window.CountWindows = true
	s := newStream(t, csvText(header, rows[:refRows]), cols, window.Spec{Events: size, IdleTimeout: time.Hour}, q)
	s.feedRows(header, rows)
	if len(s.failed) != 134 {
		t.Fatalf("%d windows, want 134", len(s.failed))
	}
	var first51 []int
	for i := range 51 {
		first51 = append(first51, i)
	}
	for _, f := range []string{"vicprice", "vicdemand", "transfer"} {
		if got := s.windowsFailing(f + "/constant_share"); !slices.Equal(got, first51) {
			t.Errorf("%s constant in windows %v, want 0..50", f, got)
		}
		for _, r := range s.rows[51] {
			if r.Feature == f && r.Method == quality.ConstantShare && r.Statistic != 288.0/336 {
				t.Errorf("%s window 51: constant share %v, want 288/336", f, r.Statistic)
			}
		}
		if oor := s.windowsFailing(f + "/out_of_range_share"); len(oor) == 0 || oor[0] != 51 {
			t.Errorf("%s out of the reference's range first in window %v, want 51", f, oor)
		}
		// The reference is constant: no mean shift in sigmas of 0.
		if n := len(s.windowsFailing(f + "/mean_shift")); n != 0 {
			t.Errorf("%s: mean_shift failed in %d windows", f, n)
		}
	}
	if got := s.windowsFailing("nswprice/constant_share"); len(got) != 0 {
		t.Errorf("nswprice constant in windows %v", got)
	}
}

// TestQualitySyntheticBreakage: a healthy stream, then one breakage per
// window, each caught by its own check in the window it starts:
//
//	window 2: amount turns null   -> missing_share (and, as it is never
//	          present in the window, schema_violations)
//	window 3: country "FR" is renamed "France" -> new_category_share
//	window 4: grams arrive in milligrams (x1000) -> out_of_range_share
//	          and mean_shift
//	window 5: the volume halves (200 -> 100 events) -> volume
//
// Windows 0 and 1 fail nothing. Each breakage persists, as broken
// pipelines do; volume compares with the previous window, so it fails
// only in window 5.
func TestQualitySyntheticBreakage(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	countries := []string{"DE", "FR", "US"}
	var ref strings.Builder
	ref.WriteString("amount,country,grams\n")
	for range 2000 {
		fmt.Fprintf(&ref, "%g,%s,%g\n", r.Float64()*100, countries[r.IntN(3)], 100+r.Float64()*100)
	}
	cols := []reference.Column{{Name: "amount", Kind: drift.Numeric}, {Name: "country", Kind: drift.Categorical},
		{Name: "grams", Kind: drift.Numeric}}
	s := newStream(t, ref.String(), cols, window.Spec{Duration: time.Minute, IdleTimeout: time.Hour, MaxIDs: 1000},
		quality.DefaultPolicy())
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	id := 0
	for win := range 8 {
		n := 200
		if win >= 5 {
			n = 100
		}
		for i := range n {
			id++
			p := &drift.Prediction{ID: strconv.Itoa(id), Time: t0.Add(time.Duration(win)*time.Minute + time.Duration(i)*time.Minute/time.Duration(n))}
			if win < 2 {
				p.Features = append(p.Features, drift.Feature{Name: "amount", Value: drift.NumberValue(r.Float64() * 100)})
			} else {
				p.Features = append(p.Features, drift.Feature{Name: "amount", Value: drift.Value{Kind: drift.Missing}})
			}
			c := countries[r.IntN(3)]
			if win >= 3 && c == "FR" {
				c = "France"
			}
			p.Features = append(p.Features, drift.Feature{Name: "country", Value: drift.StringValue(c)})
			g := 100 + r.Float64()*100
			if win >= 4 {
				g *= 1000
			}
			p.Features = append(p.Features, drift.Feature{Name: "grams", Value: drift.NumberValue(g)})
			s.add(p, t0)
		}
	}
	s.add(&drift.Prediction{ID: "last", Time: t0.Add(9 * time.Minute)}, t0) // closes window 7
	if len(s.failed) != 8 {
		t.Fatalf("%d windows, want 8", len(s.failed))
	}
	for w := range 2 {
		if len(s.failed[w]) != 0 {
			t.Errorf("healthy window %d failed %v", w, s.failed[w])
		}
	}
	tests := []struct {
		check string
		from  int // first failing window; -1: only in window `only`
		only  int
	}{
		{"amount/missing_share", 2, -1},
		{"/schema_violations", 2, -1},
		{"country/new_category_share", 3, -1},
		{"grams/out_of_range_share", 4, -1},
		{"grams/mean_shift", 4, -1},
		{"/volume", -1, 5},
	}
	for _, tc := range tests {
		got := s.windowsFailing(tc.check)
		var want []int
		if tc.from >= 0 {
			for w := tc.from; w < 8; w++ {
				want = append(want, w)
			}
		} else {
			want = []int{tc.only}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s failed in windows %v, want %v", tc.check, got, want)
		}
	}
	// Nothing else fails: no other check claims a breakage.
	allowed := map[string]bool{}
	for _, tc := range tests {
		allowed[tc.check] = true
	}
	for w, f := range s.failed {
		for c := range f {
			if !allowed[c] {
				t.Errorf("window %d: %s failed too", w, c)
			}
		}
	}
}

// TestBuildModelsWiresQuality: serve gives each model its quality limits,
// its duplicate-id bound and its freshness limit from the config.
func TestBuildModelsWiresQuality(t *testing.T) {
	cfg, err := config.Parse([]byte(`
models:
  - name: m
    window: {duration: 1m}
    reference: {previous: true}
    quality: {max_ids: 77, freshness: 5m, mean_shift_sigmas: 4}
    features:
      x: {type: numeric, range: [0, 1]}
`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ms, err := Build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	specs := ms.Specs()
	q := ms.Get("m").Quality
	if x := q.For("x"); x.MeanShiftSigmas != 4 || x.Range == nil || *x.Range != [2]float64{0, 1} {
		t.Errorf("quality of x: %+v", x)
	}
	if specs[0].MaxIDs != 77 {
		t.Errorf("max ids %d, want 77", specs[0].MaxIDs)
	}
	if f := ms.Freshness()["m"]; f != 5*time.Minute {
		t.Errorf("freshness %s, want 5m", f)
	}
}
