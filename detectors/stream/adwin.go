package stream

import (
	"fmt"
	"math"
)

// ADWINConfig parameterises ADWIN; DefaultADWINConfig gives River's defaults.
type ADWINConfig struct {
	// Delta is the confidence of the cut test (default 0.002): smaller means
	// fewer false alarms and later detections.
	Delta float64
	// Clock: the window is checked for cuts every Clock values (default 32),
	// which bounds the cost per value.
	Clock int
	// MaxBuckets per level of the exponential histogram (default 5): the
	// memory/precision trade-off of the window summary.
	MaxBuckets int
	// MinWindowLength: both halves of a cut need at least this many values
	// (default 5).
	MinWindowLength int
	// GracePeriod: no cut is tested while the window holds at most this many
	// values (default 10).
	GracePeriod int
}

// DefaultADWINConfig returns River's defaults: delta 0.002, clock 32,
// max_buckets 5, min_window_length 5, grace_period 10.
func DefaultADWINConfig() ADWINConfig {
	return ADWINConfig{Delta: 0.002, Clock: 32, MaxBuckets: 5, MinWindowLength: 5, GracePeriod: 10}
}

// ADWIN is ADaptive WINdowing (Bifet & Gavalda, "Learning from
// Time-Changing Data with Adaptive Windowing", SDM 2007), as River's
// river.drift.ADWIN (its Rust core, rust_src/adwin.rs, whose operation order
// this follows).
//
// It keeps a window of recent values, summarised in an exponential
// histogram, and drops its oldest part whenever some split of the window
// into older and newer halves shows means further apart than a Hoeffding-
// and-Bernstein bound at confidence Delta. Two-sided: a rise or a fall of
// the mean is a drift. It reports no warnings. After a drift, as River's,
// the next Update starts from an empty window.
type ADWIN struct {
	cfg ADWINConfig
	st  adwinState
}

// adwinBucket holds up to MaxBuckets+1 summaries, each of 2^level values,
// oldest first.
type adwinBucket struct {
	Totals, Variances []float64
	N                 int
}

type adwinState struct {
	Total, Variance, Width float64
	NBuckets               int
	Tick                   int
	Buckets                []adwinBucket
	Drft                   bool
}

// NewADWIN returns an ADWIN, or an error for an invalid configuration.
func NewADWIN(c ADWINConfig) (*ADWIN, error) {
	if !(c.Delta > 0 && c.Delta < 1) || c.Clock < 1 || c.MaxBuckets < 1 || c.MinWindowLength < 1 || c.GracePeriod < 0 {
		return nil, fmt.Errorf("adwin: need 0 < delta < 1, clock, max_buckets, min_window_length >= 1, grace_period >= 0, got %+v", c)
	}
	d := &ADWIN{cfg: c}
	d.Reset()
	return d, nil
}

// Reset implements Detector.
func (d *ADWIN) Reset() {
	d.st = adwinState{Buckets: []adwinBucket{d.newBucket()}}
}

func (d *ADWIN) newBucket() adwinBucket {
	return adwinBucket{
		Totals:    make([]float64, d.cfg.MaxBuckets+1),
		Variances: make([]float64, d.cfg.MaxBuckets+1),
	}
}

// Width is the number of values in the current window.
func (d *ADWIN) Width() int { return int(d.st.Width) }

// Estimation is the mean of the current window (0 when empty).
func (d *ADWIN) Estimation() float64 {
	if d.st.Width == 0 {
		return 0
	}
	return d.st.Total / d.st.Width
}

// Update implements Detector.
func (d *ADWIN) Update(x float64) Signal {
	if d.st.Drft {
		d.Reset()
	}
	d.insert(x)
	d.st.Drft = d.detect()
	return signal(false, d.st.Drft)
}

func (b *adwinBucket) insert(total, variance float64) {
	b.Totals[b.N], b.Variances[b.N] = total, variance
	b.N++
}

// drop removes the k oldest summaries.
func (b *adwinBucket) drop(k int) {
	copy(b.Totals, b.Totals[k:b.N])
	copy(b.Variances, b.Variances[k:b.N])
	for i := b.N - k; i < b.N; i++ {
		b.Totals[i], b.Variances[i] = 0, 0
	}
	b.N -= k
}

func (d *ADWIN) insert(x float64) {
	st := &d.st
	st.Buckets[0].insert(x, 0)
	st.NBuckets++
	st.Width++
	inc := 0.0
	if st.Width > 1 {
		dv := x - st.Total/(st.Width-1)
		inc = (st.Width - 1) * dv * dv / st.Width
	}
	st.Variance += inc
	st.Total += x
	d.compress()
}

