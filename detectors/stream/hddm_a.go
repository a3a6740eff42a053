package stream

import (
	"fmt"
	"math"
)

// HDDMAConfig parameterises HDDM_A; DefaultHDDMAConfig gives River's
// defaults.
type HDDMAConfig struct {
	// DriftConfidence, the significance of the drift test (default 0.001).
	DriftConfidence float64
	// WarningConfidence, the significance of the warning test (default 0.005).
	WarningConfidence float64
	// TwoSided also signals a fall of the error rate (default false).
	TwoSided bool
}

// DefaultHDDMAConfig returns River's defaults: drift confidence 0.001,
// warning confidence 0.005, one-sided.
func DefaultHDDMAConfig() HDDMAConfig {
	return HDDMAConfig{DriftConfidence: 0.001, WarningConfidence: 0.005}
}

// HDDMA is HDDM_A, the drift detection method based on Hoeffding's bound
// with moving averages (Frias-Blanco, del Campo-Avila, Ramos-Jimenez,
// Morales-Bueno, Ortiz-Diaz, Caballero-Mota, "Online and Non-Parametric
// Drift Detection Methods Based on Hoeffding's Bounds", IEEE TKDE 2014), as
// river.drift.binary.HDDMA (after MOA's).
//
// It keeps the mean of all values since the last reset and the prefix at
// which the mean (plus its Hoeffding bound) was lowest, and signals when the
// mean since that cut point exceeds it by more than the bound at the
// warning or drift confidence. One-sided by default: it sees a rise of the
// error rate only.
type HDDMA struct {
	cfg HDDMAConfig
	st  hddmAState
}

type hddmAState struct {
	XMin, XMax, Z mean
	Warn, Drft    bool
}

// NewHDDMA returns an HDDM_A, or an error for an invalid configuration.
func NewHDDMA(c HDDMAConfig) (*HDDMA, error) {
	if !(c.DriftConfidence > 0 && c.DriftConfidence < 1) || !(c.WarningConfidence > 0 && c.WarningConfidence < 1) {
		return nil, fmt.Errorf("hddm_a: confidences must lie in (0, 1), got %+v", c)
	}
	d := &HDDMA{cfg: c}
	d.Reset()
	return d, nil
}

// Reset implements Detector.
func (d *HDDMA) Reset() { d.st = hddmAState{} }

func (d *HDDMA) bound(n float64) float64 {
	return math.Sqrt(1.0 / (2 * n) * math.Log(1.0/d.cfg.DriftConfidence))
}

// Update implements Detector; x is 1 for an error, 0 otherwise.
func (d *HDDMA) Update(x float64) Signal {
	if d.st.Drft {
		d.Reset()
	}
	st := &d.st
	st.Z.update(x)
	if st.XMin.N == 0 {
		st.XMin = st.Z
	}
	if st.XMax.N == 0 {
		st.XMax = st.Z
	}
	// River bounds both cut points with the drift confidence.
	epsZ := d.bound(st.Z.N)
	if st.XMin.M+d.bound(st.XMin.N) >= st.Z.M+epsZ {
		st.XMin = st.Z
	}
	if st.XMax.M-d.bound(st.XMax.N) <= st.Z.M-epsZ {
		st.XMax = st.Z
	}
	switch {
	case d.changed(st.XMin, st.Z, d.cfg.DriftConfidence, 1):
		st.Warn, st.Drft = false, true
	case d.changed(st.XMin, st.Z, d.cfg.WarningConfidence, 1):
		st.Warn, st.Drft = true, false
	default:
		st.Warn, st.Drft = false, false
	}
	if d.cfg.TwoSided {
		if d.changed(st.XMax, st.Z, d.cfg.DriftConfidence, -1) {
			st.Drft = true
		} else if d.changed(st.XMax, st.Z, d.cfg.WarningConfidence, -1) {
			st.Warn = true
		}
	}
	return signal(st.Warn, st.Drft)
}

// changed tests whether the mean since the cut point moved away from the
// cut's mean (sign 1: up, -1: down) by more than the bound.
func (d *HDDMA) changed(cut, z mean, confidence, sign float64) bool {
	if cut.N == z.N {
		return false
	}
	m := (z.N - cut.N) / cut.N * (1.0 / z.N)
	eps := math.Sqrt(m / 2 * math.Log(2.0/confidence))
	if sign > 0 {
		return z.M-cut.M >= eps
	}
	return cut.M-z.M >= eps
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (d *HDDMA) MarshalBinary() ([]byte, error) { return marshal(MethodHDDMA, d.cfg, d.st) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (d *HDDMA) UnmarshalBinary(b []byte) error {
	c, s, err := unmarshal[HDDMAConfig, hddmAState](MethodHDDMA, b)
	if err != nil {
		return err
	}
	d.cfg, d.st = c, s
	return nil
}
