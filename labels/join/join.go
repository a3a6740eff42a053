package join

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/driftmon/driftmon/drift"
)

// DefaultLabelDelay is how long after its prediction a label still counts.
const DefaultLabelDelay = 7 * 24 * time.Hour

// Lookup reads logged predictions by id, and which predictions have a
// label stored already (storage.LabelStore).
type Lookup interface {
	LookupPredictions(ctx context.Context, model string, ids []string) ([]drift.PredictionRecord, error)
	LabelledIDs(ctx context.Context, model string, seq int64, ids []string) (map[string]drift.FirstLabel, error)
}

// Model is what the join knows of one model.
type Model struct {
	// LabelDelay is how long after its prediction a label still counts
	// (DefaultLabelDelay when zero); a later one is late.
	LabelDelay time.Duration
	// Recover reads a logged prediction's score and probabilities (what
	// the memory holds of it) back from its record; nil: neither.
	Recover func(rec drift.PredictionRecord) (score float64, probs string)
}

// Label is one label waiting to be joined.
type Label struct {
	Model string    `json:"model"`
	ID    string    `json:"id"`
	Time  time.Time `json:"time"`
	Label string    `json:"label"`
	// Seen is the wall time the label was first offered to the join, for
	// its wait.
	Seen time.Time `json:"seen"`
	// Source is the label's Kafka record: the same label read again after
	// a restart is no duplicate.
	Source drift.Source `json:"source"`
}

// Joined is one label joined to its prediction.
type Joined struct {
	drift.LabelledRecord
	// Duplicate: the prediction already had a label, stored or earlier in
	// the batch. The row is still written (the newest label wins), but a
	// caller feeding stream detectors skips it, so no event counts twice,
	// and it keeps the first label's source and signals: from storage
	// (already in the row), or, when First >= 0, from the batch's row
	// First once the detectors have set its signals.
	Duplicate bool
	First     int
}

// Counts are what became of the labels of one model in one Join.
type Counts struct {
	Joined, Late, Duplicate, Unmatched int
}

// Batch is the outcome of one Join.
type Batch struct {
	// Joined rows in the order the labels were offered (waiting labels
	// first).
	Joined []Joined
	Counts map[string]*Counts
	// Waiting is the number of labels still waiting for their prediction.
	Waiting int
}

func (b *Batch) count(model string) *Counts {
	c := b.Counts[model]
	if c == nil {
		c = &Counts{}
		b.Counts[model] = c
	}
	return c
}

// Config sets a Joiner's bounds.
type Config struct {
	Recent *Recent
	Store  Lookup
	Models map[string]Model
	// MaxWaiting bounds the labels waiting for their prediction; beyond
	// it the oldest waiting label is counted unmatched.
	MaxWaiting int
	// Wait is how long (wall time) a label waits for its prediction
	// before it is counted unmatched.
	Wait time.Duration
	// BatchIDs bounds the ids of one storage lookup.
	BatchIDs int
}

// Joiner joins the labels of one partition. It is not safe for concurrent
// use: one goroutine owns a partition.
type Joiner struct {
	cfg     Config
	waiting []Label
}

// New returns a Joiner.
func New(cfg Config) *Joiner {
	if cfg.MaxWaiting <= 0 {
		cfg.MaxWaiting = 100_000
	}
	if cfg.Wait <= 0 {
		cfg.Wait = time.Hour
	}
	if cfg.BatchIDs <= 0 {
		cfg.BatchIDs = 1000
	}
	return &Joiner{cfg: cfg}
}

// Join joins the waiting labels and then labels to their predictions,
// looking up in storage those no longer in memory. On an error (storage
// unreachable) nothing changed: the caller retries with the same labels.
func (j *Joiner) Join(ctx context.Context, labels []Label, now time.Time) (Batch, error) {
	all := append(slices.Clone(j.waiting), labels...)
	for i := range all {
		if all[i].Seen.IsZero() {
			all[i].Seen = now
		}
	}
	found := make([]*Prediction, len(all))
	missing := map[string][]int{} // model -> indexes into all
	for i, l := range all {
		if p, ok := j.cfg.Recent.Get(l.Model, l.ID); ok {
			found[i] = &p
		} else {
			missing[l.Model] = append(missing[l.Model], i)
		}
	}
	if err := j.lookup(ctx, all, missing, found); err != nil {
		return Batch{}, err
	}
	stored, err := j.storedLabels(ctx, all, found)
	if err != nil {
		return Batch{}, err
	}
	b := Batch{Counts: map[string]*Counts{}}
	var waiting []Label
	// The batch's own ids, by their first row: two labels of one
	// prediction in one batch are a duplicate, the second of the first.
	inBatch := map[[2]string]int{}
	for i, l := range all {
		p := found[i]
		if p == nil {
			if now.Sub(l.Seen) >= j.cfg.Wait {
				b.count(l.Model).Unmatched++
			} else {
				waiting = append(waiting, l)
			}
			continue
		}
		if l.Time.Sub(p.Time) > j.delay(l.Model) || p.WindowSeq < 0 {
			// Beyond the delay; or the prediction itself came after its
			// window closed, so no window counts it and none can count
			// its label.
			b.count(l.Model).Late++
			continue
		}
		row := Joined{First: -1, LabelledRecord: drift.LabelledRecord{
			Model: l.Model, ModelVersion: p.ModelVersion, WindowSeq: p.WindowSeq, ID: l.ID,
			PredTime: p.Time, LabelTime: l.Time, Output: p.Output, Score: p.Score, Probs: p.Probs, Label: l.Label,
			LabelSource: labelSource(l.Source), Version: labelVersion(l.Time),
		}}
		k := [2]string{l.Model, l.ID}
		if first, ok := inBatch[k]; ok {
			row.Duplicate, row.First = true, first
		} else if f, ok := stored[i]; ok && f.Source != row.LabelSource {
			// Stored from another record: a second label. (From this
			// very record, the label is read again after a restart: the
			// detectors, restored to before it, must see it again.)
			row.Duplicate, row.LabelSource, row.Signals = true, f.Source, f.Signals
		}
		if _, ok := inBatch[k]; !ok {
			inBatch[k] = len(b.Joined)
		}
		c := b.count(l.Model)
		if row.Duplicate {
			c.Duplicate++
		} else {
			c.Joined++
		}
		b.Joined = append(b.Joined, row)
	}
	if over := len(waiting) - j.cfg.MaxWaiting; over > 0 {
		for _, l := range waiting[:over] {
			b.count(l.Model).Unmatched++
		}
		waiting = slices.Clone(waiting[over:])
	}
	j.waiting = waiting
	b.Waiting = len(waiting)
	return b, nil
}

