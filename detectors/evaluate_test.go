package detectors

import (
	"maps"
	"math"
	"testing"
	"time"

	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

var (
	winStart = time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	winEnd   = winStart.Add(5 * time.Minute)
)

// numericSummary observes xs into a fresh numeric summary over edges.
func numericSummary(name string, edges []float64, xs ...float64) *drift.FeatureSummary {
	s := drift.NewFeatureSummary(name, drift.Numeric, edges, drift.DefaultLimits(), 1)
	for _, x := range xs {
		s.Observe(drift.NumberValue(x))
	}
	return s
}

func categoricalSummary(name string, values ...string) *drift.FeatureSummary {
	s := drift.NewFeatureSummary(name, drift.Categorical, nil, drift.DefaultLimits(), 1)
	for _, v := range values {
		s.Observe(drift.StringValue(v))
	}
	return s
}

func repeat(v string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func concat(xs ...[]string) []string {
	var out []string
	for _, x := range xs {
		out = append(out, x...)
	}
	return out
}

func seq(from, to float64) []float64 {
	var out []float64
	for x := from; x <= to; x++ {
		out = append(out, x)
	}
	return out
}

// scenario is a model with three judged covariate features (a and c drift,
// b does not), three that must be skipped, and a numeric prediction.
func scenario() (*drift.Reference, *drift.WindowSummary) {
	edges := []float64{5}
	predEdges := []float64{0.5}
	ref := &drift.Reference{
		Model: "m", ModelVersion: "1",
		Features: []*drift.FeatureSummary{
			numericSummary("a", edges, seq(1, 10)...),
			numericSummary("b", edges, seq(1, 10)...),
			categoricalSummary("c", concat(repeat("x", 5), repeat("y", 5))...),
			numericSummary("e", edges, 1, 2, 3),
			numericSummary("f", edges, 1, 2, 3),
		},
		Prediction: numericSummary("prediction", predEdges, 0.1, 0.2, 0.6, 0.7),
	}
	missing := drift.NewFeatureSummary("e", drift.Numeric, edges, drift.DefaultLimits(), 1)
	missing.Observe(drift.Value{Kind: drift.Missing})
	cur := &drift.WindowSummary{
		Model: "m", ModelVersion: "1", Seq: 7, Start: winStart, End: winEnd,
		Features: []*drift.FeatureSummary{
			numericSummary("a", edges, seq(6, 15)...),
			numericSummary("b", edges, seq(1, 10)...),
			categoricalSummary("c", concat(repeat("x", 2), repeat("y", 2), repeat("z", 6))...),
			numericSummary("d", edges, 1, 2),  // not in the reference
			missing,                           // no valid values
			categoricalSummary("f", "1", "2"), // kind differs from the reference's
		},
		Prediction: numericSummary("prediction", predEdges, 0.1, 0.2, 0.3, 0.9),
	}
	return ref, cur
}

// fixedPolicy is DefaultPolicy with PSI deciding at its fixed threshold,
// as the scenario's expectations were worked out; calibrated verdicts are
// the calibration tests' to check.
func fixedPolicy() Policy {
	p := DefaultPolicy()
	p.Numeric.Decide, p.Numeric.Calibration = stats.MethodPSI, nil
	return p
}

func TestEvaluateScenario(t *testing.T) {
	ref, cur := scenario()
	rows := Evaluate(ref, cur, fixedPolicy())

	type key struct {
		family  drift.Family
		feature string
		method  string
	}
	got := map[key]drift.Result{}
	var order []key
	for _, r := range rows {
		k := key{r.Family, r.Feature, r.Method}
		if _, dup := got[k]; dup {
			t.Errorf("duplicate row %v", k)
		}
		got[k] = r
		order = append(order, k)
		if !finite(r.Statistic) || (r.PValue != nil && !finite(*r.PValue)) {
			t.Errorf("%v: non-finite %v %v", k, r.Statistic, r.PValue)
		}
		if r.Model != "m" || r.ModelVersion != "1" || r.WindowSeq != 7 ||
			!r.WindowStart.Equal(winStart) || !r.WindowEnd.Equal(winEnd) || r.Version != 0 {
			t.Errorf("%v: identity %+v", k, r)
		}
	}
	wantOrder := []key{
		{drift.Covariate, "a", "psi"}, {drift.Covariate, "a", "ks"},
		{drift.Covariate, "a", "jensen_shannon"}, {drift.Covariate, "a", "wasserstein"},
		{drift.Covariate, "b", "psi"}, {drift.Covariate, "b", "ks"},
		{drift.Covariate, "b", "jensen_shannon"}, {drift.Covariate, "b", "wasserstein"},
		{drift.Covariate, "c", "chi2"}, {drift.Covariate, "c", "psi"}, {drift.Covariate, "c", "jensen_shannon"},
		{drift.Prior, "prediction", "psi"}, {drift.Prior, "prediction", "ks"},
		{drift.Prior, "prediction", "jensen_shannon"}, {drift.Prior, "prediction", "wasserstein"},
		{drift.Dataset, "", "drifted_share"},
	}
	if len(order) != len(wantOrder) {
		t.Fatalf("rows %v\nwant %v", order, wantOrder)
	}
	for i := range order {
		if order[i] != wantOrder[i] {
			t.Fatalf("row %d is %v, want %v", i, order[i], wantOrder[i])
		}
	}

	ln := math.Log
	type want struct {
		stat      float64
		p         float64 // -1: no p-value
		threshold float64
		// flagged: the method's value is past its threshold (Flagged);
		// the row's Drifted is that on the decision row only.
		flagged  bool
		decision bool
		nr, nc   uint64
	}
	wants := map[key]want{
		// a: ref 1..10 -> bins (<5, >=5) = (4, 6); cur 6..15 -> (0, 10).
		// psi = (1e-4 - 0.4) ln(1e-4/0.4) + (1 - 0.6) ln(1/0.6) = 3.521 > 0.2.
		{drift.Covariate, "a", "psi"}: {(1e-4-0.4)*ln(1e-4/0.4) + 0.4*ln(1/0.6), -1, 0.2, true, true, 10, 10},
		// KS: F_ref - F_cur peaks at x = 5: 5/10 - 0 = 0.5. p for n = 10
		// and 10, h = 5: 2 [C(20,5) - C(20,0)] / C(20,10) = 2 (15504 - 1)/184756
		// = 0.168: ten values each are too few for KS to call it drift.
		{drift.Covariate, "a", "ks"}: {0.5, 2 * (15504.0 - 1) / 184756, 0.05, false, false, 10, 10},
		// js: p_r = (0.4, 0.6), p_c = (0, 1), m = (0.2, 0.8).
		{drift.Covariate, "a", "jensen_shannon"}: {math.Sqrt((0.4*ln(2) + 0.6*ln(0.75) + ln(1.25)) / (2 * ln(2))), -1, 0.1, true, false, 10, 10},
		// every value moved up by 5
		{drift.Covariate, "a", "wasserstein"}:    {5, -1, 0, false, false, 10, 10},
		{drift.Covariate, "b", "psi"}:            {0, -1, 0.2, false, true, 10, 10},
		{drift.Covariate, "b", "ks"}:             {0, 1, 0.05, false, false, 10, 10},
		{drift.Covariate, "b", "jensen_shannon"}: {0, -1, 0.1, false, false, 10, 10},
		{drift.Covariate, "b", "wasserstein"}:    {0, -1, 0, false, false, 10, 10},
		// c: categories x, y, z; ref (5, 5, 0), cur (2, 2, 6): chi2 = 60/7 on
		// 2 dof, p = exp(-30/7) (see TestHistogramHand).
		{drift.Covariate, "c", "chi2"}: {60.0 / 7, math.Exp(-30.0 / 7), 0.05, true, false, 10, 10},
		{drift.Covariate, "c", "psi"}:  {2*(0.2-0.5)*ln(0.4) + (0.6-1e-4)*ln(0.6/1e-4), -1, 0.2, true, true, 10, 10},
		{drift.Covariate, "c", "jensen_shannon"}: {math.Sqrt((2*0.5*ln(0.5/0.35) + 2*0.2*ln(0.2/0.35) + 0.6*ln(2)) /
			(2 * ln(2))), -1, 0.1, true, false, 10, 10},
		// prediction: bins (<0.5, >=0.5): ref (2, 2), cur (3, 1):
		// psi = (3/4 - 1/2) ln(3/2) + (1/4 - 1/2) ln(1/2) = ln(3)/4 > 0.2.
		{drift.Prior, "prediction", "psi"}: {ln(3) / 4, -1, 0.2, true, true, 4, 4},
		// sorted ref .1 .2 .6 .7, cur .1 .2 .3 .9: F_cur - F_ref = 1/4 on
		// [.3, .6); h = 1 of n = 4: every path reaches it, p = 1.
		{drift.Prior, "prediction", "ks"}: {0.25, 1, 0.05, false, false, 4, 4},
		// m = (5/8, 3/8): js^2 = [1/2 ln(4/5) + 1/2 ln(4/3) + 3/4 ln(6/5) + 1/4 ln(2/3)] / (2 ln 2).
		{drift.Prior, "prediction", "jensen_shannon"}: {math.Sqrt((0.5*ln(0.8) + 0.5*ln(4.0/3) + 0.75*ln(1.2) + 0.25*ln(2.0/3)) /
			(2 * ln(2))), -1, 0.1, true, false, 4, 4},
		// |F_ref - F_cur| = 1/4 on [.3, .6) and on [.7, .9): 0.3/4 + 0.2/4.
		{drift.Prior, "prediction", "wasserstein"}: {0.125, -1, 0, false, false, 4, 4},
		// a and c of the three judged features drifted.
		{drift.Dataset, "", "drifted_share"}: {2.0 / 3, -1, 0.5, true, true, 3, 3},
	}
	for k, w := range wants {
		r, ok := got[k]
		if !ok {
			t.Errorf("%v: no row", k)
			continue
		}
		if math.Abs(r.Statistic-w.stat) > 1e-12*math.Max(1, math.Abs(w.stat)) {
			t.Errorf("%v: statistic %.17g, want %.17g", k, r.Statistic, w.stat)
		}
		switch {
		case w.p < 0 && r.PValue != nil:
			t.Errorf("%v: p-value %v on a distance", k, *r.PValue)
		case w.p >= 0 && r.PValue == nil:
			t.Errorf("%v: no p-value", k)
		case w.p >= 0 && math.Abs(*r.PValue-w.p) > 1e-12:
			t.Errorf("%v: p %.17g, want %.17g", k, *r.PValue, w.p)
		}
		if r.Threshold != w.threshold || r.Drifted != (w.flagged && w.decision) || Flagged(r) != w.flagged ||
			r.Decision != w.decision || r.NReference != w.nr || r.NCurrent != w.nc {
			t.Errorf("%v: threshold %v drifted %v flagged %v decision %v n %d/%d; want %v %v %v %v %d/%d", k,
				r.Threshold, r.Drifted, Flagged(r), r.Decision, r.NReference, r.NCurrent,
				w.threshold, w.flagged && w.decision, w.flagged, w.decision, w.nr, w.nc)
		}
	}
}

// TestEvaluateRebinsMismatchedWindow: a window whose bins are not the
// reference's is rebinned from its (complete) sample, giving the same
// counts as a window binned at the reference's edges.
func TestEvaluateRebinsMismatchedWindow(t *testing.T) {
	edges := []float64{5}
	ref := &drift.Reference{Features: []*drift.FeatureSummary{numericSummary("a", edges, seq(1, 10)...)}}
	binned := &drift.WindowSummary{Features: []*drift.FeatureSummary{numericSummary("a", edges, seq(3, 12)...)}}
	for name, curEdges := range map[string][]float64{
		"no edges":        nil,
		"other edges":     {2, 8},
		"same count":      {7}, // two bins, like the reference, at another edge
		"reference edges": edges,
	} {
		t.Run(name, func(t *testing.T) {
			cur := &drift.WindowSummary{Features: []*drift.FeatureSummary{numericSummary("a", curEdges, seq(3, 12)...)}}
			want := Evaluate(ref, binned, DefaultPolicy())
			got := Evaluate(ref, cur, DefaultPolicy())
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i].Statistic != want[i].Statistic || got[i].NCurrent != want[i].NCurrent {
					t.Errorf("%s: %v (n %d), want %v (n %d)", got[i].Method, got[i].Statistic, got[i].NCurrent,
						want[i].Statistic, want[i].NCurrent)
				}
			}
		})
	}
	// ref 1..10 -> (4, 6); cur 3..12 -> (2, 8): psi = -0.2 ln(1/2) + 0.2 ln(4/3).
	rows := Evaluate(ref, binned, DefaultPolicy())
	if want := 0.2*math.Log(2) + 0.2*math.Log(4.0/3); math.Abs(rows[0].Statistic-want) > 1e-15 {
		t.Errorf("psi %v, want %v", rows[0].Statistic, want)
	}
}

