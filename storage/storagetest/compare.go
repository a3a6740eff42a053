package storagetest

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/sketch"
	"github.com/driftmon/driftmon/storage/internal/codec"
)

// The comparisons return a description of every difference, "" when equal.
// Floats compare exactly (a store must not round), NaN equal to NaN.

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func sameFloats(a, b []float64) bool {
	return slices.EqualFunc(a, b, sameFloat) // nil equals empty
}

type diffs []string

func (d *diffs) add(format string, args ...any) { *d = append(*d, fmt.Sprintf(format, args...)) }

func (d diffs) String() string { return strings.Join(d, "; ") }

func diffWindow(want, got *drift.WindowSummary) string {
	var d diffs
	if want.Model != got.Model || want.ModelVersion != got.ModelVersion || want.Seq != got.Seq {
		d.add("key %s/%s/%d, want %s/%s/%d", got.Model, got.ModelVersion, got.Seq, want.Model, want.ModelVersion, want.Seq)
	}
	if !want.Start.Equal(got.Start) || !want.End.Equal(got.End) {
		d.add("span [%s, %s), want [%s, %s)", got.Start, got.End, want.Start, want.End)
	}
	if want.Events != got.Events || want.Late != got.Late {
		d.add("events/late %d/%d, want %d/%d", got.Events, got.Late, want.Events, want.Late)
	}
	if want.DuplicateIDs != got.DuplicateIDs || !maps.Equal(want.Undeclared, got.Undeclared) {
		d.add("duplicates/undeclared %d/%v, want %d/%v", got.DuplicateIDs, got.Undeclared, want.DuplicateIDs, want.Undeclared)
	}
	if len(want.Features) != len(got.Features) {
		d.add("%d features, want %d", len(got.Features), len(want.Features))
	} else {
		for i := range want.Features {
			if s := diffSummary(want.Features[i], got.Features[i]); s != "" {
				d.add("feature %d: %s", i, s)
			}
		}
	}
	switch {
	case (want.Prediction == nil) != (got.Prediction == nil):
		d.add("prediction %v, want %v", got.Prediction != nil, want.Prediction != nil)
	case want.Prediction != nil:
		if s := diffSummary(want.Prediction, got.Prediction); s != "" {
			d.add("prediction: %s", s)
		}
	}
	return d.String()
}

func diffSummary(want, got *drift.FeatureSummary) string {
	var d diffs
	if want.Name != got.Name || want.Kind != got.Kind {
		d.add("%s %s, want %s %s", got.Name, got.Kind, want.Name, want.Kind)
	}
	if want.Count != got.Count || want.Missing != got.Missing || want.Invalid != got.Invalid {
		d.add("count/missing/invalid %d/%d/%d, want %d/%d/%d", got.Count, got.Missing, got.Invalid, want.Count, want.Missing, want.Invalid)
	}
	if !sameFloat(want.Sum, got.Sum) || !sameFloat(want.SumSq, got.SumSq) || !sameFloat(want.Min, got.Min) || !sameFloat(want.Max, got.Max) {
		d.add("sum/sumsq/min/max %v/%v/%v/%v, want %v/%v/%v/%v", got.Sum, got.SumSq, got.Min, got.Max, want.Sum, want.SumSq, want.Min, want.Max)
	}
	if !sameFloats(want.Edges, got.Edges) {
		d.add("edges %v, want %v", got.Edges, want.Edges)
	}
	if !slices.Equal(want.BinCounts, got.BinCounts) {
		d.add("bin counts %v, want %v", got.BinCounts, want.BinCounts)
	}
	if (want.Categories == nil) != (got.Categories == nil) || len(want.Categories) != len(got.Categories) {
		d.add("categories %v, want %v", got.Categories, want.Categories)
	} else {
		for k, v := range want.Categories {
			if g, ok := got.Categories[k]; !ok || g != v {
				d.add("category %q = %d, want %d", k, g, v)
			}
		}
	}
	if want.MaxCategories != got.MaxCategories {
		d.add("max categories %d, want %d", got.MaxCategories, want.MaxCategories)
	}
	if s := diffSample(want.Sample, got.Sample); s != "" {
		d.add("sample: %s", s)
	}
	if s := diffSketch(want.Sketch, got.Sketch); s != "" {
		d.add("sketch: %s", s)
	}
	return d.String()
}