// compress merges the two oldest summaries of a full level into one of the
// next level, cascading up.
func (d *ADWIN) compress() {
	st := &d.st
	for i := 0; st.Buckets[i].N == d.cfg.MaxBuckets+1; i++ {
		b := &st.Buckets[i]
		n1 := float64(uint64(1) << i)
		mu1, mu2 := b.Totals[0]/n1, b.Totals[1]/n1
		total := b.Totals[0] + b.Totals[1]
		temp := float64(n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2))
		v := b.Variances[0] + b.Variances[1] + temp
		if i+1 >= len(st.Buckets) {
			st.Buckets = append(st.Buckets, d.newBucket())
		}
		st.Buckets[i+1].insert(total, v)
		st.NBuckets++
		st.Buckets[i].drop(2)
		if st.Buckets[i+1].N <= d.cfg.MaxBuckets {
			break
		}
	}
}

// deleteOldest drops the oldest summary of the window.
func (d *ADWIN) deleteOldest() {
	st := &d.st
	last := len(st.Buckets) - 1
	n := float64(uint64(1) << last)
	u, v := st.Buckets[last].Totals[0], st.Buckets[last].Variances[0]
	mu := u / n
	st.Width -= n
	st.Total -= u
	muW := st.Total / st.Width
	st.Variance -= v + n*st.Width*(mu-muW)*(mu-muW)/(n+st.Width)
	st.Buckets[last].drop(1)
	st.NBuckets--
	if st.Buckets[last].N == 0 {
		st.Buckets = st.Buckets[:last]
	}
}

func (d *ADWIN) detect() bool {
	st := &d.st
	change := false
	st.Tick++
	if st.Tick%d.cfg.Clock != 0 || !(st.Width > float64(d.cfg.GracePeriod)) {
		return false
	}
	minLen := float64(d.cfg.MinWindowLength)
	for reduce := true; reduce; {
		reduce = false
		n0, n1 := 0.0, st.Width
		u0, u1 := 0.0, st.Total
	scan:
		// Oldest level first, oldest summary first: the cut moves from the
		// old end of the window towards the new one.
		for i := len(st.Buckets) - 1; i >= 0; i-- {
			size := float64(uint64(1) << i)
			b := &st.Buckets[i]
			for k := 0; k < b.N; k++ {
				n0 += size
				n1 -= size
				u0 += b.Totals[k]
				u1 -= b.Totals[k]
				if i == 0 && k == b.N-1 {
					break scan
				}
				dm := u0/n0 - u1/n1
				if n1 >= minLen && n0 >= minLen && d.cut(n0, n1, dm) {
					reduce, change = true, true
					if st.Width > 0 {
						d.deleteOldest()
						break scan
					}
				}
			}
		}
	}
	return change
}

func (d *ADWIN) cut(n0, n1, deltaMean float64) bool {
	st := &d.st
	minLen := float64(d.cfg.MinWindowLength)
	deltaPrime := math.Log(2 * math.Log(st.Width) / d.cfg.Delta)
	mRecip := 1/(n0-minLen+1) + 1/(n1-minLen+1)
	eps := math.Sqrt(2*mRecip*(st.Variance/st.Width)*deltaPrime) + float64(2.0/3.0*deltaPrime*mRecip)
	return math.Abs(deltaMean) > eps
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (d *ADWIN) MarshalBinary() ([]byte, error) { return marshal(MethodADWIN, d.cfg, d.st) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (d *ADWIN) UnmarshalBinary(b []byte) error {
	c, s, err := unmarshal[ADWINConfig, adwinState](MethodADWIN, b)
	if err != nil {
		return err
	}
	for i := range s.Buckets {
		// A checkpoint written by hand or by an older version may carry
		// short slices; every level needs room for MaxBuckets+1 summaries.
		for len(s.Buckets[i].Totals) < c.MaxBuckets+1 {
			s.Buckets[i].Totals = append(s.Buckets[i].Totals, 0)
		}
		for len(s.Buckets[i].Variances) < c.MaxBuckets+1 {
			s.Buckets[i].Variances = append(s.Buckets[i].Variances, 0)
		}
	}
	if len(s.Buckets) == 0 {
		s.Buckets = []adwinBucket{{Totals: make([]float64, c.MaxBuckets+1), Variances: make([]float64, c.MaxBuckets+1)}}
	}
	d.cfg, d.st = c, s
	return nil
}