// TestEvaluateReferenceWithoutBins: a reference that fixed no edges (the
// previous window) is binned at its sample's deciles, both sides from their
// samples. Reference 1..10: deciles 1.9, 2.8, ..., 9.1, ten bins of one
// value each; current 1..5 twice: bins 0-3 get two values each (1.9 > 1,
// so value 1 is in bin 0, 2 in bin 1, ...), bin 4 gets the two 5s, bins
// 5-9 are empty.
func TestEvaluateReferenceWithoutBins(t *testing.T) {
	ref := &drift.Reference{Features: []*drift.FeatureSummary{numericSummary("a", nil, seq(1, 10)...)}}
	cur := &drift.WindowSummary{Features: []*drift.FeatureSummary{numericSummary("a", nil, append(seq(1, 5), seq(1, 5)...)...)}}
	rows := Evaluate(ref, cur, DefaultPolicy())
	// psi: five bins at s_c = 0.2 vs 0.1: 5 * 0.1 ln 2; five at 1e-4 vs 0.1:
	// 5 (1e-4 - 0.1) ln(1e-4/0.1).
	want := 5*0.1*math.Log(2) + 5*(1e-4-0.1)*math.Log(1e-4/0.1)
	if rows[0].Method != "psi" || math.Abs(rows[0].Statistic-want) > 1e-12 {
		t.Errorf("row %s = %v, want psi %v", rows[0].Method, rows[0].Statistic, want)
	}
	if rows[0].NReference != 10 || rows[0].NCurrent != 10 {
		t.Errorf("n %d/%d", rows[0].NReference, rows[0].NCurrent)
	}
}

