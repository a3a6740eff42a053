package monitor

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/driftmon/driftmon/concept"
	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/quality"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/labels"
	"github.com/driftmon/driftmon/reference"
	"github.com/driftmon/driftmon/sketch"
	"github.com/driftmon/driftmon/window"
)

// Model is one monitored model: what its config says, as the objects that
// do it at run time.
type Model struct {
	Name    string
	Version string
	// Spec cuts the model's events into windows.
	Spec window.Spec
	// Drift decides each feature's drift; Quality runs the data-quality
	// checks.
	Drift   detectors.Policy
	Quality quality.Policy
	// Source is what the model's windows are compared with.
	Source Source
	// Labels is the model's label side; nil when its output is not
	// monitored (no prediction in its config).
	Labels *labels.Model
	// Freshness is how long the model may send nothing before its
	// freshness check fails (0: reported, never failing).
	Freshness time.Duration
	// cal keeps the model's reference prepared for evaluation and the
	// thresholds calibrated on it: a file or pinned-window reference is
	// prepared once and calibrates once per feature and window size; a
	// previous-window reference, new every window, each time.
	cal *detectors.Calibrations
}

// Models are the monitored models of a config, in config order.
type Models struct {
	list   []*Model
	byName map[string]*Model
}

// NewModels indexes models by name.
func NewModels(models ...*Model) *Models {
	ms := &Models{list: models, byName: make(map[string]*Model, len(models))}
	for _, m := range models {
		ms.byName[m.Name] = m
	}
	return ms
}

// Get returns the model called name, nil when none is.
func (ms *Models) Get(name string) *Model { return ms.byName[name] }

// All returns the models in config order.
func (ms *Models) All() []*Model { return ms.list }

// Specs are the models' window specs, for the windower.
func (ms *Models) Specs() []window.Spec {
	out := make([]window.Spec, len(ms.list))
	for i, m := range ms.list {
		out[i] = m.Spec
	}
	return out
}

// Freshness is, per model, its freshness limit, for the pipeline.
func (ms *Models) Freshness() map[string]time.Duration {
	out := make(map[string]time.Duration, len(ms.list))
	for _, m := range ms.list {
		out[m.Name] = m.Freshness
	}
	return out
}

// Labels are the label sides of the models that monitor their output.
func (ms *Models) Labels() map[string]*labels.Model {
	out := map[string]*labels.Model{}
	for _, m := range ms.list {
		if m.Labels != nil {
			out[m.Name] = m.Labels
		}
	}
	return out
}

// FileReference returns a model's file reference (fixed at start, so
// reading it needs no lock), nil for a model compared with windows.
func (ms *Models) FileReference(model string) *drift.Reference {
	if m := ms.byName[model]; m != nil {
		if f, ok := m.Source.(*fileSource); ok {
			return f.ref
		}
	}
	return nil
}

// ReferenceValues bounds what serve keeps of a file reference's numeric
// column: its values while there are at most this many (or this many
// distinct ones), else a summary of this many entries (sketch.Compact):
// 24 KiB a column, with the bins in file order and the CDF compared with
// big windows 56 KiB at most (see detectors.Calibrations.Bound).
const ReferenceValues = sketch.DefaultCompactCap

// Build turns every model of cfg into its Model, reading each reference
// file once. config.Validate has checked each model's keys and policies
// at their lines; errors here are about the reference files.
//
// Models are built GOMAXPROCS at a time: reading and summarising a
// reference is CPU-bound (parsing, the summaries, the deciles), and one
// after the other a thousand models with 20,000-row references took over
// a minute. The error is the one the models in config order would meet
// first: models are taken in order, none is started after a failed one,
// and those started before it finish, so every model before the first
// failure has run to its end.
func Build(ctx context.Context, cfg *config.Config) (*Models, error) {
	n := len(cfg.Models)
	ms := make([]*Model, n)
	errs := make([]error, n)
	var next atomic.Int64 // the next model to build
	var failed atomic.Int64
	failed.Store(int64(n)) // the first failed model, n while none has
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || int64(i) > failed.Load() {
					return
				}
				m, err := build(ctx, &cfg.Models[i])
				if err != nil {
					errs[i] = err
					lower(&failed, int64(i))
					continue
				}
				ms[i] = m
			}
		})
	}
	wg.Wait()
	if i := int(failed.Load()); i < n {
		return nil, fmt.Errorf("models[%d] (%s).reference.file: %w", i, cfg.Models[i].Name, errs[i])
	}
	return NewModels(ms...), nil
}

