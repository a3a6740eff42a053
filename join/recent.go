package join

import (
	"math"
	"sync"
	"time"
)

// Prediction is what the join keeps of one prediction.
type Prediction struct {
	ModelVersion string
	Time         time.Time
	WindowSeq    int64
	// Output is the prediction as text (PredictionRecord.Output); Score
	// the positive class's probability or the score, NaN when none.
	Output string
	Score  float64
}

type key struct{ model, id string }

// Recent holds the newest predictions of every model, at most max of them:
// the oldest put leaves first. Prediction partitions put, label partitions
// get; it is safe for concurrent use.
type Recent struct {
	mu   sync.Mutex
	max  int
	m    map[key]Prediction
	ring []key // insertion order, a circular buffer of len max
	next int
}

// NewRecent returns a Recent holding at most max predictions (max >= 1).
func NewRecent(max int) *Recent {
	if max < 1 {
		max = 1
	}
	return &Recent{max: max, m: make(map[key]Prediction)}
}

// Put remembers a prediction; model and id are copied, as they may alias a
// decode buffer. A second put of an id replaces the first.
func (r *Recent) Put(model, id string, p Prediction) {
	if id == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if k := (key{model, id}); r.has(k) {
		r.m[k] = p
		return
	}
	k := key{clone(model), clone(id)}
	p.ModelVersion = clone(p.ModelVersion)
	p.Output = clone(p.Output)
	if len(r.ring) < r.max {
		r.ring = append(r.ring, k)
	} else {
		// The slot's previous key may have been put again since; only its
		// own entry leaves.
		delete(r.m, r.ring[r.next])
		r.ring[r.next] = k
		r.next = (r.next + 1) % r.max
	}
	r.m[k] = p
}

func (r *Recent) has(k key) bool { _, ok := r.m[k]; return ok }

// Get returns the prediction of (model, id) if it is still held.
func (r *Recent) Get(model, id string) (Prediction, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.m[key{model, id}]
	return p, ok
}

// Len is the number of predictions held.
func (r *Recent) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}

// NoScore is the Score of a prediction without one.
var NoScore = math.NaN()

func clone(s string) string { return string(append([]byte(nil), s...)) }
