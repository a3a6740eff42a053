package sketch

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// Reservoir is a bounded uniform sample of a stream (Vitter's Algorithm R).
// While fewer than Cap values have been seen it holds all of them, so exact
// tests run on small windows; beyond that it is a uniform sample: every set
// of len(Values()) of the values seen is equally likely to be the sample.
//
// Add ignores NaN and ±Inf: driftmon counts those as invalid values, and
// they have no JSON encoding.
type Reservoir struct {
	values []float64
	seen   uint64
	cap    int
	src    *rand.PCG // kept to checkpoint the random stream
	rng    *rand.Rand
}

// NewReservoir returns an empty sample of at most capacity values. The seed
// makes the sample reproducible, so a replayed window keeps the same sample.
func NewReservoir(capacity int, seed uint64) *Reservoir {
	if capacity < 1 {
		capacity = 1
	}
	r := &Reservoir{cap: capacity}
	r.seed(seed)
	return r
}

// NewReservoirOf returns the sample that adding values one by one to
// NewReservoir(capacity, seed) makes when they fit (len(values) <=
// capacity): all of them, complete, its random stream untouched. It takes
// values as its own, without a copy, so a caller holding a whole column
// pays neither a second copy nor the appends' growth.
func NewReservoirOf(values []float64, capacity int, seed uint64) (*Reservoir, error) {
	r := NewReservoir(capacity, seed)
	if len(values) > r.cap {
		return nil, fmt.Errorf("reservoir: %d values, capacity %d", len(values), r.cap)
	}
	for i, x := range values {
		if x-x != 0 {
			return nil, fmt.Errorf("reservoir: value %d is %v: want finite values", i, x)
		}
	}
	r.values, r.seen = values, uint64(len(values))
	return r, nil
}

func (r *Reservoir) seed(seed uint64) {
	r.src = rand.NewPCG(seed, 0x9e3779b97f4a7c15)
	r.rng = rand.New(r.src)
}

// Add offers one value. It does not allocate once the sample is full.
func (r *Reservoir) Add(x float64) {
	if x-x != 0 { // NaN or ±Inf
		return
	}
	if r.rng == nil { // zero value
		*r = *NewReservoir(r.cap, 0)
	}
	r.seen++
	n := len(r.values)
	if n < r.cap && uint64(n)+1 == r.seen {
		r.values = append(r.values, x)
		return
	}
	// Keep x with probability n/seen, in place of a uniformly chosen value.
	// n is Cap, or less after merging a smaller reservoir: an incomplete
	// sample cannot grow and stay uniform, so it keeps its size.
	if j := r.rng.Uint64N(r.seen); j < uint64(n) {
		r.values[j] = x
	}
}

// Merge folds o into r so that r becomes a uniform sample of both streams
// together: each of the r.Seen()+o.Seen() values is in the result with the
// same probability. o is not modified.
//
// The result holds m = min(Cap, total seen) values, split between the sides
// as m draws without replacement from the n1 values r saw and the n2 values
// o saw (a hypergeometric count), each side's share then taken uniformly
// from its sample. A uniform subset of a uniform sample is a uniform subset
// of its stream, so the union is a uniform m-subset of all n1+n2 values.
// When o's capacity is smaller than r's, m is also limited so that neither
// side is asked for more values than its sample holds.
func (r *Reservoir) Merge(o *Reservoir) {
	if o == nil || o.seen == 0 {
		return
	}
	if r.rng == nil {
		*r = *NewReservoir(r.cap, 0)
	}
	if o == r {
		c := *o
		c.values = append([]float64(nil), o.values...)
		o = &c
	}
	n1, n2 := r.seen, o.seen
	a, b := len(r.values), len(o.values)
	total := n1 + n2
	if total <= uint64(r.cap) && uint64(a) == n1 && uint64(b) == n2 {
		r.values = append(r.values, o.values...) // both complete and it fits
		r.seen = total
		return
	}
	m := uint64(r.cap)
	m = min(m, total)
	if uint64(a) < n1 {
		m = min(m, uint64(a))
	}
	if uint64(b) < n2 {
		m = min(m, uint64(b))
	}
	// x values from r's side: draw m times without replacement from an urn
	// of n1 values of r's stream and n2 of o's.
	var x uint64
	rem1, rem2 := n1, n2
	for range m {
		if r.rng.Uint64N(rem1+rem2) < rem1 {
			x++
			rem1--
		} else {
			rem2--
		}
	}
	// x uniformly from r's sample, in place (partial Fisher-Yates)...
	for i := range x {
		j := i + r.rng.Uint64N(uint64(a)-i)
		r.values[i], r.values[j] = r.values[j], r.values[i]
	}
	r.values = r.values[:x]
	// ...and m-x uniformly from o's, on a copy.
	rest := m - x
	pool := append([]float64(nil), o.values...)
	for i := range rest {
		j := i + r.rng.Uint64N(uint64(b)-i)
		pool[i], pool[j] = pool[j], pool[i]
	}
	r.values = append(r.values, pool[:rest]...)
	r.seen = total
}

// Values returns the sample (not a copy; do not modify). Its order carries
// no meaning.
func (r *Reservoir) Values() []float64 { return r.values }

// Seen is the number of values offered.
func (r *Reservoir) Seen() uint64 { return r.seen }

// Cap is the largest number of values the sample holds.
func (r *Reservoir) Cap() int { return r.cap }

// Complete reports whether the sample holds every value offered.
func (r *Reservoir) Complete() bool { return r.seen == uint64(len(r.values)) }

type reservoirJSON struct {
	Values []float64 `json:"values"`
	Seen   uint64    `json:"seen"`
	Cap    int       `json:"cap"`
	// RNG is the random stream's state (math/rand/v2 PCG binary form), so
	// a restored sample continues as the original would. Absent in older
	// checkpoints: the stream then restarts from a seed derived from Seen.
	RNG []byte `json:"rng,omitempty"`
}

// MarshalJSON keeps the values, the counts and the random stream's state.
func (r *Reservoir) MarshalJSON() ([]byte, error) {
	j := reservoirJSON{Values: r.values, Seen: r.seen, Cap: r.cap}
	if j.Values == nil {
		j.Values = []float64{}
	}
	if r.src != nil {
		st, err := r.src.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("reservoir: random state: %w", err)
		}
		j.RNG = st
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes what MarshalJSON wrote; null leaves r unchanged.
func (r *Reservoir) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var j reservoirJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("reservoir: %w", err)
	}
	if j.Cap < 1 || len(j.Values) > j.Cap || uint64(len(j.Values)) > j.Seen ||
		(len(j.Values) == 0 && j.Seen > 0) {
		return fmt.Errorf("reservoir: %d values, seen %d, cap %d: %w", len(j.Values), j.Seen, j.Cap, ErrCorrupt)
	}
	d := NewReservoir(j.Cap, j.Seen)
	if j.RNG != nil {
		if err := d.src.UnmarshalBinary(j.RNG); err != nil {
			return fmt.Errorf("reservoir: random state: %w: %w", ErrCorrupt, err)
		}
	}
	d.values, d.seen = j.Values, j.Seen
	*r = *d
	return nil
}