// lower sets v to x when x is below it.
func lower(v *atomic.Int64, x int64) {
	for f := v.Load(); x < f; f = v.Load() {
		if v.CompareAndSwap(f, x) {
			return
		}
	}
}

func build(ctx context.Context, mc *config.ModelConfig) (*Model, error) {
	spec := window.Spec{
		Model: mc.Name, DefaultVersion: mc.Version, Duration: mc.Window.Duration, Events: uint64(mc.Window.Events),
		AllowedLateness: mc.AllowedLateness, IdleTimeout: mc.IdleTimeout, MaxFutureSkew: mc.MaxClockSkew,
		Limits:     mc.Limits.Limits(),
		Prediction: predictionKind(mc.Prediction),
		MaxIDs:     mc.MaxIDs(),
	}
	m := &Model{Name: mc.Name, Version: mc.Version, Drift: mc.DriftPolicy(), Quality: mc.QualityPolicy(),
		Freshness: mc.Quality.Freshness, cal: detectors.NewCalibrations()}
	// The tests a feature only reports take their asymptotic p-value above
	// a size: the exact KS p-value of such a row cost most of a window's
	// evaluation and decides nothing. Verdicts keep scipy's choice, and
	// `driftmon check` keeps it for every method.
	m.Drift.ReportPValues = stats.PValueAsymptotic
	var outcomes []reference.Outcome
	var fileRef *drift.Reference
	switch {
	case mc.Reference.File != "":
		// No sketches: Bound below drops them (see reference.Spec).
		rs := reference.Spec{Limits: spec.Limits, Features: make([]reference.Column, len(mc.Features)), NoSketch: true, Compact: ReferenceValues}
		for j, f := range mc.Features {
			rs.Features[j] = reference.Column{Name: f.Name, Kind: f.Type}
		}
		if spec.Prediction != 0 {
			rs.Prediction = &reference.Column{Name: reference.PredictionName, Kind: spec.Prediction}
			// The label side's outcomes come from the same pass.
			rs.Label = mc.Concept.Label()
		}
		// One read of the file (CSV or Parquet): the summaries and, when it
		// has the label column, the outcomes.
		f, err := reference.Load(ctx, mc.Reference.File, rs)
		if err != nil {
			return nil, err
		}
		fileRef = f.Ref
		fileRef.Model, fileRef.ModelVersion = mc.Name, mc.Version
		// The reference stays for the service's life: each numeric
		// feature keeps a bounded summary of its values, calibrated first
		// on all of them for the model's count windows (see
		// detectors.Calibrations.Bound).
		if _, err := m.cal.Bound(fileRef, m.Drift, uint64(mc.Window.Events), ReferenceValues, f.Compacts); err != nil {
			return nil, fmt.Errorf("%s: %w", mc.Reference.File, err)
		}
		m.Source = File(fileRef, mc.Reference.File)
		if fileRef.Prediction != nil {
			spec.PredictionEdges = fileRef.Prediction.Edges
		} else {
			spec.Prediction = 0 // the reference has no prediction column to compare with
		}
		if f.HasOutcomes {
			outcomes = f.Outcomes
		}
	case mc.Reference.Window != nil:
		m.Source = Window(mc.Reference.Window.From, mc.Reference.Window.To)
	default:
		m.Source = Previous()
	}
	for _, f := range mc.Features {
		wf := window.Feature{Name: f.Name, Kind: f.Type}
		if fileRef != nil {
			if rf := fileRef.Feature(f.Name); rf != nil {
				wf.Edges = rf.Edges
			}
		}
		spec.Features = append(spec.Features, wf)
	}
	m.Spec = spec
	if mc.Prediction != "" {
		c := mc.Concept
		m.Labels = labels.NewModel(labels.Spec{
			Task:      concept.Task{Kind: concept.Kind(mc.Prediction), Positive: c.PositiveClass, Threshold: c.ScoreThreshold()},
			Policy:    concept.Policy{K: c.K, Tolerance: c.Tolerance},
			Detectors: c.DetectorsToRun(), Seed: c.Seed(), Drift: m.Drift, Limits: spec.Limits, LabelDelay: mc.Delay(),
		}, outcomes)
	}
	return m, nil
}

func predictionKind(t config.PredictionType) drift.FeatureKind {
	switch t {
	case config.PredictionScore, config.PredictionRegression:
		return drift.Numeric
	case config.PredictionClass, config.PredictionProbabilities:
		return drift.Categorical
	}
	return 0
}
