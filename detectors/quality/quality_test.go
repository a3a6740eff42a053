package quality

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
)

// missing and invalid stand for a feature value that is absent and one
// that is NaN, in num's lists.
var (
	missing = math.Inf(1)
	invalid = math.NaN()
)

// num summarises numbers (missing and invalid as above).
func num(lim drift.Limits, xs ...float64) *drift.FeatureSummary {
	s := drift.NewFeatureSummary("f", drift.Numeric, nil, lim, 1)
	for _, x := range xs {
		switch {
		case math.IsInf(x, 1):
			s.Observe(drift.Value{Kind: drift.Missing})
		default:
			s.Observe(drift.NumberValue(x))
		}
	}
	return s
}

func cat(xs ...string) *drift.FeatureSummary {
	s := drift.NewFeatureSummary("f", drift.Categorical, nil, drift.DefaultLimits(), 1)
	for _, x := range xs {
		if x == "" {
			s.Observe(drift.Value{Kind: drift.Missing})
			continue
		}
		s.Observe(drift.StringValue(x))
	}
	return s
}

func span(lo, hi float64) []float64 {
	var out []float64
	for x := lo; x <= hi; x++ {
		out = append(out, x)
	}
	return out
}

// check is one expected row: statistic, threshold, failed.
type check struct {
	stat, th float64
	failed   bool
}

func rowsByMethod(rows []drift.Result) map[string]check {
	out := map[string]check{}
	for _, r := range rows {
		out[r.Method] = check{r.Statistic, r.Threshold, r.Drifted}
	}
	return out
}

