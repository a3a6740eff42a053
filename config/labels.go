package config

import (
	"slices"
	"time"

	"github.com/driftmon/driftmon/detectors/stream"
)

// LabelsConfig is the `labels` section: the bounds of the label join.
type LabelsConfig struct {
	// MaxBuffered bounds the recent predictions held in memory for the
	// join (all models together); older ones are looked up in storage.
	MaxBuffered int `yaml:"max_buffered"`
	// MaxWaiting bounds the labels waiting for their prediction, per
	// label partition.
	MaxWaiting int `yaml:"max_waiting"`
	// Wait is how long (wall time) a label waits for its prediction to
	// arrive before it is counted unmatched.
	Wait time.Duration `yaml:"wait"`
}

// Defaults of the label side.
const (
	DefaultLabelDelay  = 7 * 24 * time.Hour
	DefaultMaxBuffered = 200_000
	DefaultMaxWaiting  = 100_000
	DefaultLabelWait   = time.Hour
	DefaultKSWINSeed   = 42
)

// StreamDetectors are the stream concept-drift detectors a model may run.
var StreamDetectors = stream.Methods()

// ConceptConfig is a model's `concept` section: how its predictions are
// scored against their labels.
type ConceptConfig struct {
	// PositiveClass is a binary model's positive class (score and
	// probabilities models); default "1".
	PositiveClass string `yaml:"positive_class"`
	// Threshold turns a score into a class (positive at or above it);
	// default 0.5; 0 is a threshold (logit scores).
	Threshold *float64 `yaml:"threshold"`
	// Detectors are the stream detectors to run; absent: the defaults
	// (stream.Defaults, the ones that stay silent on stable error
	// streams); empty: none. The others run only when listed.
	Detectors []string `yaml:"detectors"`
	// KSWINSeed seeds KSWIN, the one randomised detector, so that a
	// replay signals at the same events.
	KSWINSeed *uint64 `yaml:"kswin_seed"`
	// K is the calibrated threshold's width in standard deviations of a
	// metric over reference sub-windows; Tolerance the fixed fallback (a
	// fraction of the reference's value). Defaults 3 and 0.1.
	K         float64 `yaml:"k"`
	Tolerance float64 `yaml:"tolerance"`
	// LabelColumn names the reference file's label column; default
	// "label". A reference without it has no performance to compare with.
	LabelColumn string `yaml:"label_column"`
}

// DetectorsToRun returns the stream detectors the model runs: those
// listed, or stream.Defaults when the list is absent.
func (c ConceptConfig) DetectorsToRun() []string {
	if c.Detectors != nil {
		return c.Detectors
	}
	return stream.Defaults()
}

// Seed returns the KSWIN seed.
func (c ConceptConfig) Seed() uint64 {
	if c.KSWINSeed != nil {
		return *c.KSWINSeed
	}
	return DefaultKSWINSeed
}

// ScoreThreshold returns the decision threshold of scores.
func (c ConceptConfig) ScoreThreshold() float64 {
	if c.Threshold != nil {
		return *c.Threshold
	}
	return 0.5
}

// Label returns the reference's label column name.
func (c ConceptConfig) Label() string {
	if c.LabelColumn != "" {
		return c.LabelColumn
	}
	return "label"
}

// Delay returns the model's label delay.
func (m *ModelConfig) Delay() time.Duration {
	if m.LabelDelay > 0 {
		return m.LabelDelay
	}
	return DefaultLabelDelay
}

func (l *LabelsConfig) fillDefaults() {
	if l.MaxBuffered == 0 {
		l.MaxBuffered = DefaultMaxBuffered
	}
	if l.MaxWaiting == 0 {
		l.MaxWaiting = DefaultMaxWaiting
	}
	if l.Wait == 0 {
		l.Wait = DefaultLabelWait
	}
}

func (l *LabelsConfig) validate(v *validator) {
	l.fillDefaults()
	if l.MaxBuffered < 0 {
		v.errorf("labels.max_buffered", "must be positive, got %d", l.MaxBuffered)
	}
	if l.MaxWaiting < 0 {
		v.errorf("labels.max_waiting", "must be positive, got %d", l.MaxWaiting)
	}
	if l.Wait < 0 {
		v.errorf("labels.wait", "must be positive, got %s", l.Wait)
	}
}

func (m *ModelConfig) validateConcept(v *validator, p string) {
	if m.LabelDelay < 0 {
		v.errorf(p+".label_delay", "must be positive, got %s", m.LabelDelay)
	}
	c := m.Concept
	p += ".concept"
	for i, d := range c.Detectors {
		if !slices.Contains(StreamDetectors, d) {
			v.errorf(joinIndex(p+".detectors", i), "unknown stream detector %q (want one of %v)", d, StreamDetectors)
		}
	}
	if c.Threshold != nil && (*c.Threshold != *c.Threshold || m.Prediction == PredictionProbabilities && (*c.Threshold < 0 || *c.Threshold > 1)) {
		v.errorf(p+".threshold", "must be a probability in [0, 1], got %v", *c.Threshold)
	}
	if c.K < 0 {
		v.errorf(p+".k", "must be positive, got %v", c.K)
	}
	if c.Tolerance < 0 || c.Tolerance >= 1 {
		v.errorf(p+".tolerance", "must be in [0, 1), got %v", c.Tolerance)
	}
}
