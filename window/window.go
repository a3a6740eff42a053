package window

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/driftmon/driftmon/drift"
)

// ErrUnknownModel is returned by Add for an event of a model with no Spec.
var ErrUnknownModel = errors.New("unknown model")

// ErrFutureEvent is returned by Add for an event stamped further ahead of
// the wall clock than Spec.MaxFutureSkew: trusted, it would move the
// watermark past every window to come and make their events late.
var ErrFutureEvent = errors.New("event time ahead of the clock")

// Feature declares one input of a model.
type Feature struct {
	Name string
	Kind drift.FeatureKind
	// Edges are the reference's inner bin edges (numeric features); nil
	// when the reference bins at evaluation time.
	Edges []float64
}

// Spec says how one model's stream is cut.
type Spec struct {
	Model          string
	DefaultVersion string
	// Exactly one of Duration (event-time tumbling windows) and Events
	// (count windows) is set.
	Duration time.Duration
	Events   uint64
	// AllowedLateness keeps a time window open this long past its end in
	// event time, so out-of-order events still count.
	AllowedLateness time.Duration
	// IdleTimeout closes a model's open windows after this much wall time
	// without events, so a quiet model still gets its last window.
	IdleTimeout time.Duration
	// MaxFutureSkew refuses events stamped this far ahead of the wall
	// clock (0: no limit).
	MaxFutureSkew time.Duration
	Features      []Feature
	// Prediction is the kind of the model's output summary (0: none);
	// PredictionEdges its bins when numeric.
	Prediction      drift.FeatureKind
	PredictionEdges []float64
	Limits          drift.Limits
	// MaxIDs bounds the prediction ids a window remembers to count
	// duplicates (0: duplicates are not counted). Beyond it, ids are
	// checked against those remembered but no more are added, so memory
	// stays at 8 bytes an id.
	MaxIDs int
}

// Windower holds the open windows of the models of one partition. It is not
// safe for concurrent use: one goroutine owns a partition.
type Windower struct {
	specs  map[string]*Spec
	models map[string]*modelState
	// placed and placedVersion identify the window the last accepted
	// event went into.
	placed        int64
	placedVersion string
}

// New returns a Windower for the given models.
func New(specs []Spec) *Windower {
	w := &Windower{specs: make(map[string]*Spec, len(specs)), models: make(map[string]*modelState)}
	for i := range specs {
		s := specs[i]
		w.specs[s.Model] = &s
	}
	return w
}

type modelState struct {
	spec  *Spec
	index map[string]int // feature name -> position in spec.Features
	// order remembers, per position in the last event, the feature found
	// there: producers send features in a stable order, so a string
	// comparison usually replaces the map lookup.
	order []int
	open  []*openWindow // ascending seq
	// idle holds time windows closed for idleness whose end the watermark
	// has not passed yet: an event for one reopens it, and it closes (and
	// is stored) again with everything it holds.
	idle []*openWindow
	// MaxEventTime drives the watermark (MaxEventTime - AllowedLateness).
	maxEventTime time.Time
	// closedThrough is the highest seq closed: an event for a seq at or
	// below it is late.
	closedThrough int64
	hasClosed     bool
	nextSeq       int64 // count windows: the seq of the next window
	// lastStart is the start, in whole seconds, of the last count window
	// closed: the next one must start at least a second later.
	lastStart time.Time
	lastEvent time.Time
	late      uint64 // late events not yet attributed to a window
	// lastClosed is the newest window closed, for Current when none is
	// open.
	lastClosed *drift.WindowSummary
}

type openWindow struct {
	sum  *drift.WindowSummary
	seen []uint64 // per feature: the event number that last set it
	n    uint64   // event number, for seen
	// ids holds the 64-bit FNV-1a hashes of the window's prediction ids,
	// for duplicate_ids: hashes rather than strings, so that no id is
	// copied out of the decode buffer (a collision among 1e5 ids has odds
	// of about 3e-10).
	ids map[uint64]struct{}
	// undeclared maps a field name to sum.Undeclared's own copy of it, so
	// that counting never assigns a key that aliases a decode buffer (Go
	// stores the key given on every assignment, not only the first).
	undeclared map[string]string
}

