package reference

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/sketch"
)

// ErrNoWindows: FromWindows was given nothing to merge.
var ErrNoWindows = errors.New("no windows")

// FromWindows merges stored window summaries (a pinned production range,
// or the previous window) into a reference for model at version; source
// says what they were ("window:FROM/TO" or "previous"). The windows must
// belong to model, declare the same features with the same kinds, and have
// been binned over the same edges: counts then add up exactly. The windows
// are not modified and the reference shares nothing with them.
//
// The reference keeps the first window's bounds: sample capacity, category
// bound and sketch accuracy.
func FromWindows(model, version, source string, ws []*drift.WindowSummary) (*drift.Reference, error) {
	if len(ws) == 0 {
		return nil, fmt.Errorf("reference from windows of %q: %w", model, ErrNoWindows)
	}
	// Nil entries would panic in WindowSummary.Feature: refuse them first.
	for i, w := range ws {
		if w == nil {
			return nil, fmt.Errorf("reference from windows of %q: window %d is nil", model, i)
		}
		if j := slices.Index(w.Features, nil); j >= 0 {
			return nil, fmt.Errorf("reference from windows of %q: window seq %d: feature %d is nil", model, w.Seq, j)
		}
	}
	first := ws[0]
	ref := &drift.Reference{Model: model, ModelVersion: version, Source: source,
		Features: make([]*drift.FeatureSummary, len(first.Features))}
	for i, f := range first.Features {
		ref.Features[i] = emptyLike(f)
	}
	if first.Prediction != nil {
		ref.Prediction = emptyLike(first.Prediction)
	}
	for _, w := range ws {
		if err := mergeWindow(ref, w); err != nil {
			return nil, fmt.Errorf("reference from windows of %q: window seq %d: %w", model, w.Seq, err)
		}
	}
	return ref, nil
}

func mergeWindow(ref *drift.Reference, w *drift.WindowSummary) error {
	if w.Model != ref.Model {
		return fmt.Errorf("belongs to model %q", w.Model)
	}
	if len(w.Features) != len(ref.Features) {
		return fmt.Errorf("%d features, the first window has %d", len(w.Features), len(ref.Features))
	}
	for _, rf := range ref.Features {
		wf := w.Feature(rf.Name)
		if wf == nil {
			return fmt.Errorf("feature %q: absent", rf.Name)
		}
		if err := merge(rf, wf); err != nil {
			return fmt.Errorf("feature %q: %w", rf.Name, err)
		}
	}
	switch {
	case (ref.Prediction == nil) != (w.Prediction == nil):
		return errors.New("prediction summary in some windows only")
	case ref.Prediction != nil:
		if err := merge(ref.Prediction, w.Prediction); err != nil {
			return fmt.Errorf("prediction: %w", err)
		}
	}
	return nil
}

// merge adds wf into rf after checking what FeatureSummary.Merge assumes:
// the same kind and the same edges, not only as many bins.
func merge(rf, wf *drift.FeatureSummary) error {
	if rf.Kind != wf.Kind {
		return fmt.Errorf("kind %s, the first window has %s", wf.Kind, rf.Kind)
	}
	if !slices.Equal(rf.Edges, wf.Edges) {
		return fmt.Errorf("edges %v, the first window has %v", wf.Edges, rf.Edges)
	}
	return rf.Merge(wf)
}

// emptyLike returns an empty summary with f's name, kind, edges (copied)
// and bounds.
func emptyLike(f *drift.FeatureSummary) *drift.FeatureSummary {
	lim := drift.DefaultLimits()
	if f.MaxCategories > 0 {
		lim.MaxCategories = f.MaxCategories
	}
	if c := sampleCap(f.Sample); c > 0 {
		lim.SampleSize = c
	}
	if f.Sketch != nil {
		lim.SketchK = f.Sketch.K()
	}
	return drift.NewFeatureSummary(f.Name, f.Kind, slices.Clone(f.Edges), lim, seed(f.Name))
}

// sampleCap is the capacity of r, or 0 when unknown. The reservoir says it
// only in its stored (JSON) form, which is the contract storage relies on.
func sampleCap(r *sketch.Reservoir) int {
	if r == nil {
		return 0
	}
	b, err := json.Marshal(r)
	if err != nil {
		return 0
	}
	var v struct {
		Cap int `json:"cap"`
	}
	if json.Unmarshal(b, &v) != nil {
		return 0
	}
	return v.Cap
}