// labelVersion orders the labels of one prediction by their event time, so
// that a corrected label replaces the first and a replayed one rewrites
// itself. The +1 keeps a label stamped at the epoch above a missing row.
func labelVersion(t time.Time) uint64 {
	ms := t.UnixMilli()
	if ms < 0 {
		ms = 0
	}
	return uint64(ms) + 1
}

func (j *Joiner) delay(model string) time.Duration {
	if d := j.cfg.Models[model].LabelDelay; d > 0 {
		return d
	}
	return DefaultLabelDelay
}

// lookup fills found from storage for the missing labels, in batches per
// model.
func (j *Joiner) lookup(ctx context.Context, all []Label, missing map[string][]int, found []*Prediction) error {
	if j.cfg.Store == nil {
		return nil
	}
	models := make([]string, 0, len(missing))
	for m := range missing {
		models = append(models, m)
	}
	slices.Sort(models)
	for _, model := range models {
		idx := missing[model]
		recover := j.cfg.Models[model].Recover
		for chunk := range slices.Chunk(idx, j.cfg.BatchIDs) {
			ids := idsOf(all, chunk)
			recs, err := j.cfg.Store.LookupPredictions(ctx, model, ids)
			if err != nil {
				return fmt.Errorf("look up %d predictions of %s: %w", len(ids), model, err)
			}
			byID := make(map[string]*Prediction, len(recs))
			for _, r := range recs {
				p := &Prediction{ModelVersion: r.ModelVersion, Time: r.Time, WindowSeq: r.WindowSeq,
					Output: r.Output, Score: NoScore}
				if recover != nil {
					p.Score, p.Probs = recover(r)
				}
				byID[r.ID] = p
			}
			for _, i := range chunk {
				if p := byID[all[i].ID]; p != nil {
					found[i] = p
				}
			}
		}
	}
	return nil
}

// labelSource is the part of a label's Kafka record the labelled rows keep.
func labelSource(s drift.Source) drift.Source {
	return drift.Source{Partition: s.Partition, Offset: s.Offset}
}

// storedLabels returns, by index into all, what storage keeps of the first
// label of each prediction that has one: the duplicate check, one query
// per window, for the labels that will be joined.
func (j *Joiner) storedLabels(ctx context.Context, all []Label, found []*Prediction) (map[int]drift.FirstLabel, error) {
	if j.cfg.Store == nil {
		return nil, nil
	}
	type win struct {
		model string
		seq   int64
	}
	ask := map[win][]int{}
	for i, l := range all {
		p := found[i]
		if p == nil || p.WindowSeq < 0 || l.Time.Sub(p.Time) > j.delay(l.Model) {
			continue
		}
		w := win{l.Model, p.WindowSeq}
		ask[w] = append(ask[w], i)
	}
	wins := make([]win, 0, len(ask))
	for w := range ask {
		wins = append(wins, w)
	}
	slices.SortFunc(wins, func(a, b win) int {
		if a.model != b.model {
			return strings.Compare(a.model, b.model)
		}
		return cmp.Compare(a.seq, b.seq)
	})
	out := map[int]drift.FirstLabel{}
	for _, w := range wins {
		idx := ask[w]
		for chunk := range slices.Chunk(idx, j.cfg.BatchIDs) {
			have, err := j.cfg.Store.LabelledIDs(ctx, w.model, w.seq, idsOf(all, chunk))
			if err != nil {
				return nil, fmt.Errorf("look up labelled ids of %s window %d: %w", w.model, w.seq, err)
			}
			for _, i := range chunk {
				if f, ok := have[all[i].ID]; ok {
					out[i] = f
				}
			}
		}
	}
	return out, nil
}

// idsOf is the ids of the labels at idx.
func idsOf(all []Label, idx []int) []string {
	ids := make([]string, len(idx))
	for k, i := range idx {
		ids[k] = all[i].ID
	}
	return ids
}

// Waiting returns the number of labels waiting for their prediction.
func (j *Joiner) Waiting() int { return len(j.waiting) }

// Snapshot encodes the waiting labels, for the partition's checkpoint: a
// label whose offset is committed while it waits must not be lost.
func (j *Joiner) Snapshot() ([]byte, error) {
	b, err := json.Marshal(j.waiting)
	if err != nil {
		return nil, fmt.Errorf("encode waiting labels: %w", err)
	}
	return b, nil
}

// Restore replaces the waiting labels with a Snapshot's.
func (j *Joiner) Restore(b []byte) error {
	var w []Label
	if len(b) > 0 {
		if err := json.Unmarshal(b, &w); err != nil {
			return fmt.Errorf("decode waiting labels: %w", err)
		}
	}
	j.waiting = w
	return nil
}
