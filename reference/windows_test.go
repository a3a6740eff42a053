package reference

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/drift"
)

// testWindow builds a window of model "m" binned over edges: xs are the
// values of the numeric feature x, cs of the categorical feature c, ps of
// the class prediction.
func testWindow(seq int64, edges []float64, lim drift.Limits, xs []drift.Value, cs, ps []string) *drift.WindowSummary {
	w := &drift.WindowSummary{Model: "m", ModelVersion: "1", Seq: seq,
		Features: []*drift.FeatureSummary{
			drift.NewFeatureSummary("x", drift.Numeric, edges, lim, uint64(seq)),
			drift.NewFeatureSummary("c", drift.Categorical, nil, lim, uint64(seq)),
		},
		Prediction: drift.NewFeatureSummary("prediction", drift.Categorical, nil, lim, uint64(seq)),
	}
	for _, v := range xs {
		w.Features[0].Observe(v)
	}
	for _, v := range cs {
		if v == "" {
			w.Features[1].Observe(drift.Value{Kind: drift.Missing})
		} else {
			w.Features[1].Observe(drift.StringValue(v))
		}
	}
	for _, v := range ps {
		w.Prediction.Observe(drift.StringValue(v))
	}
	return w
}

func num(f float64) drift.Value { return drift.NumberValue(f) }

// threeWindows are binned over edges {1, 2}: bins (-inf,1), [1,2), [2,inf).
func threeWindows(lim drift.Limits) []*drift.WindowSummary {
	edges := []float64{1, 2}
	return []*drift.WindowSummary{
		// x bins [1 2 1], missing 1.
		testWindow(1, edges, lim, []drift.Value{num(0.5), num(1), num(1.5), num(2), {Kind: drift.Missing}},
			[]string{"a", "a", "b"}, []string{"UP", "DOWN"}),
		// x bins [0 0 1], invalid 1 (NaN).
		testWindow(2, edges, lim, []drift.Value{num(3), num(math.NaN())},
			[]string{"b", "c", ""}, []string{"UP"}),
		// x bins [1 0 0].
		testWindow(3, edges, lim, []drift.Value{num(-1)}, nil, nil),
	}
}

func TestFromWindows(t *testing.T) {
	ws := threeWindows(drift.Limits{SampleSize: 10, MaxCategories: 10, SketchK: 64})
	ref, err := FromWindows("m", "1", "window:a/b", ws)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Model != "m" || ref.ModelVersion != "1" || ref.Source != "window:a/b" {
		t.Errorf("reference labelled %q %q %q", ref.Model, ref.ModelVersion, ref.Source)
	}
	x := ref.Feature("x")
	// By hand: bins [1 2 1] + [0 0 1] + [1 0 0]; values 0.5 1 1.5 2 3 -1.
	if want := []uint64{2, 2, 2}; !slices.Equal(x.BinCounts, want) {
		t.Errorf("x bins %v, want %v", x.BinCounts, want)
	}
	if x.Count != 6 || x.Missing != 1 || x.Invalid != 1 || x.Sum != 7 || x.Min != -1 || x.Max != 3 {
		t.Errorf("x count %d missing %d invalid %d sum %v min %v max %v, want 6 1 1 7 -1 3",
			x.Count, x.Missing, x.Invalid, x.Sum, x.Min, x.Max)
	}
	sample := slices.Sorted(slices.Values(x.Sample.Values()))
	if !x.Sample.Complete() || !slices.Equal(sample, []float64{-1, 0.5, 1, 1.5, 2, 3}) {
		t.Errorf("x sample %v (complete %v), want all six values", sample, x.Sample.Complete())
	}
	if x.Sketch.Count() != 6 || x.Sketch.K() != 64 {
		t.Errorf("x sketch counts %d values with k %d, want 6 with the windows' k 64", x.Sketch.Count(), x.Sketch.K())
	}
	c := ref.Feature("c")
	if want := map[string]uint64{"a": 2, "b": 2, "c": 1}; !mapsEqual(c.Categories, want) || c.Count != 5 || c.Missing != 1 {
		t.Errorf("c categories %v count %d missing %d, want %v 5 1", c.Categories, c.Count, c.Missing, want)
	}
	if want := map[string]uint64{"UP": 2, "DOWN": 1}; ref.Prediction == nil || !mapsEqual(ref.Prediction.Categories, want) {
		t.Errorf("prediction %+v, want categories %v", ref.Prediction, want)
	}

	// The windows are untouched and share nothing with the reference.
	if !slices.Equal(ws[0].Features[0].BinCounts, []uint64{1, 2, 1}) || ws[0].Features[1].Categories["a"] != 2 {
		t.Errorf("first window changed: %v %v", ws[0].Features[0].BinCounts, ws[0].Features[1].Categories)
	}
	x.Edges[0] = 99
	if ws[0].Features[0].Edges[0] != 1 {
		t.Error("reference edges alias the windows' edges")
	}
}