func TestFeatureChecks(t *testing.T) {
	lim := drift.DefaultLimits()
	// The numeric reference: 1..10, mean 5.5, population std
	// sqrt(99/12) = 2.8723 (sum of squared deviations 82.5 over 10), min 1,
	// max 10; the default range widens [1, 10] by 0.1*9 = 0.9 a side, to
	// [0.1, 10.9]. One missing value of 11 events: missing share 1/11.
	ref := num(lim, append(span(1, 10), missing)...)
	refStd := math.Sqrt(8.25)
	d := DefaultFeatureQuality()
	withRange := d
	withRange.Range = &[2]float64{0, 5}
	tests := []struct {
		name string
		ref  *drift.FeatureSummary
		cur  *drift.FeatureSummary
		q    FeatureQuality
		want map[string]check
	}{
		{"healthy", ref, num(lim, 2, 4, 6, 8), d, map[string]check{
			// missing may reach 1/11 + 0.10.
			"missing_share":      {0, 1.0/11 + 0.1, false},
			"invalid_share":      {0, 0, false},
			"out_of_range_share": {0, 0.001, false},
			"constant_share":     {0.25, 0.95, false},
			// mean 5 against 5.5: 0.5 / 2.8723 sigmas.
			"mean_shift": {0.5 / refStd, 3, false},
		}},
		{"unit changes by x1000", ref, num(lim, 1000, 2000, 3000, 4000), d, map[string]check{
			"missing_share":      {0, 1.0/11 + 0.1, false},
			"invalid_share":      {0, 0, false},
			"out_of_range_share": {1, 0.001, true}, // all above 10.9
			"constant_share":     {0.25, 0.95, false},
			"mean_shift":         {(2500 - 5.5) / refStd, 3, true},
		}},
		{"turns null", ref, num(lim, 5, 6, missing, missing, missing, missing, missing, missing, missing, missing), d, map[string]check{
			"missing_share":      {0.8, 1.0/11 + 0.1, true},
			"invalid_share":      {0, 0, false},
			"out_of_range_share": {0, 0.001, false},
			"constant_share":     {0.5, 0.95, false},
			"mean_shift":         {0, 3, false}, // mean 5.5 exactly
		}},
		{"invalid values", ref, num(lim, 5, invalid, 6, 7), d, map[string]check{
			"missing_share":      {0, 1.0/11 + 0.1, false},
			"invalid_share":      {0.25, 0, true},
			"out_of_range_share": {0, 0.001, false},
			"constant_share":     {1.0 / 3, 0.95, false},
			"mean_shift":         {0.5 / refStd, 3, false}, // mean 6
		}},
		{"all missing: only the shares", ref, num(lim, missing, missing, missing), d, map[string]check{
			"missing_share": {1, 1.0/11 + 0.1, true},
			"invalid_share": {0, 0, false},
		}},
		{"empty window: no rows", ref, num(lim), d, map[string]check{}},
		{"constant", ref, num(lim, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7), d, map[string]check{
			"missing_share":      {0, 1.0/11 + 0.1, false},
			"invalid_share":      {0, 0, false},
			"out_of_range_share": {0, 0.001, false},
			"constant_share":     {1, 0.95, true},
			"mean_shift":         {1.5 / refStd, 3, false},
		}},
		{"declared range [0, 5]", ref, num(lim, 1, 2, 6, 7), withRange, map[string]check{
			"missing_share":      {0, 1.0/11 + 0.1, false},
			"invalid_share":      {0, 0, false},
			"out_of_range_share": {0.5, 0, true}, // 6 and 7
			"constant_share":     {0.25, 0.95, false},
			"mean_shift":         {1.5 / refStd, 3, false}, // mean 4
		}},
		{"reference without values and no range", num(lim, missing, missing), num(lim, 1, 2), d, map[string]check{
			// The reference is all missing: 1 + 0.10.
			"missing_share":  {0, 1.1, false},
			"invalid_share":  {0, 0, false},
			"constant_share": {0.5, 0.95, false},
		}},
		{"no reference", nil, num(lim, 1, 2, missing), d, map[string]check{
			"missing_share":  {1.0 / 3, 0.1, true},
			"invalid_share":  {0, 0, false},
			"constant_share": {0.5, 0.95, false},
		}},
		{"no reference, declared range", nil, num(lim, 1, 9), withRange, map[string]check{
			"missing_share":      {0, 0.1, false},
			"invalid_share":      {0, 0, false},
			"out_of_range_share": {0.5, 0, true},
			"constant_share":     {0.5, 0.95, false},
		}},
		{"constant reference: no mean shift, any other value out of range", num(lim, 3, 3, 3), num(lim, 3, 4), d, map[string]check{
			"missing_share":      {0, 0.1, false},
			"invalid_share":      {0, 0, false},
			"out_of_range_share": {0.5, 0.001, true}, // the range is [3, 3]
			"constant_share":     {0.5, 0.95, false},
		}},
		{"one value: no constant share", ref, num(lim, 5), d, map[string]check{
			"missing_share":      {0, 1.0/11 + 0.1, false},
			"invalid_share":      {0, 0, false},
			"out_of_range_share": {0, 0.001, false},
			"mean_shift":         {0.5 / refStd, 3, false},
		}},
		// One value repeated has no spread: no mean_shift, however its
		// moments round (their std is not 0 here); the whole window lies
		// outside the reference's [0.1, 0.1] (a margin of 0.1 * 0 a side)
		// and is one value.
		{"constant reference", num(lim, slices.Repeat([]float64{0.1}, 100)...), num(lim, slices.Repeat([]float64{0.2}, 100)...), d,
			map[string]check{
				"missing_share":      {0, 0.1, false},
				"invalid_share":      {0, 0, false},
				"out_of_range_share": {1, 0.001, true},
				"constant_share":     {1, 0.95, true},
			}},
		{"category renamed", cat("a", "a", "b", "b", ""), cat("A", "A", "b", "b"), d, map[string]check{
			// The reference misses 1 of 5.
			"missing_share":      {0, 0.2 + 0.1, false},
			"invalid_share":      {0, 0, false},
			"new_category_share": {0.5, 0, true},
			"constant_share":     {0.5, 0.95, false},
		}},
		{"categories known, one dominant", cat("a", "b"), cat("a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "b"), d, map[string]check{
			"missing_share":      {0, 0.1, false},
			"invalid_share":      {0, 0, false},
			"new_category_share": {0, 0, false},
			"constant_share":     {20.0 / 21, 0.95, true}, // 0.952
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rp *Profile
			if tc.ref != nil {
				p := profileSummary(tc.ref)
				rp = &p
			}
			got := rowsByMethod(FeatureChecks(rp, profileSummary(tc.cur), tc.q))
			if len(got) != len(tc.want) {
				t.Errorf("rows %v, want %v", got, tc.want)
			}
			for m, w := range tc.want {
				g, ok := got[m]
				if !ok {
					t.Errorf("%s: missing", m)
					continue
				}
				if math.Abs(g.stat-w.stat) > 1e-12 || math.Abs(g.th-w.th) > 1e-12 || g.failed != w.failed {
					t.Errorf("%s = %+v, want %+v", m, g, w)
				}
			}
		})
	}
}