// Add counts one prediction. now is the wall clock (for idle timeouts). It
// returns the windows this event closed, oldest first; late reports an
// event that belonged to an already closed window (counted, not summarised).
func (w *Windower) Add(p *drift.Prediction, now time.Time) (closed []*drift.WindowSummary, late bool, err error) {
	m, err := w.model(p.Model)
	if err != nil {
		return nil, false, err
	}
	spec := m.spec
	if spec.MaxFutureSkew > 0 && p.Time.Sub(now) > spec.MaxFutureSkew {
		return nil, false, fmt.Errorf("%w: %s is %s ahead (the limit is %s)", ErrFutureEvent,
			p.Time.Format(time.RFC3339Nano), p.Time.Sub(now).Round(time.Second), spec.MaxFutureSkew)
	}
	m.lastEvent = now
	var ow *openWindow
	if spec.Events > 0 {
		if len(m.open) == 0 {
			m.open = append(m.open, m.newWindow(m.nextSeq, time.Time{}, time.Time{}))
			m.nextSeq++
		}
		ow = m.open[0]
		if ow.sum.Events == 0 || p.Time.Before(ow.sum.Start) {
			ow.sum.Start = p.Time
		}
		if p.Time.After(ow.sum.End) {
			ow.sum.End = p.Time
		}
	} else {
		seq := floorDiv(p.Time.UnixNano(), int64(spec.Duration))
		if ow = m.find(seq); ow == nil {
			if m.hasClosed && seq <= m.closedThrough {
				m.late++
				if len(m.open) > 0 {
					m.open[len(m.open)-1].sum.Late += m.late
					m.late = 0
				}
				return nil, true, nil
			}
			ow = m.window(seq)
		}
	}
	observe(ow, m, p)
	w.placed, w.placedVersion = ow.sum.Seq, ow.sum.ModelVersion
	if p.Time.After(m.maxEventTime) {
		m.maxEventTime = p.Time
	}
	if spec.Events > 0 {
		if ow.sum.Events >= spec.Events {
			closed = m.closeFirst(1)
		}
		return closed, false, nil
	}
	return m.closeThrough(m.maxEventTime.Add(-spec.AllowedLateness)), false, nil
}

// Placed returns the seq and model version of the window the last event
// Add accepted (not a late one) was counted in, so that a label joined to
// the event later can update that window.
func (w *Windower) Placed() (seq int64, modelVersion string) { return w.placed, w.placedVersion }

// find returns the open time window seq, reopening it if it was closed for
// idleness; nil when neither.
func (m *modelState) find(seq int64) *openWindow {
	for _, ow := range m.open {
		if ow.sum.Seq == seq {
			return ow
		}
	}
	for i, ow := range m.idle {
		if ow.sum.Seq == seq {
			m.idle = slices.Delete(m.idle, i, i+1)
			j := sort.Search(len(m.open), func(j int) bool { return m.open[j].sum.Seq >= seq })
			m.open = slices.Insert(m.open, j, ow)
			return ow
		}
	}
	return nil
}

