package stream

import (
	"fmt"
	"math"
)

// HDDMWConfig parameterises HDDM_W; DefaultHDDMWConfig gives River's
// defaults.
type HDDMWConfig struct {
	// DriftConfidence, the significance of the drift test (default 0.001).
	DriftConfidence float64
	// WarningConfidence, the significance of the warning test (default 0.005).
	WarningConfidence float64
	// Lambda, the weight of the newest value in the EWMA (default 0.05).
	Lambda float64
	// TwoSided also signals a fall of the error rate (default false).
	TwoSided bool
}

// DefaultHDDMWConfig returns River's defaults: drift confidence 0.001,
// warning confidence 0.005, lambda 0.05, one-sided.
func DefaultHDDMWConfig() HDDMWConfig {
	return HDDMWConfig{DriftConfidence: 0.001, WarningConfidence: 0.005, Lambda: 0.05}
}

// HDDMW is HDDM_W, the drift detection method based on McDiarmid's bound
// with exponentially weighted moving averages (Frias-Blanco et al., IEEE
// TKDE 2014), as river.drift.binary.HDDMW (after MOA's).
//
// It compares the EWMA of the values before a cut point, the point where
// the overall EWMA plus its bound was lowest, with the EWMA of the values
// after it, and signals when the latter exceeds the former by more than
// McDiarmid's bound at the warning or drift confidence. One-sided by
// default: it sees a rise of the error rate only.
type HDDMW struct {
	cfg HDDMWConfig
	st  hddmWState
}

// sampleInfo is an EWMA with its independent bounded condition, the sum of
// squared weights that enters McDiarmid's bound.
type sampleInfo struct {
	EW   ewMean
	Init bool
	IBC  float64
}

func newSampleInfo(lambda float64) sampleInfo {
	return sampleInfo{EW: newEWMean(lambda), IBC: 1}
}

func (s *sampleInfo) update(x, lambdaSq, cLambdaSq float64) {
	s.EW.update(x)
	s.Init = true
	s.IBC = lambdaSq + float64(cLambdaSq*s.IBC)
}

type hddmWState struct {
	Total, S1Decr, S1Incr, S2Decr, S2Incr sampleInfo
	IncrCut, DecrCut                      float64
	Warn, Drft                            bool
}

// NewHDDMW returns an HDDM_W, or an error for an invalid configuration.
func NewHDDMW(c HDDMWConfig) (*HDDMW, error) {
	if !(c.DriftConfidence > 0 && c.DriftConfidence < 1) || !(c.WarningConfidence > 0 && c.WarningConfidence < 1) || !(c.Lambda > 0 && c.Lambda <= 1) {
		return nil, fmt.Errorf("hddm_w: confidences must lie in (0, 1) and lambda in (0, 1], got %+v", c)
	}
	d := &HDDMW{cfg: c}
	d.Reset()
	return d, nil
}

// Reset implements Detector.
func (d *HDDMW) Reset() {
	s := newSampleInfo(d.cfg.Lambda)
	d.st = hddmWState{Total: s, S1Decr: s, S1Incr: s, S2Decr: s, S2Incr: s, IncrCut: math.Inf(1), DecrCut: math.Inf(-1)}
}

func mcdiarmid(ibc, confidence float64) float64 {
	return math.Sqrt(ibc * math.Log(1/confidence) / 2)
}

// Update implements Detector; x is 1 for an error, 0 otherwise.
func (d *HDDMW) Update(x float64) Signal {
	if d.st.Drft {
		d.Reset()
	}
	st := &d.st
	l := d.cfg.Lambda
	// River: lambd * lambd and (1 - lambd) ** 2; pow(y, 2) is exact y*y.
	lsq, clsq := l*l, (1-l)*(1-l)
	st.Total.update(x, lsq, clsq)

	// Increase side: move the cut point while the bounded EWMA keeps falling.
	if eps := mcdiarmid(st.Total.IBC, d.cfg.DriftConfidence); st.Total.EW.M+eps < st.IncrCut {
		st.IncrCut = st.Total.EW.M + eps
		st.S1Incr = st.Total
		st.S2Incr = newSampleInfo(l)
	} else {
		st.S2Incr.update(x, lsq, clsq)
	}
	switch {
	case meanChanged(st.S1Incr, st.S2Incr, d.cfg.DriftConfidence):
		st.Warn, st.Drft = false, true
	case meanChanged(st.S1Incr, st.S2Incr, d.cfg.WarningConfidence):
		st.Warn, st.Drft = true, false
	default:
		st.Warn, st.Drft = false, false
	}

	if eps := mcdiarmid(st.Total.IBC, d.cfg.DriftConfidence); st.Total.EW.M-eps > st.DecrCut {
		st.DecrCut = st.Total.EW.M - eps
		st.S1Decr = st.Total
		st.S2Decr = newSampleInfo(l)
	} else {
		st.S2Decr.update(x, lsq, clsq)
	}
	if d.cfg.TwoSided {
		if meanChanged(st.S2Decr, st.S1Decr, d.cfg.DriftConfidence) {
			st.Drft = true
		} else if meanChanged(st.S2Decr, st.S1Decr, d.cfg.WarningConfidence) {
			st.Warn = true
		}
	}
	return signal(st.Warn, st.Drft)
}

// meanChanged: has the EWMA of b risen above that of a by more than the
// bound?
func meanChanged(a, b sampleInfo, confidence float64) bool {
	if !a.Init || !b.Init {
		return false
	}
	return b.EW.M-a.EW.M > mcdiarmid(a.IBC+b.IBC, confidence)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (d *HDDMW) MarshalBinary() ([]byte, error) { return marshal(MethodHDDMW, d.cfg, d.st) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (d *HDDMW) UnmarshalBinary(b []byte) error {
	c, s, err := unmarshal[HDDMWConfig, hddmWState](MethodHDDMW, b)
	if err != nil {
		return err
	}
	d.cfg, d.st = c, s
	return nil
}