// TestOutOfRangeBeyondTheSample: once the sample no longer holds the whole
// window, the share comes from the sketch, and the exact extremes prove at
// least one value.
func TestOutOfRangeBeyondTheSample(t *testing.T) {
	small := drift.Limits{SampleSize: 10, MaxCategories: 10, SketchK: 256}
	tests := []struct {
		name   string
		values []float64
		lo, hi float64
		want   uint64
	}{
		// 1..100, above 50.5: 50 values. A KLL sketch of k=256 holds 100
		// values exactly.
		{"sketch exact", span(1, 100), 0, 50.5, 50},
		{"inside", span(1, 100), 0, 100, 0},
		// 1..10000 and one 5503.8e3: the sketch rounds the single value
		// away or not, but the max proves it.
		{"one outlier in many", append(span(1, 10000), 5503.8e3), 0, 10000, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := num(small, tc.values...)
			if s.Sample.Complete() {
				t.Fatal("the sample holds the whole window; the test needs it not to")
			}
			got := profileSummary(s).Outside(tc.lo, tc.hi)
			if got != tc.want {
				t.Errorf("outside [%g, %g] = %d, want %d", tc.lo, tc.hi, got, tc.want)
			}
		})
	}
}

// TestProfilesAgree: check's exact profiles and the service's summary
// profiles give the same rows for the same data.
func TestProfilesAgree(t *testing.T) {
	refVals, curVals := span(1, 50), append(span(30, 80), 1e6)
	ref := num(drift.DefaultLimits(), append(refVals, missing)...)
	cur := num(drift.DefaultLimits(), append(curVals, invalid, missing, missing)...)
	rs, cs := profileSummary(ref), profileSummary(cur)
	rv, cv := ProfileValues(refVals, 1, 0), ProfileValues(curVals, 2, 1)
	a := FeatureChecks(&rs, cs, DefaultFeatureQuality())
	b := FeatureChecks(&rv, cv, DefaultFeatureQuality())
	if len(a) != len(b) || len(a) != 5 {
		t.Fatalf("%d rows from summaries, %d from values; want 5 each", len(a), len(b))
	}
	for i := range a {
		if a[i].Method != b[i].Method || math.Abs(a[i].Statistic-b[i].Statistic) > 1e-9 || a[i].Drifted != b[i].Drifted {
			t.Errorf("summary %+v, values %+v", a[i], b[i])
		}
	}
	rc := ProfileCounts(drift.Categorical, map[string]uint64{"a": 2, "b": 2}, 0, 0)
	cc := ProfileCounts(drift.Categorical, map[string]uint64{"a": 1, "c": 3}, 1, 0)
	got := rowsByMethod(FeatureChecks(&rc, cc, DefaultFeatureQuality()))
	if got["new_category_share"] != (check{0.75, 0, true}) || got["missing_share"] != (check{0.2, 0.1, true}) {
		t.Errorf("counts: %v", got)
	}
}

