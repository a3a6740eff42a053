package stream

import (
	"fmt"
	"math"
)

// Page-Hinkley modes: which direction of change of the mean is a drift.
const (
	PHUp   = "up"
	PHDown = "down"
	PHBoth = "both"
)

// PageHinkleyConfig parameterises Page-Hinkley; DefaultPageHinkleyConfig
// gives River's defaults.
type PageHinkleyConfig struct {
	// MinInstances before any signal (default 30).
	MinInstances int
	// Delta, the magnitude of change tolerated per value (default 0.005).
	Delta float64
	// Threshold lambda on the cumulative deviation (default 50). On a 0/1
	// error stream this is high: a rise of the error rate by r takes about
	// 50/(r-0.005) values to signal.
	Threshold float64
	// Alpha, the forgetting factor of the cumulative sums (default
	// 1 - 0.0001).
	Alpha float64
	// Mode: PHUp, PHDown or PHBoth (default both).
	Mode string
}

// DefaultPageHinkleyConfig returns River's defaults: min_instances 30,
// delta 0.005, threshold 50, alpha 1-0.0001, mode both.
func DefaultPageHinkleyConfig() PageHinkleyConfig {
	// River computes 1 - 0.0001 at run time; that rounds to the same double
	// as the exact 0.9999 (checked in Python: 1-0.0001 == 0.9999).
	return PageHinkleyConfig{MinInstances: 30, Delta: 0.005, Threshold: 50, Alpha: 0.9999, Mode: PHBoth}
}

// PageHinkley is the Page-Hinkley test (E. S. Page, "Continuous Inspection
// Schemes", Biometrika 1954; its use for drift e.g. Mouss et al. 2004,
// Sebastiao & Fernandes 2017), as river.drift.PageHinkley: a CUSUM of the
// deviations from the running mean, with forgetting factor Alpha, that
// signals drift when the sum climbs Threshold above its minimum (or, for a
// fall, below its maximum). Two-sided in the default mode; no warnings.
type PageHinkley struct {
	cfg PageHinkleyConfig
	st  phState
}

type phState struct {
	Mean             mean
	SumIncr, SumDecr float64
	MinIncr, MaxDecr float64
	Drft             bool
}

// NewPageHinkley returns a Page-Hinkley detector, or an error for an
// invalid configuration.
func NewPageHinkley(c PageHinkleyConfig) (*PageHinkley, error) {
	if c.Mode != PHUp && c.Mode != PHDown && c.Mode != PHBoth {
		return nil, fmt.Errorf("page_hinkley: mode %q: want up, down or both", c.Mode)
	}
	if c.MinInstances < 0 || c.Delta < 0 || !(c.Threshold > 0) || !(c.Alpha > 0 && c.Alpha <= 1) {
		return nil, fmt.Errorf("page_hinkley: need min_instances, delta >= 0, threshold > 0, 0 < alpha <= 1, got %+v", c)
	}
	d := &PageHinkley{cfg: c}
	d.Reset()
	return d, nil
}

// Reset implements Detector. The maximum of the decrease sum starts at -1,
// not -Inf, as in River.
func (d *PageHinkley) Reset() { d.st = phState{MinIncr: math.Inf(1), MaxDecr: -1} }

// Update implements Detector.
func (d *PageHinkley) Update(x float64) Signal {
	if d.st.Drft {
		d.Reset()
	}
	st := &d.st
	st.Mean.update(x)
	dev := x - st.Mean.M
	st.SumIncr = float64(d.cfg.Alpha*st.SumIncr) + dev - d.cfg.Delta
	st.SumDecr = float64(d.cfg.Alpha*st.SumDecr) + dev + d.cfg.Delta
	if st.SumIncr < st.MinIncr {
		st.MinIncr = st.SumIncr
	}
	if st.SumDecr > st.MaxDecr {
		st.MaxDecr = st.SumDecr
	}
	if st.Mean.N >= float64(d.cfg.MinInstances) {
		up := st.SumIncr-st.MinIncr > d.cfg.Threshold
		down := st.MaxDecr-st.SumDecr > d.cfg.Threshold
		switch d.cfg.Mode {
		case PHUp:
			st.Drft = up
		case PHDown:
			st.Drft = down
		default:
			st.Drft = up || down
		}
	}
	return signal(false, st.Drft)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (d *PageHinkley) MarshalBinary() ([]byte, error) {
	return marshal(MethodPageHinkley, d.cfg, d.st)
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (d *PageHinkley) UnmarshalBinary(b []byte) error {
	c, s, err := unmarshal[PageHinkleyConfig, phState](MethodPageHinkley, b)
	if err != nil {
		return err
	}
	d.cfg, d.st = c, s
	return nil
}
