package join

import (
	"hash/maphash"
	"math"
	"strconv"
	"sync"
	"time"
)

// Prediction is what the join keeps of one prediction.
type Prediction struct {
	ModelVersion string
	Time         time.Time
	WindowSeq    int64
	// Output is the prediction as text (PredictionRecord.Output): the
	// class, or for a number (IsNum) its 'g' formatting, which Text gives.
	Output string
	Num    float64
	IsNum  bool
	// Score is the positive class's probability or the score, NaN when
	// none; Probs a probabilities model's whole output (JSON), or "".
	Score float64
	Probs string
}

// Text returns the output as PredictionRecord.Output spells it.
func (p Prediction) Text() string {
	if p.IsNum {
		return strconv.FormatFloat(p.Num, 'g', -1, 64)
	}
	return p.Output
}

// entry is a held prediction, compact and without pointers: Put runs for
// every prediction, and a map of pointer-free entries is one the garbage
// collector never scans. Strings are indexes into Recent's table of
// interned ones (model names, versions and class outputs repeat); an output
// that does not fit the table is in overflow.
type entry struct {
	check                 uint64 // a second hash of (model, id), to confirm a match
	model, version, out   uint32
	time                  int64 // Unix nanoseconds
	seq                   int64
	num, score            float64
	isNum, outOverflowing bool
}

// Recent holds the newest predictions of every model, at most max of them:
// the oldest put leaves first. Prediction partitions put, label partitions
// get; it is safe for concurrent use.
//
// Entries are keyed by a 64-bit hash of (model, id) and confirmed by a
// second, independent one: two predictions would have to agree on both 128
// bits to be taken for each other. When only the first agrees, the newer
// prediction takes the slot and the older one leaves early.
type Recent struct {
	mu  sync.Mutex
	max int
	// m maps a key to its slot in ring, which holds the entries in
	// insertion order (a circular buffer of len max): a small map value
	// keeps the map, probed at random on every put, cache-friendly.
	m        map[uint64]uint32
	ring     []slot
	next     int
	seeds    [2]maphash.Seed
	strs     []string
	index    map[string]uint32
	overflow map[uint64]string
	// probs holds the probabilities of the predictions of probabilities
	// models, apart: only they pay for a pointer per entry.
	probs map[uint64]string
}

type slot struct {
	key uint64
	e   entry
}

// maxInterned bounds the distinct model names, versions and class outputs
// Recent shares between entries; beyond it an output is held per entry.
const maxInterned = 1 << 16

// NewRecent returns a Recent holding at most max predictions (max >= 1).
func NewRecent(max int) *Recent {
	if max < 1 {
		max = 1
	}
	return &Recent{max: max, m: make(map[uint64]uint32), seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		index: make(map[string]uint32), overflow: make(map[uint64]string), probs: make(map[uint64]string)}
}

func (r *Recent) keys(model, id string) (key, check uint64) {
	var h maphash.Hash
	h.SetSeed(r.seeds[0])
	h.WriteString(model)
	h.WriteByte(0xff) // no model name holds 0xff: a separator
	h.WriteString(id)
	key = h.Sum64()
	h.SetSeed(r.seeds[1])
	h.WriteString(model)
	h.WriteByte(0xff)
	h.WriteString(id)
	return key, h.Sum64()
}

// intern returns s's index in the table, adding it (a copy: s may alias a
// decode buffer) while there is room; ok is false when there is none.
func (r *Recent) intern(s string) (uint32, bool) {
	if i, ok := r.index[s]; ok {
		return i, true
	}
	if len(r.strs) >= maxInterned {
		return 0, false
	}
	c := clone(s)
	r.strs = append(r.strs, c)
	r.index[c] = uint32(len(r.strs) - 1)
	return uint32(len(r.strs) - 1), true
}

// Put remembers a prediction; its strings are copied, as they may alias a
// decode buffer. A second put of an id replaces the first.
func (r *Recent) Put(model, id string, p Prediction) {
	if id == "" {
		return
	}
	k, check := r.keys(model, id)
	r.mu.Lock()
	defer r.mu.Unlock()
	e := entry{check: check, time: p.Time.UnixNano(), seq: p.WindowSeq, num: p.Num, score: p.Score, isNum: p.IsNum}
	var ok bool
	if e.model, ok = r.intern(model); !ok {
		return // more model names than any config declares: not one of ours
	}
	if e.version, ok = r.intern(p.ModelVersion); !ok {
		return
	}
	delete(r.overflow, k)
	delete(r.probs, k)
	if p.Probs != "" {
		r.probs[k] = clone(p.Probs)
	}
	if !p.IsNum {
		if e.out, ok = r.intern(p.Output); !ok {
			e.outOverflowing = true
			r.overflow[k] = clone(p.Output)
		}
	}
	if i, taken := r.m[k]; taken {
		r.ring[i].e = e
		return
	}
	if len(r.ring) < r.max {
		r.ring = append(r.ring, slot{k, e})
		r.m[k] = uint32(len(r.ring) - 1)
		return
	}
	// The oldest leaves.
	old := r.ring[r.next].key
	delete(r.m, old)
	delete(r.overflow, old)
	delete(r.probs, old)
	r.ring[r.next] = slot{k, e}
	r.m[k] = uint32(r.next)
	r.next = (r.next + 1) % r.max
}

// Get returns the prediction of (model, id) if it is still held.
func (r *Recent) Get(model, id string) (Prediction, bool) {
	k, check := r.keys(model, id)
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.m[k]
	if !ok || r.ring[i].e.check != check {
		return Prediction{}, false
	}
	e := r.ring[i].e
	p := Prediction{ModelVersion: r.strs[e.version], Time: time.Unix(0, e.time).UTC(), WindowSeq: e.seq,
		Num: e.num, IsNum: e.isNum, Score: e.score, Probs: r.probs[k]}
	switch {
	case e.isNum:
		p.Output = p.Text()
	case e.outOverflowing:
		p.Output = r.overflow[k]
	default:
		p.Output = r.strs[e.out]
	}
	return p, true
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