func TestWindowChecks(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	win := func(events, late, dups uint64, undeclared map[string]uint64, feats ...*drift.FeatureSummary) *drift.WindowSummary {
		return &drift.WindowSummary{Model: "m", Start: start, End: start.Add(time.Hour), Events: events, Late: late,
			DuplicateIDs: dups, Undeclared: undeclared, Features: feats}
	}
	lim := drift.DefaultLimits()
	d := DefaultWindowQuality()
	counted := d
	counted.CountWindows = true
	fixed := d
	fixed.ExpectedEvents = 1000
	tests := []struct {
		name string
		w    *drift.WindowSummary
		prev uint64
		q    WindowQuality
		want map[string]check
	}{
		{"healthy", win(100, 1, 0, nil, num(lim, 1)), 100, d, map[string]check{
			"volume":            {1, 0.5, false},
			"late_share":        {1.0 / 101, 0.05, false},
			"schema_violations": {0, 0, false},
			"duplicate_ids":     {0, 0, false},
		}},
		{"volume halves", win(50, 0, 0, nil, num(lim, 1)), 100, d, map[string]check{
			"volume":            {0.5, 0.5, true}, // half: at the limit, which fails
			"late_share":        {0, 0.05, false},
			"schema_violations": {0, 0, false},
			"duplicate_ids":     {0, 0, false},
		}},
		{"volume one and a half times", win(149, 0, 0, nil, num(lim, 1)), 100, d, map[string]check{
			"volume":            {1.49, 0.5, false},
			"late_share":        {0, 0.05, false},
			"schema_violations": {0, 0, false},
			"duplicate_ids":     {0, 0, false},
		}},
		{"expected volume configured", win(400, 0, 0, nil, num(lim, 1)), 100, fixed, map[string]check{
			"volume":            {0.4, 0.5, true},
			"late_share":        {0, 0.05, false},
			"schema_violations": {0, 0, false},
			"duplicate_ids":     {0, 0, false},
		}},
		{"count windows: no volume", win(100, 10, 0, nil, num(lim, 1)), 100, counted, map[string]check{
			"late_share":        {10.0 / 110, 0.05, true},
			"schema_violations": {0, 0, false},
			"duplicate_ids":     {0, 0, false},
		}},
		{"schema: two undeclared fields and a declared one never present", win(3, 0, 2, map[string]uint64{"x": 3, "y": 1},
			num(lim, 1, 2, 3), num(lim, missing, missing, missing)), 0, d, map[string]check{
			"late_share":        {0, 0.05, false},
			"schema_violations": {3, 0, true},
			"duplicate_ids":     {2, 0, true},
		}},
		// An empty window (only late events): no volume expectation, no
		// events for the schema and id checks.
		{"empty window", win(0, 4, 0, nil, num(lim)), 0, d, map[string]check{
			"late_share": {1, 0.05, true},
		}},
		{"nothing at all", win(0, 0, 0, nil), 100, d, map[string]check{
			"volume": {0, 0.5, true},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := rowsByMethod(windowChecks(tc.w, tc.prev, tc.q))
			if len(got) != len(tc.want) {
				t.Errorf("rows %v, want %v", got, tc.want)
			}
			for m, w := range tc.want {
				if g := got[m]; math.Abs(g.stat-w.stat) > 1e-12 || g.th != w.th || g.failed != w.failed {
					t.Errorf("%s = %+v, want %+v", m, g, w)
				}
			}
		})
	}
}

// TestQualityRows: Evaluate stamps every row with the window and family
// quality, feature rows with their feature, window rows with ”.
func TestQualityRows(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := num(drift.DefaultLimits(), 1, 2)
	w := &drift.WindowSummary{Model: "m", ModelVersion: "3", Seq: 7, Start: start, End: start.Add(time.Hour), Events: 2,
		Features: []*drift.FeatureSummary{f}}
	ref := &drift.Reference{Features: []*drift.FeatureSummary{num(drift.DefaultLimits(), 1, 2, 3)}}
	rows := Evaluate(ref, w, 2, DefaultPolicy())
	var feature, window int
	for _, r := range rows {
		if r.Family != drift.Quality || r.Model != "m" || r.ModelVersion != "3" || r.WindowSeq != 7 || !r.WindowStart.Equal(start) {
			t.Errorf("row %+v not stamped", r)
		}
		if math.IsNaN(r.Statistic) || math.IsInf(r.Statistic, 0) {
			t.Errorf("row %s holds %v", r.Method, r.Statistic)
		}
		switch r.Feature {
		case "f":
			feature++
		case "":
			window++
		default:
			t.Errorf("row %s of feature %q", r.Method, r.Feature)
		}
	}
	// f: missing, invalid, out of range, constant, mean shift; the window:
	// volume, late share, schema, duplicates.
	if feature != 5 || window != 4 {
		t.Errorf("%d feature rows and %d window rows, want 5 and 4", feature, window)
	}
}

// TestReferenceStability: the row carries the sub-windows' mean and its
// limit as statistic and threshold and fails only strictly above, like
// every quality check.
func TestReferenceStability(t *testing.T) {
	for _, tc := range []struct {
		mean, limit float64
		failed      bool
	}{{0.96, 0.076, true}, {0.007, 0.079, false}, {0.1, 0.1, false}} {
		r := ReferenceStability(tc.mean, tc.limit, 4531, 906)
		if r.Method != ReferenceUnstable || r.Statistic != tc.mean || r.Threshold != tc.limit || r.Drifted != tc.failed ||
			r.NReference != 4531 || r.NCurrent != 906 || r.Decision {
			t.Errorf("ReferenceStability(%g, %g) = %+v, want failed %v", tc.mean, tc.limit, r, tc.failed)
		}
	}
}