// TestEvaluateOmitsValuelessMethods: methods without a value leave no row,
// and a feature whose decide method has none gets no verdict.
func TestEvaluateOmitsValuelessMethods(t *testing.T) {
	edges := []float64{5}
	constRef := numericSummary("k", edges, 5, 5, 5, 5)
	noSample := numericSummary("s", edges, 1, 2, 3, 6)
	noSample.Sample = nil
	ref := &drift.Reference{Features: []*drift.FeatureSummary{
		constRef, noSample, numericSummary("x", edges, seq(1, 10)...),
		numericSummary("same", edges, 5, 5, 5),
		categoricalSummary("three", "a", "b", "c"),
		categoricalSummary("two", "a", "b", "b"),
	}}
	cur := &drift.WindowSummary{Features: []*drift.FeatureSummary{
		numericSummary("k", edges, 4, 5, 6),
		numericSummary("s", edges, 1, 2, 7, 8),
		numericSummary("x", edges, seq(1, 10)...),
		numericSummary("same", edges, 5, 5),
		categoricalSummary("three", "c", "b", "a"),
		categoricalSummary("two", "b", "a", "b"),
	}}
	p := DefaultPolicy()
	p.Numeric.Methods = stats.Methods(drift.Numeric)
	p.Categorical.Methods = stats.Methods(drift.Categorical)
	p.Numeric.Decide = stats.MethodWassersteinNorm
	p.Numeric.Thresholds[stats.MethodWassersteinNorm] = 0.1
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	rows := Evaluate(ref, cur, p)
	methods := map[string][]string{}
	var dataset *drift.Result
	for i, r := range rows {
		if r.Family == drift.Dataset {
			dataset = &rows[i]
			continue
		}
		methods[r.Feature] = append(methods[r.Feature], r.Method)
		if !finite(r.Statistic) {
			t.Errorf("%s/%s: %v", r.Feature, r.Method, r.Statistic)
		}
	}
	has := func(f, m string) bool {
		for _, x := range methods[f] {
			if x == m {
				return true
			}
		}
		return false
	}
	// constant reference: std 0, no wasserstein_norm, so no verdict
	if has("k", stats.MethodWassersteinNorm) || !has("k", stats.MethodWasserstein) || !has("k", stats.MethodPSI) {
		t.Errorf("k rows %v", methods["k"])
	}
	// one value in both samples: scipy's anderson_ksamp raises, the other
	// tests say "no difference"
	if has("same", stats.MethodAndersonDarling) || !has("same", stats.MethodCramerVonMises) || !has("same", stats.MethodKS) {
		t.Errorf("same rows %v", methods["same"])
	}
	// z_test only for two categories; tvd always
	if has("three", stats.MethodZTest) || !has("three", stats.MethodTVD) || !has("two", stats.MethodZTest) || !has("two", stats.MethodTVD) {
		t.Errorf("three rows %v, two rows %v", methods["three"], methods["two"])
	}
	// no reference sample: only the histogram methods
	for _, m := range []string{stats.MethodKS, stats.MethodWasserstein, stats.MethodWassersteinNorm, stats.MethodEnergy,
		stats.MethodAndersonDarling, stats.MethodCramerVonMises} {
		if has("s", m) {
			t.Errorf("s has a %s row without a sample", m)
		}
	}
	if !has("s", stats.MethodPSI) || !has("s", stats.MethodHellinger) {
		t.Errorf("s rows %v", methods["s"])
	}
	// x (wasserstein_norm) and the categorical features (psi) have a
	// verdict, all identical: share 0 of 3
	if dataset == nil || dataset.Statistic != 0 || dataset.NCurrent != 3 || dataset.Drifted {
		t.Errorf("dataset row %+v", dataset)
	}
}

