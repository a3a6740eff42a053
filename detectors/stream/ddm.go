package stream

import (
	"fmt"
	"math"
)

// DDMConfig parameterises DDM; DefaultDDMConfig gives River's defaults.
type DDMConfig struct {
	// WarmStart is the number of values before any signal (default 30).
	WarmStart int
	// WarningThreshold w_l: warning when p+s > p_min + w_l*s_min (default 2,
	// about a 95% one-sided confidence level).
	WarningThreshold float64
	// DriftThreshold d_l: drift when p+s > p_min + d_l*s_min (default 3,
	// about 99%).
	DriftThreshold float64
}

// DefaultDDMConfig returns River's defaults: warm start 30, warning 2, drift 3.
func DefaultDDMConfig() DDMConfig {
	return DDMConfig{WarmStart: 30, WarningThreshold: 2, DriftThreshold: 3}
}

// DDM is the Drift Detection Method (Gama, Medas, Castillo, Rodrigues,
// "Learning with Drift Detection", SBIA 2004), as river.drift.binary.DDM.
//
// It tracks the running error rate p and its binomial standard deviation
// s = sqrt(p(1-p)/n), remembers the (p, s) at which p+s was smallest, and
// signals when p+s rises past that minimum by WarningThreshold or
// DriftThreshold of its s. One-sided: a falling error rate only lowers the
// minimum, it never signals.
type DDM struct {
	cfg DDMConfig
	st  ddmState
}

type ddmState struct {
	P          mean
	PMin, SMin float64
	PSMin      float64
	Warn, Drft bool
}

// NewDDM returns a DDM, or an error for an invalid configuration.
func NewDDM(c DDMConfig) (*DDM, error) {
	if c.WarmStart < 0 || !(c.WarningThreshold > 0) || c.DriftThreshold < c.WarningThreshold {
		return nil, fmt.Errorf("ddm: need warm_start >= 0 and 0 < warning_threshold <= drift_threshold, got %+v", c)
	}
	d := &DDM{cfg: c}
	d.Reset()
	return d, nil
}

// Reset implements Detector.
func (d *DDM) Reset() { d.st = ddmState{PSMin: math.Inf(1)} }

// Update implements Detector; x is 1 for an error, 0 otherwise.
func (d *DDM) Update(x float64) Signal {
	if d.st.Drft {
		d.Reset()
	}
	st := &d.st
	st.P.update(x)
	p, n := st.P.M, st.P.N
	s := math.Sqrt(p * (1 - p) / n)
	if n > float64(d.cfg.WarmStart) {
		if p+s <= st.PSMin {
			st.PMin, st.SMin = p, s
			st.PSMin = st.PMin + st.SMin
		}
		st.Warn = p+s > st.PMin+float64(d.cfg.WarningThreshold*st.SMin)
		if p+s > st.PMin+float64(d.cfg.DriftThreshold*st.SMin) {
			st.Drft, st.Warn = true, false
		}
	}
	return signal(st.Warn, st.Drft)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (d *DDM) MarshalBinary() ([]byte, error) { return marshal(MethodDDM, d.cfg, d.st) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (d *DDM) UnmarshalBinary(b []byte) error {
	c, s, err := unmarshal[DDMConfig, ddmState](MethodDDM, b)
	if err != nil {
		return err
	}
	d.cfg, d.st = c, s
	return nil
}