// Tick closes the open windows of models idle for their IdleTimeout. A
// time window closed this way stays reopenable until the watermark passes
// its end: its late events then rewrite it rather than being lost.
func (w *Windower) Tick(now time.Time) []*drift.WindowSummary {
	var closed []*drift.WindowSummary
	for _, name := range w.modelNames() {
		m := w.models[name]
		if len(m.open) == 0 || m.spec.IdleTimeout <= 0 || now.Sub(m.lastEvent) < m.spec.IdleTimeout {
			continue
		}
		if m.spec.Events == 0 {
			m.idle = append(m.idle, m.open...)
			slices.SortFunc(m.idle, func(a, b *openWindow) int { return cmpInt(a.sum.Seq, b.sum.Seq) })
		}
		closed = append(closed, m.closeFirst(len(m.open))...)
	}
	return closed
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// LastEvents returns, per model seen, the wall time of its last event (or
// of the restore that brought its windows back): the freshness check's
// clock, which runs whether or not a window closes.
func (w *Windower) LastEvents() map[string]time.Time {
	out := make(map[string]time.Time, len(w.models))
	for name, m := range w.models {
		out[name] = m.lastEvent
	}
	return out
}

// Current returns the identity (model version, seq, start, end; no
// counts) of the window model's stream is in: its newest open window, else
// the newest closed for idleness, else the newest closed. ok is false when
// the model has no window at all (nothing since a restore that held none).
// The freshness check keys its result by it, so that one silence gives one
// row however often it is detected.
func (w *Windower) Current(model string) (cur drift.WindowSummary, ok bool) {
	m := w.models[model]
	if m == nil {
		return cur, false
	}
	var s *drift.WindowSummary
	switch {
	case len(m.open) > 0:
		s = m.open[len(m.open)-1].sum
	case len(m.idle) > 0:
		s = m.idle[len(m.idle)-1].sum
	default:
		s = m.lastClosed
	}
	if s == nil {
		return cur, false
	}
	return drift.WindowSummary{Model: s.Model, ModelVersion: s.ModelVersion, Seq: s.Seq, Start: s.Start, End: s.End}, true
}

// Open returns the models' open windows (for inspection; do not modify).
func (w *Windower) Open() []*drift.WindowSummary {
	var out []*drift.WindowSummary
	for _, name := range w.modelNames() {
		for _, ow := range w.models[name].open {
			out = append(out, ow.sum)
		}
	}
	return out
}

func (w *Windower) modelNames() []string {
	names := make([]string, 0, len(w.models))
	for n := range w.models {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (w *Windower) model(name string) (*modelState, error) {
	if m, ok := w.models[name]; ok {
		return m, nil
	}
	spec, ok := w.specs[name]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownModel, name)
	}
	m := &modelState{spec: spec, index: make(map[string]int, len(spec.Features))}
	for i, f := range spec.Features {
		m.index[f.Name] = i
	}
	w.models[spec.Model] = m // not name: it may alias a decode buffer
	return m, nil
}

// window returns the open time window seq, creating it in order.
func (m *modelState) window(seq int64) *openWindow {
	i := sort.Search(len(m.open), func(i int) bool { return m.open[i].sum.Seq >= seq })
	if i < len(m.open) && m.open[i].sum.Seq == seq {
		return m.open[i]
	}
	d := m.spec.Duration
	start := time.Unix(0, seq*int64(d)).UTC()
	ow := m.newWindow(seq, start, start.Add(d))
	if m.late > 0 {
		ow.sum.Late += m.late
		m.late = 0
	}
	m.open = slices.Insert(m.open, i, ow)
	return ow
}

func (m *modelState) newWindow(seq int64, start, end time.Time) *openWindow {
	spec := m.spec
	sum := &drift.WindowSummary{
		Model: spec.Model, ModelVersion: spec.DefaultVersion,
		Seq: seq, Start: start, End: end,
		Features: make([]*drift.FeatureSummary, len(spec.Features)),
	}
	for i, f := range spec.Features {
		sum.Features[i] = drift.NewFeatureSummary(f.Name, f.Kind, f.Edges, spec.Limits, seed(spec.Model, seq, f.Name))
	}
	if spec.Prediction != 0 {
		sum.Prediction = drift.NewFeatureSummary("prediction", spec.Prediction, spec.PredictionEdges, spec.Limits, seed(spec.Model, seq, "prediction"))
	}
	return &openWindow{sum: sum, seen: make([]uint64, len(spec.Features))}
}

func observe(ow *openWindow, m *modelState, p *drift.Prediction) {
	ow.n++
	sum := ow.sum
	sum.Events++
	if p.ModelVersion != "" && sum.ModelVersion != p.ModelVersion {
		// The first version seen names the window; references belong to
		// a version, so mixed versions in one window are the producer's
		// choice to split by model name.
		if sum.ModelVersion == m.spec.DefaultVersion && sum.Events == 1 {
			sum.ModelVersion = strings.Clone(p.ModelVersion)
		}
	}
	if p.ID != "" && m.spec.MaxIDs > 0 {
		h := hashID(p.ID)
		if _, dup := ow.ids[h]; dup {
			sum.DuplicateIDs++
		} else if len(ow.ids) < m.spec.MaxIDs {
			if ow.ids == nil {
				ow.ids = make(map[uint64]struct{})
			}
			ow.ids[h] = struct{}{}
		}
	}
	for i := range p.Features {
		f := &p.Features[i]
		idx := m.featureIndex(i, f.Name)
		if idx < 0 {
			ow.countUndeclared(f.Name)
			continue
		}
		if ow.seen[idx] == ow.n {
			continue // a duplicate key
		}
		ow.seen[idx] = ow.n
		sum.Features[idx].Observe(f.Value)
	}
	for i, s := range ow.seen {
		if s != ow.n {
			sum.Features[i].Missing++
		}
	}
	if sum.Prediction != nil {
		sum.Prediction.Observe(p.Output)
	}
}

// countUndeclared counts a field the config does not declare, by name
// while fewer than drift.MaxUndeclared names are kept.
func (ow *openWindow) countUndeclared(name string) {
	sum := ow.sum
	if ow.undeclared == nil {
		ow.undeclared = make(map[string]string, len(sum.Undeclared))
		for k := range sum.Undeclared { // restored from a snapshot
			ow.undeclared[k] = k
		}
		if sum.Undeclared == nil {
			sum.Undeclared = make(map[string]uint64)
		}
	}
	k, ok := ow.undeclared[name] // a lookup: no copy, nothing stored
	if !ok {
		if len(sum.Undeclared) >= drift.MaxUndeclared {
			k = drift.OtherCategory
		} else {
			k = strings.Clone(name)
		}
		ow.undeclared[k] = k
	}
	sum.Undeclared[k]++
}

// hashID is 64-bit FNV-1a, inline so that it does not allocate.
func hashID(id string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return h
}

// featureIndex finds the declared feature called name, found at position pos
// of the event; -1 when it is not declared.
func (m *modelState) featureIndex(pos int, name string) int {
	if pos < len(m.order) {
		if idx := m.order[pos]; idx >= 0 && m.spec.Features[idx].Name == name {
			return idx
		}
	}
	idx, ok := m.index[name]
	if !ok {
		idx = -1
	}
	for len(m.order) <= pos {
		m.order = append(m.order, -1)
	}
	m.order[pos] = idx
	return idx
}

// closeThrough closes the time windows whose end is at or before the
// watermark.
func (m *modelState) closeThrough(watermark time.Time) []*drift.WindowSummary {
	k := 0
	for k < len(m.idle) && !m.idle[k].sum.End.After(watermark) {
		k++
	}
	m.idle = slices.Delete(m.idle, 0, k) // the watermark passed them: final
	n := 0
	for n < len(m.open) && !m.open[n].sum.End.After(watermark) {
		n++
	}
	if n == 0 {
		return nil
	}
	return m.closeFirst(n)
}

func (m *modelState) closeFirst(n int) []*drift.WindowSummary {
	out := make([]*drift.WindowSummary, n)
	for i := 0; i < n; i++ {
		out[i] = m.open[i].sum
		if m.spec.Events > 0 {
			m.distinctStart(out[i])
		}
		m.closedThrough = max(m.closedThrough, out[i].Seq)
		m.hasClosed = true
		if m.lastClosed == nil || out[i].Seq >= m.lastClosed.Seq {
			m.lastClosed = out[i]
		}
	}
	m.open = slices.Delete(m.open, 0, n)
	return out
}

// distinctStart moves a count window's start to at least a second after the
// previous count window's: drift_results keys results by window_start in
// whole seconds, so two count windows starting in the same second would
// overwrite each other's results.
func (m *modelState) distinctStart(w *drift.WindowSummary) {
	start := w.Start.Truncate(time.Second)
	if !m.lastStart.IsZero() && !start.After(m.lastStart) {
		w.Start = m.lastStart.Add(time.Second)
		start = w.Start
		if w.End.Before(w.Start) {
			w.End = w.Start
		}
	}
	m.lastStart = start
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// seed makes each summary's sample reproducible from what it summarises.
func seed(model string, seq int64, feature string) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%d\x00%s", model, seq, feature)
	return h.Sum64()
}

// state is the JSON form of a Windower, for checkpoints.
type state struct {
	Models []modelJSON `json:"models"`
}

type modelJSON struct {
	Model         string                 `json:"model"`
	MaxEventTime  time.Time              `json:"max_event_time"`
	ClosedThrough int64                  `json:"closed_through"`
	HasClosed     bool                   `json:"has_closed"`
	NextSeq       int64                  `json:"next_seq"`
	Late          uint64                 `json:"late"`
	LastStart     time.Time              `json:"last_start"`
	Open          []*drift.WindowSummary `json:"open"`
	Idle          []*drift.WindowSummary `json:"idle,omitempty"`
	// OpenIDs and IdleIDs are the id hashes of Open and Idle, window by
	// window, so duplicates across a restart are still counted.
	OpenIDs [][]uint64 `json:"open_ids,omitempty"`
	IdleIDs [][]uint64 `json:"idle_ids,omitempty"`
}

// Snapshot encodes the open windows and watermarks.
func (w *Windower) Snapshot() ([]byte, error) {
	var st state
	for _, name := range w.modelNames() {
		m := w.models[name]
		mj := modelJSON{Model: name, MaxEventTime: m.maxEventTime, ClosedThrough: m.closedThrough,
			HasClosed: m.hasClosed, NextSeq: m.nextSeq, Late: m.late, LastStart: m.lastStart}
		for _, ow := range m.open {
			mj.Open = append(mj.Open, ow.sum)
			mj.OpenIDs = append(mj.OpenIDs, idList(ow.ids))
		}
		for _, ow := range m.idle {
			mj.Idle = append(mj.Idle, ow.sum)
			mj.IdleIDs = append(mj.IdleIDs, idList(ow.ids))
		}
		if m.spec.MaxIDs == 0 {
			mj.OpenIDs, mj.IdleIDs = nil, nil
		}
		st.Models = append(st.Models, mj)
	}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("snapshot windows: %w", err)
	}
	return b, nil
}