func TestEvaluateNothingToCompare(t *testing.T) {
	ref, cur := scenario()
	if rows := Evaluate(nil, cur, DefaultPolicy()); rows != nil {
		t.Errorf("nil reference: %v", rows)
	}
	if rows := Evaluate(ref, nil, DefaultPolicy()); rows != nil {
		t.Errorf("nil window: %v", rows)
	}
	// no feature in common and no prediction: no rows at all, in
	// particular no 0/0 dataset row
	other := &drift.WindowSummary{Model: "m", Features: []*drift.FeatureSummary{numericSummary("zzz", nil, 1)}}
	if rows := Evaluate(ref, other, DefaultPolicy()); len(rows) != 0 {
		t.Errorf("rows %v", rows)
	}
}

// TestEvaluateBooleanAndOther: boolean features use the categorical
// methods (true/false as categories); __other__ is one category.
func TestEvaluateBooleanAndOther(t *testing.T) {
	lim := drift.DefaultLimits()
	lim.MaxCategories = 2
	rb := drift.NewFeatureSummary("flag", drift.Boolean, nil, lim, 1)
	cb := drift.NewFeatureSummary("flag", drift.Boolean, nil, lim, 1)
	for i := 0; i < 10; i++ {
		rb.Observe(drift.BoolValue(i < 5)) // 5 true, 5 false
		cb.Observe(drift.BoolValue(i < 8)) // 8 true, 2 false
	}
	rc := drift.NewFeatureSummary("city", drift.Categorical, nil, lim, 1)
	cc := drift.NewFeatureSummary("city", drift.Categorical, nil, lim, 1)
	for _, v := range []string{"a", "b", "a", "b"} {
		rc.Observe(drift.StringValue(v))
	}
	for _, v := range []string{"a", "b", "c", "d"} { // c and d overflow
		cc.Observe(drift.StringValue(v))
	}
	ref := &drift.Reference{Features: []*drift.FeatureSummary{rb, rc}}
	cur := &drift.WindowSummary{Features: []*drift.FeatureSummary{cb, cc}}
	rows := Evaluate(ref, cur, DefaultPolicy())
	got := map[string]float64{}
	for _, r := range rows {
		got[r.Feature+"/"+r.Method] = r.Statistic
	}
	// flag: false, true = ref (5, 5), cur (2, 8): N = 20, expected 3.5 and
	// 6.5 per row: chi2 = 2 (1.5^2/3.5 + 1.5^2/6.5) = 4.5 (1/3.5 + 1/6.5).
	if want := 4.5 * (1/3.5 + 1/6.5); math.Abs(got["flag/chi2"]-want) > 1e-12 {
		t.Errorf("flag chi2 %v, want %v", got["flag/chi2"], want)
	}
	// city: __other__, a, b = ref (0, 2, 2), cur (2, 1, 1):
	// psi = (0.5 - 1e-4) ln(0.5/1e-4) + 2 (0.25 - 0.5) ln(0.5).
	if want := (0.5-1e-4)*math.Log(0.5/1e-4) + 2*(0.25-0.5)*math.Log(0.5); math.Abs(got["city/psi"]-want) > 1e-12 {
		t.Errorf("city psi %v, want %v", got["city/psi"], want)
	}
}

