package stream

import (
	"fmt"
	"slices"
)

// KSWINConfig parameterises KSWIN; DefaultKSWINConfig gives River's
// defaults.
type KSWINConfig struct {
	// Alpha, the significance of the Kolmogorov-Smirnov test (default
	// 0.005). River advises keeping it below 0.01: the test runs on every
	// value, so false alarms add up.
	Alpha float64
	// WindowSize, the sliding window (default 100).
	WindowSize int
	// StatSize, the newest part of the window tested against an equal-size
	// sample of the older part (default 30).
	StatSize int
	// Seed of the sub-sampling. River defaults to None (an unseeded
	// generator); here it is always explicit, so that runs and checkpoints
	// are reproducible. Seeds match Python's random.Random(seed).
	Seed uint64
}

// DefaultKSWINConfig returns River's defaults: alpha 0.005, window 100,
// statistic window 30, and seed 0 (River: none).
func DefaultKSWINConfig() KSWINConfig {
	return KSWINConfig{Alpha: 0.005, WindowSize: 100, StatSize: 30}
}

// KSWIN is Kolmogorov-Smirnov Windowing (Raab, Heusinger, Schleif,
// "Reactive Soft Prototype Computing for Concept Drift Streams",
// Neurocomputing 2020), as river.drift.KSWIN.
//
// Once the window is full, every value draws StatSize values at random from
// the older WindowSize-StatSize of the window and runs a two-sample KS test
// (scipy's exact p-value, as River's ks_2samp with method auto at these
// sizes) against the newest StatSize; drift when p <= Alpha and the
// statistic exceeds 0.1. The window then keeps only its newest StatSize
// values. It sees any change of the distribution, in either direction, and
// reports no warnings. As in River, the generator is re-seeded at every
// reset, drifts included.
type KSWIN struct {
	cfg KSWINConfig
	st  kswinState
	// scratch buffers, not state
	idx, pool []int
	old, new  []float64
}

type kswinState struct {
	// Window is a ring of the last WindowSize values; Start is its oldest.
	Window     []float64
	Start, Len int
	N          int
	RNG        mt19937
	PValue     float64
	Drft       bool
}

// NewKSWIN returns a KSWIN, or an error for an invalid configuration.
func NewKSWIN(c KSWINConfig) (*KSWIN, error) {
	if !(c.Alpha >= 0 && c.Alpha <= 1) || c.StatSize < 1 || c.WindowSize < 2*c.StatSize {
		// River only asks stat_size <= window_size, but random.sample of
		// stat_size values from the older window_size-stat_size then fails
		// unless window_size >= 2*stat_size.
		return nil, fmt.Errorf("kswin: need 0 <= alpha <= 1, stat_size >= 1, window_size >= 2*stat_size, got %+v", c)
	}
	d := &KSWIN{cfg: c}
	d.Reset()
	return d, nil
}

// Reset implements Detector.
func (d *KSWIN) Reset() {
	d.st = kswinState{Window: make([]float64, d.cfg.WindowSize)}
	d.st.RNG.seedPython(d.cfg.Seed)
}

// PValue is the p-value of the last test (0 before the first).
func (d *KSWIN) PValue() float64 { return d.st.PValue }

func (d *KSWIN) at(i int) float64 { return d.st.Window[(d.st.Start+i)%d.cfg.WindowSize] }

// Update implements Detector.
func (d *KSWIN) Update(x float64) Signal {
	if d.st.Drft {
		d.Reset()
	}
	st := &d.st
	w, r := d.cfg.WindowSize, d.cfg.StatSize
	st.N++
	if st.Len < w {
		st.Window[(st.Start+st.Len)%w] = x
		st.Len++
	} else {
		st.Window[st.Start] = x
		st.Start = (st.Start + 1) % w
	}
	if st.Len < w {
		st.Drft = false
		return None
	}
	d.idx, d.pool = st.RNG.sample(w-r, r, d.idx, d.pool)
	d.old, d.new = d.old[:0], d.new[:0]
	for _, i := range d.idx {
		d.old = append(d.old, d.at(i))
	}
	for i := w - r; i < w; i++ {
		d.new = append(d.new, d.at(i))
	}
	stat, p := ksEqual(d.old, d.new)
	st.PValue = p
	st.Drft = p <= d.cfg.Alpha && stat > 0.1
	if st.Drft {
		// Keep the newest r values, oldest first.
		kept := slices.Clone(d.new)
		clear(st.Window)
		copy(st.Window, kept)
		st.Start, st.Len = 0, r
	}
	return signal(false, st.Drft)
}

// ksEqual is scipy.stats.ks_2samp(a, b) for len(a) == len(b) == n with the
// exact two-sided p-value: the statistic D = h/n where h is the largest gap
// between the two counts of values <= t, and P(D_{n,n} >= h/n) by scipy's
// _compute_prob_outside_square. Sorts a and b in place.
//
// scipy falls back to the asymptotic distribution when the exact value
// leaves [0, 1], which happens only for p a rounding error above 1; this
// clips to 1 instead. Both are then far above any usable alpha.
func ksEqual(a, b []float64) (stat, p float64) {
	slices.Sort(a)
	slices.Sort(b)
	n := len(a)
	h, i, j := 0, 0, 0
	for i < n && j < n {
		// Step past every copy of the smaller value in both samples, so
		// ties (the 0/1 error stream is all ties) count as scipy's
		// searchsorted(side='right') does.
		v := min(a[i], b[j])
		for i < n && a[i] == v {
			i++
		}
		for j < n && b[j] == v {
			j++
		}
		h = max(h, abs(i-j))
	}
	if h == 0 {
		return 0, 1
	}
	return float64(h) / float64(n), min(1, max(0, probOutsideSquare(n, h)))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// probOutsideSquare is scipy's _compute_prob_outside_square(n, h): the share
// of lattice paths leaving the band |x-y| < h, by a Horner-like alternating
// sum that avoids the cancellation of the binomial formula.
func probOutsideSquare(n, h int) float64 {
	P := 0.0
	for k := n / h; k >= 0; k-- {
		p1 := 1.0
		for j := 0; j < h; j++ {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		P = p1 * (1 - P)
	}
	return 2 * P
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (d *KSWIN) MarshalBinary() ([]byte, error) { return marshal(MethodKSWIN, d.cfg, d.st) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (d *KSWIN) UnmarshalBinary(b []byte) error {
	c, s, err := unmarshal[KSWINConfig, kswinState](MethodKSWIN, b)
	if err != nil {
		return err
	}
	if len(s.Window) != c.WindowSize {
		w := make([]float64, c.WindowSize)
		copy(w, s.Window)
		s.Window = w
	}
	d.cfg, d.st = c, s
	return nil
}