// Restore replaces the Windower's state with a snapshot. Models no longer
// configured are dropped; features added to or removed from the config
// since the snapshot are realigned (a new feature starts empty).
func (w *Windower) Restore(b []byte, now time.Time) error {
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("restore windows: %w", err)
	}
	w.models = make(map[string]*modelState)
	for _, mj := range st.Models {
		m, err := w.model(mj.Model)
		if err != nil {
			continue // the model left the config
		}
		m.maxEventTime, m.closedThrough, m.hasClosed = mj.MaxEventTime, mj.ClosedThrough, mj.HasClosed
		m.nextSeq, m.late, m.lastEvent, m.lastStart = mj.NextSeq, mj.Late, now, mj.LastStart
		for i, sum := range mj.Open {
			m.open = append(m.open, m.restoreWindow(sum, at(mj.OpenIDs, i)))
		}
		for i, sum := range mj.Idle {
			m.idle = append(m.idle, m.restoreWindow(sum, at(mj.IdleIDs, i)))
		}
	}
	return nil
}

// restoreWindow rebuilds an open window from its snapshot, aligned to the
// model's current features.
func (m *modelState) restoreWindow(sum *drift.WindowSummary, ids []uint64) *openWindow {
	ow := m.newWindow(sum.Seq, sum.Start, sum.End)
	ow.sum.ModelVersion, ow.sum.Events, ow.sum.Late = sum.ModelVersion, sum.Events, sum.Late
	ow.sum.Undeclared, ow.sum.DuplicateIDs = sum.Undeclared, sum.DuplicateIDs
	if len(ids) > 0 && m.spec.MaxIDs > 0 {
		ow.ids = make(map[uint64]struct{}, len(ids))
		for _, h := range ids[:min(len(ids), m.spec.MaxIDs)] {
			ow.ids[h] = struct{}{}
		}
	}
	for i, f := range ow.sum.Features {
		if old := sum.Feature(f.Name); old != nil && old.Kind == f.Kind {
			restoreSummary(old, f)
			ow.sum.Features[i] = old
		}
	}
	if sum.Prediction != nil && ow.sum.Prediction != nil && sum.Prediction.Kind == ow.sum.Prediction.Kind {
		restoreSummary(sum.Prediction, ow.sum.Prediction)
		ow.sum.Prediction = sum.Prediction
	}
	return ow
}

// idList lists a window's id hashes in order, so snapshots are stable.
func idList(ids map[uint64]struct{}) []uint64 {
	out := make([]uint64, 0, len(ids))
	for h := range ids {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}

func at(l [][]uint64, i int) []uint64 {
	if i < len(l) {
		return l[i]
	}
	return nil
}

// restoreSummary fills what JSON does not carry (nil maps and sketches of an
// empty summary, the shared edges) from a fresh summary.
func restoreSummary(old, fresh *drift.FeatureSummary) {
	if old.Categories == nil {
		old.Categories = fresh.Categories
	}
	if old.Sketch == nil {
		old.Sketch = fresh.Sketch
	}
	if old.Sample == nil {
		old.Sample = fresh.Sample
	}
	if len(old.BinCounts) == 0 {
		old.BinCounts = fresh.BinCounts
	}
	old.MaxCategories = fresh.MaxCategories
}
