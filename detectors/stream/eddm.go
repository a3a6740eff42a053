package stream

import (
	"fmt"
	"math"
)

// EDDMConfig parameterises EDDM; DefaultEDDMConfig gives River's defaults.
type EDDMConfig struct {
	// WarmStart: values, and then errors, before any signal (default 30).
	WarmStart int
	// Alpha: warning when (p'+2s')/(p'max+2s'max) < Alpha (default 0.95).
	Alpha float64
	// Beta: drift when that ratio < Beta (default 0.9); Beta <= Alpha.
	Beta float64
}

// DefaultEDDMConfig returns River's defaults: warm start 30, alpha 0.95, beta 0.9.
func DefaultEDDMConfig() EDDMConfig { return EDDMConfig{WarmStart: 30, Alpha: 0.95, Beta: 0.9} }

// EDDM is the Early Drift Detection Method (Baena-Garcia, del Campo-Avila,
// Fidalgo, Bifet, Gavalda, Morales-Bueno, 2006), as river.drift.binary.EDDM.
//
// It tracks the mean p' and standard deviation s' of the distance between
// consecutive errors, remembers the largest p'+2s', and signals when the
// current value falls to a fraction Alpha (warning) or Beta (drift) of that
// maximum: errors coming closer together. One-sided: errors moving apart
// only raise the maximum. It looks only at errors (x == 1): the warning
// flag, as River's, holds between two errors.
type EDDM struct {
	cfg EDDMConfig
	st  eddmState
}

type eddmState struct {
	Dist       variance
	N          int
	LastError  int
	NErrors    int
	P2SMax     float64
	Warn, Drft bool
}

// NewEDDM returns an EDDM, or an error for an invalid configuration.
func NewEDDM(c EDDMConfig) (*EDDM, error) {
	if c.WarmStart < 0 || c.Alpha < c.Beta || !(c.Beta > 0) || c.Alpha > 1 {
		return nil, fmt.Errorf("eddm: need warm_start >= 0 and 0 < beta <= alpha <= 1, got %+v", c)
	}
	d := &EDDM{cfg: c}
	d.Reset()
	return d, nil
}

// Reset implements Detector.
func (d *EDDM) Reset() { d.st = eddmState{P2SMax: -1} }

// Update implements Detector; x is 1 for an error, anything else counts as
// correct (River tests x == 1).
func (d *EDDM) Update(x float64) Signal {
	if d.st.Drft {
		d.Reset()
	}
	st := &d.st
	st.N++
	if x == 1 {
		st.NErrors++
		st.Dist.update(float64(st.N - st.LastError))
		if st.N > d.cfg.WarmStart {
			p := st.Dist.Mean.M
			// River takes var ** 0.5 (C pow); Sqrt is correctly rounded and
			// pow(v, 0.5) is too in all but rare last-bit cases.
			s := math.Sqrt(st.Dist.get())
			p2s := p + float64(2*s)
			if p2s > st.P2SMax {
				st.P2SMax = p2s
			} else if st.NErrors > d.cfg.WarmStart {
				level := p2s / st.P2SMax
				switch {
				case level < d.cfg.Beta:
					st.Drft = true
				case level < d.cfg.Alpha:
					st.Warn = true
				default:
					st.Warn = false
				}
			}
		}
		st.LastError = st.N
	}
	return signal(st.Warn, st.Drft)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (d *EDDM) MarshalBinary() ([]byte, error) { return marshal(MethodEDDM, d.cfg, d.st) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (d *EDDM) UnmarshalBinary(b []byte) error {
	c, s, err := unmarshal[EDDMConfig, eddmState](MethodEDDM, b)
	if err != nil {
		return err
	}
	d.cfg, d.st = c, s
	return nil
}