// TestEvaluateSubsampledWindow: past the sample bound, the sample tests run
// on the uniform sample (and say so in NCurrent) while the histogram
// methods keep the window's exact counts.
func TestEvaluateSubsampledWindow(t *testing.T) {
	lim := drift.DefaultLimits()
	lim.SampleSize = 50
	edges := []float64{100}
	rs := drift.NewFeatureSummary("a", drift.Numeric, edges, lim, 1)
	cs := drift.NewFeatureSummary("a", drift.Numeric, edges, lim, 2)
	for i := 0; i < 40; i++ {
		rs.Observe(drift.NumberValue(float64(i * 5))) // 0..195: 20 below 100, 20 above
	}
	for i := 0; i < 300; i++ {
		cs.Observe(drift.NumberValue(float64(i))) // 100 below, 200 above
	}
	p := fixedPolicy()
	p.Numeric.Methods = []string{stats.MethodPSI, stats.MethodKS, stats.MethodWasserstein, stats.MethodEnergy}
	rows := Evaluate(&drift.Reference{Features: []*drift.FeatureSummary{rs}},
		&drift.WindowSummary{Features: []*drift.FeatureSummary{cs}}, p)
	n := map[string][2]uint64{}
	for _, r := range rows {
		n[r.Method] = [2]uint64{r.NReference, r.NCurrent}
	}
	// psi from exact counts; ks and wasserstein from the window's sketch,
	// which saw all 300 values; energy, which has no sketch version, from
	// the 50-value subsample.
	want := map[string][2]uint64{"psi": {40, 300}, "ks": {40, 300}, "wasserstein": {40, 300}, "energy": {40, 50}, "drifted_share": {1, 1}}
	if !maps.Equal(n, want) {
		t.Errorf("counts used %v, want %v", n, want)
	}
	// psi from exact counts (20, 20) vs (100, 200):
	// (1/3 - 1/2) ln(2/3) + (2/3 - 1/2) ln(4/3).
	psi := (1.0/3-0.5)*math.Log(2.0/3) + (2.0/3-0.5)*math.Log(4.0/3)
	if rows[0].Method != "psi" || math.Abs(rows[0].Statistic-psi) > 1e-15 {
		t.Errorf("%s = %v, want psi %v", rows[0].Method, rows[0].Statistic, psi)
	}
	// By hand: the CDFs are furthest apart at 195, where the reference's
	// reaches 1 and the window's 196/300. The sketch (one compaction of
	// 256 values) is within a few ranks of that.
	if d := rows[1].Statistic; rows[1].Method != "ks" || math.Abs(d-(1-196.0/300)) > 0.01 {
		t.Errorf("%s = %v, want ks %v within 0.01", rows[1].Method, d, 1-196.0/300)
	}
}

