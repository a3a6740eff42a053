package labels

import (
	"context"
	"fmt"
	"time"

	"github.com/driftmon/driftmon/concept"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/labels/join"
	"github.com/driftmon/driftmon/pipeline"
)

// Store is what the label side reads of storage: logged predictions and
// stored labels for the join, and a window's labelled rows for its
// results (storage.Store is one).
type Store interface {
	join.Lookup
	Labelled(ctx context.Context, model string, seq int64) ([]drift.LabelledRecord, error)
}

// Config wires a Side.
type Config struct {
	// Models are the label sides of the models that monitor their output,
	// by name.
	Models map[string]*Model
	Store  Store
	// MaxBuffered bounds the recent predictions kept in memory for the
	// join; MaxWaiting the labels waiting for their prediction, for at
	// most Wait (wall time).
	MaxBuffered int
	MaxWaiting  int
	Wait        time.Duration
}

// Side is the label side of a service: the memory of recent predictions
// shared by its partitions, each label partition's join, the stream
// detectors, and the results of a stored window's labelled rows. It is
// pipeline.LabelSide.
type Side struct {
	cfg    Config
	recent *join.Recent
	join   map[string]join.Model
}

var _ pipeline.LabelSide = (*Side)(nil)

// New returns the label side of cfg's models, or nil when no model
// monitors its output (labels are then logged only). The result is the
// interface, so that "none" is a nil pipeline.LabelSide, never a nil
// *Side inside a non-nil one.
func New(cfg Config) pipeline.LabelSide {
	if len(cfg.Models) == 0 {
		return nil
	}
	s := &Side{cfg: cfg, recent: join.NewRecent(cfg.MaxBuffered), join: map[string]join.Model{}}
	for name, m := range cfg.Models {
		s.join[name] = join.Model{LabelDelay: m.delay, Recover: m.recover}
	}
	return s
}

// Outcome implements pipeline.LabelSide.
func (s *Side) Outcome(p *drift.Prediction) (float64, string, bool) {
	m := s.cfg.Models[p.Model]
	if m == nil {
		return 0, "", false
	}
	return m.outcome(p)
}

// Remember implements pipeline.LabelSide.
func (s *Side) Remember(model, id string, p join.Prediction) { s.recent.Put(model, id, p) }

// NewJoiner implements pipeline.LabelSide: one label partition's join.
func (s *Side) NewJoiner() pipeline.Joiner {
	return join.New(join.Config{Recent: s.recent, Store: s.cfg.Store, Models: s.join,
		MaxWaiting: s.cfg.MaxWaiting, Wait: s.cfg.Wait})
}

// NewStreams implements pipeline.LabelSide: one partition's stream
// detectors, each model with its own detectors and seed.
func (s *Side) NewStreams() pipeline.StreamDetectors {
	return concept.NewBank(func(model string) (concept.Task, []string, bool) {
		m := s.cfg.Models[model]
		if m == nil {
			return concept.Task{}, nil, false
		}
		return m.task, m.detectors, true
	}, func(model string) uint64 { return s.cfg.Models[model].seed })
}

// EvaluateLabels implements pipeline.LabelSide: a stored window's concept
// rows and label-distribution rows, from its labelled rows.
func (s *Side) EvaluateLabels(ctx context.Context, model string, seq int64, b drift.WindowBounds) ([]drift.Result, error) {
	m := s.cfg.Models[model]
	if m == nil {
		return nil, nil
	}
	rows, err := s.cfg.Store.Labelled(ctx, model, seq)
	if err != nil {
		return nil, fmt.Errorf("read labelled rows of %s window %d: %w", model, seq, err)
	}
	return m.labelResults(model, seq, b, rows), nil
}
