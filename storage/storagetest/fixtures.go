package storagetest

import (
	"math"
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
)

// t0 is the suite's reference time: whole seconds, so that result times
// (DateTime) compare exactly unless a test means otherwise.
var t0 = time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)

// fullWindow builds a window exercising every summary field through
// drift.NewFeatureSummary and Observe. checkFullWindow asserts the
// hand-computed values, so the round trip compares against a known state.
func fullWindow(model, version string, seq int64, start time.Time) *drift.WindowSummary {
	lim := drift.Limits{SampleSize: 100, MaxCategories: 2, SketchK: 8}
	amount := drift.NewFeatureSummary("amount", drift.Numeric, []float64{10, 20, 30}, lim, 1)
	for _, v := range []drift.Value{
		drift.NumberValue(5), drift.NumberValue(12.5), drift.NumberValue(12.5), drift.NumberValue(25),
		drift.NumberValue(40), drift.NumberValue(31), {}, drift.NumberValue(math.NaN()), drift.StringValue("x"),
	} {
		amount.Observe(v)
	}
	country := drift.NewFeatureSummary("country", drift.Categorical, nil, lim, 2)
	for _, v := range []drift.Value{
		drift.StringValue("DE"), drift.StringValue("DE"), drift.StringValue("FR"), drift.StringValue("US"), {},
	} {
		country.Observe(v)
	}
	isNew := drift.NewFeatureSummary("is_new", drift.Boolean, nil, lim, 3)
	for _, v := range []drift.Value{
		drift.BoolValue(true), drift.BoolValue(false), drift.BoolValue(true), drift.NumberValue(1), drift.StringValue("maybe"),
	} {
		isNew.Observe(v)
	}
	age := drift.NewFeatureSummary("age", drift.Numeric, nil, drift.Limits{SampleSize: 4, MaxCategories: 2, SketchK: 8}, 4)
	for _, x := range []float64{1, 2, 3, 4, 5, 6} {
		age.Observe(drift.NumberValue(x))
	}
	pred := drift.NewFeatureSummary("prediction", drift.Numeric, []float64{0.5}, lim, 5)
	for _, x := range []float64{0.1, 0.9, 0.7} {
		pred.Observe(drift.NumberValue(x))
	}
	return &drift.WindowSummary{
		Model: model, ModelVersion: version, Seq: seq,
		Start: start, End: start.Add(5 * time.Minute),
		Events: 9, Late: 2,
		// Quality counters ride in a row of their own (codec.RoleQuality).
		DuplicateIDs: 3, Undeclared: map[string]uint64{"extra": 2, drift.OtherCategory: 1},
		Features:   []*drift.FeatureSummary{amount, country, isNew, age},
		Prediction: pred,
	}
}

// checkFullWindow asserts fullWindow's values, computed by hand:
//
//	amount: valid 5, 12.5, 12.5, 25, 40, 31; one missing; NaN and "x"
//	  invalid. Sum 126; sum of squares 25+156.25+156.25+625+1600+961 =
//	  3523.5; bins (-inf,10) [10,20) [20,30) [30,inf) hold 1, 2, 1, 2.
//	country: DE DE FR fill the two slots; US goes to __other__; one missing.
//	is_new: true false true, 1 -> "true"; "maybe" invalid.
//	age: 1..6 into a sample of 4: seen 6, 4 kept, not complete; no edges,
//	  so one bin holding 6.
//	prediction: 0.1 | 0.9 0.7 around 0.5.
func checkFullWindow(t *testing.T, w *drift.WindowSummary) {
	t.Helper()
	a := w.Feature("amount")
	if a.Count != 6 || a.Missing != 1 || a.Invalid != 2 || a.Sum != 126 || a.SumSq != 3523.5 ||
		a.Min != 5 || a.Max != 40 || !equalU64(a.BinCounts, []uint64{1, 2, 1, 2}) {
		t.Fatalf("fixture amount = %+v", a)
	}
	if a.Sample.Seen() != 6 || !a.Sample.Complete() {
		t.Fatalf("fixture amount sample: seen %d complete %v", a.Sample.Seen(), a.Sample.Complete())
	}
	c := w.Feature("country")
	if c.Count != 4 || c.Missing != 1 || len(c.Categories) != 3 ||
		c.Categories["DE"] != 2 || c.Categories["FR"] != 1 || c.Categories[drift.OtherCategory] != 1 {
		t.Fatalf("fixture country = %+v", c)
	}
	b := w.Feature("is_new")
	if b.Count != 4 || b.Invalid != 1 || b.Categories["true"] != 3 || b.Categories["false"] != 1 {
		t.Fatalf("fixture is_new = %+v", b)
	}
	g := w.Feature("age")
	if g.Sample.Seen() != 6 || len(g.Sample.Values()) != 4 || g.Sample.Complete() || !equalU64(g.BinCounts, []uint64{6}) {
		t.Fatalf("fixture age sample: seen %d kept %d", g.Sample.Seen(), len(g.Sample.Values()))
	}
	if p := w.Prediction; p.Count != 3 || !equalU64(p.BinCounts, []uint64{1, 2}) {
		t.Fatalf("fixture prediction = %+v", p)
	}
}

// smallWindow is a one-feature window whose amount summary saw values.
func smallWindow(model, version string, seq int64, start time.Time, values ...float64) *drift.WindowSummary {
	lim := drift.Limits{SampleSize: 10, MaxCategories: 10, SketchK: 8}
	f := drift.NewFeatureSummary("amount", drift.Numeric, []float64{0}, lim, uint64(seq))
	for _, x := range values {
		f.Observe(drift.NumberValue(x))
	}
	return &drift.WindowSummary{Model: model, ModelVersion: version, Seq: seq,
		Start: start, End: start.Add(5 * time.Minute), Events: uint64(len(values)),
		Features: []*drift.FeatureSummary{f}}
}

func pf(x float64) *float64 { return &x }

// result returns a covariate ks result of feature in the window at start.
func result(model, feature string, start time.Time, statistic float64) drift.Result {
	return drift.Result{Model: model, ModelVersion: "1", Family: drift.Covariate, Feature: feature,
		Method: "ks", WindowSeq: 1, WindowStart: start, WindowEnd: start.Add(5 * time.Minute),
		Statistic: statistic, PValue: pf(0.5), Threshold: 0.05, NReference: 100, NCurrent: 10}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