func TestFromWindowsKeepsBounds(t *testing.T) {
	// Three sample slots and two categories, as the windows were built:
	// six values leave an incomplete sample of three, and c goes to
	// __other__ once a and b are in.
	ref, err := FromWindows("m", "1", "previous", threeWindows(drift.Limits{SampleSize: 3, MaxCategories: 2, SketchK: 64}))
	if err != nil {
		t.Fatal(err)
	}
	x := ref.Feature("x")
	if len(x.Sample.Values()) != 3 || x.Sample.Seen() != 6 || x.Sample.Complete() {
		t.Errorf("sample of %d values, seen %d, want 3 of 6", len(x.Sample.Values()), x.Sample.Seen())
	}
	if want := map[string]uint64{"a": 2, "b": 2, drift.OtherCategory: 1}; !mapsEqual(ref.Feature("c").Categories, want) {
		t.Errorf("categories %v, want %v", ref.Feature("c").Categories, want)
	}
}

func TestFromWindowsErrors(t *testing.T) {
	lim := drift.Limits{SampleSize: 10, MaxCategories: 10, SketchK: 64}
	tests := []struct {
		name   string
		mangle func(ws []*drift.WindowSummary) []*drift.WindowSummary
		want   string
		is     error
	}{
		{name: "no windows", mangle: func([]*drift.WindowSummary) []*drift.WindowSummary { return nil },
			want: `reference from windows of "m": no windows`, is: ErrNoWindows},
		{name: "nil window", mangle: func(ws []*drift.WindowSummary) []*drift.WindowSummary { ws[1] = nil; return ws },
			want: `reference from windows of "m": window 1 is nil`},
		{name: "nil feature", mangle: func(ws []*drift.WindowSummary) []*drift.WindowSummary { ws[2].Features[0] = nil; return ws },
			want: `reference from windows of "m": window seq 3: feature 0 is nil`},
		{name: "other model", mangle: func(ws []*drift.WindowSummary) []*drift.WindowSummary { ws[1].Model = "n"; return ws },
			want: `reference from windows of "m": window seq 2: belongs to model "n"`},
		{name: "other edges", mangle: func(ws []*drift.WindowSummary) []*drift.WindowSummary {
			ws[2].Features[0].Edges = []float64{1, 2.5}
			return ws
		}, want: `reference from windows of "m": window seq 3: feature "x": edges [1 2.5], the first window has [1 2]`},
		{name: "feature absent", mangle: func(ws []*drift.WindowSummary) []*drift.WindowSummary { ws[1].Features[1].Name = "d"; return ws },
			want: `reference from windows of "m": window seq 2: feature "c": absent`},
		{name: "fewer features", mangle: func(ws []*drift.WindowSummary) []*drift.WindowSummary { ws[1].Features = ws[1].Features[:1]; return ws },
			want: `reference from windows of "m": window seq 2: 1 features, the first window has 2`},
		{name: "other kind", mangle: func(ws []*drift.WindowSummary) []*drift.WindowSummary {
			ws[1].Features[1] = drift.NewFeatureSummary("c", drift.Boolean, nil, lim, 0)
			return ws
		}, want: `reference from windows of "m": window seq 2: feature "c": kind boolean, the first window has categorical`},
		{name: "prediction in some windows", mangle: func(ws []*drift.WindowSummary) []*drift.WindowSummary { ws[2].Prediction = nil; return ws },
			want: `reference from windows of "m": window seq 3: prediction summary in some windows only`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ref, err := FromWindows("m", "1", "previous", tc.mangle(threeWindows(lim)))
			if err == nil {
				t.Fatalf("no error; reference %+v", ref)
			}
			if err.Error() != tc.want {
				t.Errorf("error %q\n want %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			if strings.Count(err.Error(), "reference from windows") != 1 {
				t.Errorf("error %q wrapped twice", err)
			}
		})
	}
}