// TestReportOnlyRowsNeverDrifted: of a feature's rows only the decision
// row may say drifted, under the default (calibrated) policy, a fixed one
// and a correction alike, even where a reported method is far past its
// own threshold (Flagged says so); a feature whose decide method has no
// value has no verdict and no drifted row.
func TestReportOnlyRowsNeverDrifted(t *testing.T) {
	ref, cur := scenario()
	// k: a constant reference, so wasserstein_norm (deciding below) has
	// no value, while psi moves far past 0.2.
	ref.Features = append(ref.Features, numericSummary("k", []float64{5}, 5, 5, 5, 5))
	cur.Features = append(cur.Features, numericSummary("k", []float64{5}, 1, 1, 1, 1))
	normDecides := fixedPolicy()
	normDecides.Numeric.Methods = []string{stats.MethodPSI, stats.MethodKS, stats.MethodWassersteinNorm}
	normDecides.Numeric.Decide = stats.MethodWassersteinNorm
	normDecides.Numeric.Thresholds[stats.MethodWassersteinNorm] = 0.1
	corrected := fixedPolicy()
	corrected.Numeric.Decide = stats.MethodKS
	corrected.Correction = CorrectionBonferroni
	policies := map[string]Policy{"default": DefaultPolicy(), "fixed": fixedPolicy(),
		"no verdict for k": normDecides, "bonferroni": corrected}
	for name, p := range policies {
		t.Run(name, func(t *testing.T) {
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			flaggedReports := 0
			verdicts := map[string]int{}
			for _, r := range Evaluate(ref, cur, p) {
				if r.Family != drift.Covariate && r.Family != drift.Prior {
					continue
				}
				if r.Decision {
					verdicts[r.Feature]++
					if r.Drifted != Flagged(r) {
						t.Errorf("%s/%s: decision row drifted %v, flagged %v", r.Feature, r.Method, r.Drifted, Flagged(r))
					}
					continue
				}
				if r.Drifted {
					t.Errorf("%s/%s: a reported row is drifted (statistic %v, threshold %v)", r.Feature, r.Method, r.Statistic, r.Threshold)
				}
				if Flagged(r) {
					flaggedReports++
				}
				if r.ThresholdSource != "" {
					t.Errorf("%s/%s: a reported row has threshold source %q", r.Feature, r.Method, r.ThresholdSource)
				}
			}
			for f, n := range verdicts {
				if n != 1 {
					t.Errorf("%s: %d decision rows", f, n)
				}
			}
			if _, ok := verdicts["k"]; ok == (name == "no verdict for k") {
				t.Errorf("k has a verdict: %v", ok)
			}
			// a's psi (3.5) and c's chi2 (p = 0.014) are past their
			// usual levels wherever they only report.
			if flaggedReports == 0 {
				t.Errorf("no reported row past its threshold: the scenario no longer tests anything")
			}
		})
	}
}

