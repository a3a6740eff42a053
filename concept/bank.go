package concept

import (
	"bytes"
	"cmp"
	"encoding/gob"
	"fmt"
	"slices"

	"github.com/driftmon/driftmon/detectors/stream"
	"github.com/driftmon/driftmon/drift"
)

// Detectors are the stream detectors in the order of the bits of
// drift.LabelledRecord.Signals.
var Detectors = stream.Methods()

// binaryOnly are the detectors that expect a 0/1 error: a regression's
// absolute error goes to the others only.
var binaryOnly = map[string]bool{
	stream.MethodDDM: true, stream.MethodEDDM: true, stream.MethodHDDMA: true, stream.MethodHDDMW: true,
}

// Bank runs the stream detectors of every model version a partition sees,
// fed each labelled event's error in the order the labels are joined. A
// new model version starts with fresh detectors, as it starts with its own
// reference. It is not safe for concurrent use.
type Bank struct {
	models  func(model string) (Task, []string, bool)
	seed    func(model string) uint64
	streams map[streamKey]*detectorStream
}

type streamKey struct{ Model, Version string }

type detectorStream struct {
	n    uint64 // events fed
	dets []stream.Detector
	// warned marks the detectors in a warning zone: a warning is
	// recorded when one is entered, not on every event inside it.
	warned []bool
}

// NewBank returns a bank for the models that models knows: their task and
// the detectors they run (a name not in Detectors is an error when its
// model's stream starts). seed gives KSWIN's seed per model.
func NewBank(models func(model string) (Task, []string, bool), seed func(model string) uint64) *Bank {
	if seed == nil {
		seed = func(string) uint64 { return 0 }
	}
	return &Bank{models: models, seed: seed, streams: map[streamKey]*detectorStream{}}
}

func (b *Bank) stream(model, version string, task Task, methods []string) (*detectorStream, error) {
	k := streamKey{model, version}
	if s := b.streams[k]; s != nil {
		return s, nil
	}
	for _, m := range methods {
		if !slices.Contains(Detectors, m) {
			return nil, fmt.Errorf("model %s: stream detector %q: want one of %v", model, m, Detectors)
		}
	}
	s := &detectorStream{dets: make([]stream.Detector, len(Detectors)), warned: make([]bool, len(Detectors))}
	for i, m := range Detectors {
		if !slices.Contains(methods, m) || task.Kind == Regression && binaryOnly[m] {
			continue
		}
		d, err := stream.New(m, b.seed(model))
		if err != nil {
			return nil, err
		}
		s.dets[i] = d
	}
	b.streams[k] = s
	return s, nil
}

// Feed runs each row's error through its model version's detectors, sets
// the row's Signals (bit i: Detectors[i] signalled drift at it) and returns
// every warning and drift signalled, stamped with version. Rows marked
// skip (duplicates) are not fed, and keep the Signals they hold (their
// first label's).
func (b *Bank) Feed(rows []drift.LabelledRecord, skip func(i int) bool, version uint64) ([]drift.Detection, error) {
	var out []drift.Detection
	for i := range rows {
		r := &rows[i]
		if skip != nil && skip(i) {
			continue
		}
		r.Signals = 0
		task, methods, ok := b.models(r.Model)
		if !ok || len(methods) == 0 {
			continue
		}
		x, ok := task.Error(r.Output, r.Score, r.Label)
		if !ok {
			continue
		}
		s, err := b.stream(r.Model, r.ModelVersion, task, methods)
		if err != nil {
			return nil, err
		}
		s.n++
		for j, d := range s.dets {
			if d == nil {
				continue
			}
			sig := d.Update(x)
			warned := s.warned[j]
			s.warned[j] = sig == stream.Warning
			if sig == stream.None || sig == stream.Warning && warned {
				continue
			}
			kind := drift.DetectionWarning
			if sig == stream.Drift {
				kind = drift.DetectionDrift
				r.Signals |= 1 << j
			}
			out = append(out, drift.Detection{Model: r.Model, ModelVersion: r.ModelVersion, Detector: Detectors[j],
				Kind: kind, EventIndex: s.n, EventTime: r.PredTime, Version: version})
		}
	}
	return out, nil
}

// Forget drops the detectors of a model (its partition moved away).
func (b *Bank) Forget(model string) {
	for k := range b.streams {
		if k.Model == model {
			delete(b.streams, k)
		}
	}
}

type bankState struct {
	Streams []streamState
}

type streamState struct {
	Model, Version string
	N              uint64
	// Detectors holds each detector's MarshalBinary, nil where none runs.
	Detectors [][]byte
	Warned    []bool
}

// Snapshot encodes every detector's state, for the partition's checkpoint.
func (b *Bank) Snapshot() ([]byte, error) {
	var st bankState
	for k, s := range b.streams {
		ss := streamState{Model: k.Model, Version: k.Version, N: s.n, Detectors: make([][]byte, len(s.dets)), Warned: s.warned}
		for i, d := range s.dets {
			if d == nil {
				continue
			}
			m, ok := d.(interface{ MarshalBinary() ([]byte, error) })
			if !ok {
				return nil, fmt.Errorf("stream detector %s cannot be checkpointed", Detectors[i])
			}
			enc, err := m.MarshalBinary()
			if err != nil {
				return nil, err
			}
			ss.Detectors[i] = enc
		}
		st.Streams = append(st.Streams, ss)
	}
	slices.SortFunc(st.Streams, func(a, b streamState) int {
		if a.Model != b.Model {
			return cmp.Compare(a.Model, b.Model)
		}
		return cmp.Compare(a.Version, b.Version)
	})
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(st); err != nil {
		return nil, fmt.Errorf("encode stream detectors: %w", err)
	}
	return buf.Bytes(), nil
}

// Restore replaces the bank's detectors with a Snapshot's.
func (b *Bank) Restore(data []byte) error {
	b.streams = map[streamKey]*detectorStream{}
	if len(data) == 0 {
		return nil
	}
	var st bankState
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		return fmt.Errorf("decode stream detectors: %w", err)
	}
	for _, ss := range st.Streams {
		s := &detectorStream{n: ss.N, dets: make([]stream.Detector, len(Detectors)), warned: make([]bool, len(Detectors))}
		copy(s.warned, ss.Warned)
		for i, enc := range ss.Detectors {
			if enc == nil || i >= len(Detectors) {
				continue
			}
			d, err := stream.New(Detectors[i], b.seed(ss.Model))
			if err != nil {
				return err
			}
			if err := d.(interface{ UnmarshalBinary([]byte) error }).UnmarshalBinary(enc); err != nil {
				return fmt.Errorf("restore %s of %s: %w", Detectors[i], ss.Model, err)
			}
			s.dets[i] = d
		}
		b.streams[streamKey{ss.Model, ss.Version}] = s
	}
	return nil
}