func diffSample(want, got *sketch.Reservoir) string {
	if want == nil || got == nil {
		if want != got {
			return fmt.Sprintf("present %v, want %v", got != nil, want != nil)
		}
		return ""
	}
	// The JSON form holds values, seen and capacity: all a reservoir keeps
	// besides its random stream.
	wj, err1 := want.MarshalJSON()
	gj, err2 := got.MarshalJSON()
	if err1 != nil || err2 != nil || !bytes.Equal(wj, gj) {
		return fmt.Sprintf("%s, want %s", gj, wj)
	}
	if want.Complete() != got.Complete() {
		return fmt.Sprintf("complete %v, want %v", got.Complete(), want.Complete())
	}
	return ""
}

// diffSketch compares what a sketch answers: its count, quantiles and CDF
// over a grid, and its serialised form.
func diffSketch(want, got *sketch.KLL) string {
	if want == nil || got == nil {
		if want != got {
			return fmt.Sprintf("present %v, want %v", got != nil, want != nil)
		}
		return ""
	}
	var d diffs
	if want.Count() != got.Count() {
		d.add("count %d, want %d", got.Count(), want.Count())
	}
	for _, q := range []float64{0, 0.1, 0.25, 0.5, 0.75, 0.9, 1} {
		if w, g := want.Quantile(q), got.Quantile(q); !sameFloat(w, g) {
			d.add("quantile(%v) %v, want %v", q, g, w)
		}
	}
	for _, x := range []float64{-1, 0.5, 5, 12.5, 30, 100} {
		if w, g := want.CDF(x), got.CDF(x); !sameFloat(w, g) {
			d.add("cdf(%v) %v, want %v", x, g, w)
		}
	}
	wb, err1 := codec.EncodeSketch(want)
	gb, err2 := codec.EncodeSketch(got)
	if err1 != nil || err2 != nil || !bytes.Equal(wb, gb) {
		d.add("encoded form differs (%v, %v)", err1, err2)
	}
	return d.String()
}

func diffResult(want, got drift.Result) string {
	var d diffs
	if want.Model != got.Model || want.ModelVersion != got.ModelVersion || want.Family != got.Family ||
		want.Feature != got.Feature || want.Method != got.Method || want.WindowSeq != got.WindowSeq {
		d.add("key %s/%s/%s/%s/%s/%d, want %s/%s/%s/%s/%s/%d",
			got.Model, got.ModelVersion, got.Family, got.Feature, got.Method, got.WindowSeq,
			want.Model, want.ModelVersion, want.Family, want.Feature, want.Method, want.WindowSeq)
	}
	if !want.WindowStart.Equal(got.WindowStart) || !want.WindowEnd.Equal(got.WindowEnd) {
		d.add("window [%s, %s), want [%s, %s)", got.WindowStart, got.WindowEnd, want.WindowStart, want.WindowEnd)
	}
	if !sameFloat(want.Statistic, got.Statistic) || !sameFloat(want.Threshold, got.Threshold) {
		d.add("statistic/threshold %v/%v, want %v/%v", got.Statistic, got.Threshold, want.Statistic, want.Threshold)
	}
	switch {
	case (want.PValue == nil) != (got.PValue == nil):
		d.add("p-value present %v, want %v", got.PValue != nil, want.PValue != nil)
	case want.PValue != nil && !sameFloat(*want.PValue, *got.PValue):
		d.add("p-value %v, want %v", *got.PValue, *want.PValue)
	}
	if want.Drifted != got.Drifted || want.Decision != got.Decision || want.ThresholdSource != got.ThresholdSource {
		d.add("drifted/decision/threshold_source %v/%v/%q, want %v/%v/%q",
			got.Drifted, got.Decision, got.ThresholdSource, want.Drifted, want.Decision, want.ThresholdSource)
	}
	if want.NReference != got.NReference || want.NCurrent != got.NCurrent || want.Version != got.Version {
		d.add("n_ref/n_cur/version %d/%d/%d, want %d/%d/%d", got.NReference, got.NCurrent, got.Version, want.NReference, want.NCurrent, want.Version)
	}
	return d.String()
}