// TestFlagged: Flagged judges reported covariate and prior rows by their
// numbers, and leaves every other row's Drifted as it is.
func TestFlagged(t *testing.T) {
	p := func(x float64) *float64 { return &x }
	tests := []struct {
		name string
		r    drift.Result
		want bool
	}{
		{"reported distance past its threshold", drift.Result{Family: drift.Covariate, Method: stats.MethodPSI, Statistic: 0.3, Threshold: 0.2}, true},
		{"reported distance below", drift.Result{Family: drift.Covariate, Method: stats.MethodPSI, Statistic: 0.1, Threshold: 0.2}, false},
		{"reported test", drift.Result{Family: drift.Prior, Method: stats.MethodKS, Statistic: 0.3, PValue: p(0.01), Threshold: 0.05}, true},
		{"reported with threshold 0", drift.Result{Family: drift.Covariate, Method: stats.MethodWasserstein, Statistic: 3}, false},
		{"decision row: its verdict", drift.Result{Family: drift.Covariate, Method: stats.MethodPSI, Statistic: 0.3, Threshold: 0.2, Decision: true}, false},
		{"bbse row: reported, not judged", drift.Result{Family: drift.Prior, Method: "bbse_prior", Statistic: 0.7, Threshold: 0.5}, false},
		{"quality check: its own result", drift.Result{Family: drift.Quality, Method: "missing_share", Statistic: 0.1, Threshold: 0.2, Drifted: true}, true},
		{"concept metric: its own result", drift.Result{Family: drift.Concept, Method: "f1_macro", Statistic: 0.5, Threshold: 0.7, Drifted: true}, true},
	}
	for _, tt := range tests {
		if got := Flagged(tt.r); got != tt.want {
			t.Errorf("%s: Flagged = %v, want %v", tt.name, got, tt.want)
		}
	}
}
