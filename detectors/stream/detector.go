package stream

import (
	"fmt"
)

// Signal is what a detector says after one value.
type Signal uint8

const (
	// None: no change suspected.
	None Signal = iota
	// Warning: the stream may be changing; a caller can start collecting
	// recent events to retrain on.
	Warning
	// Drift: a change was detected. The detector resets itself on the next
	// Update, as River's do.
	Drift
)

// String returns the kind as the detections table spells it ("warning",
// "drift"), or "none".
func (s Signal) String() string {
	switch s {
	case Warning:
		return "warning"
	case Drift:
		return "drift"
	}
	return "none"
}

// Detector is a streaming change detector: one value in, one signal out.
type Detector interface {
	// Update feeds the next value of the stream and reports the state after
	// it. Binary detectors (DDM, EDDM, HDDM_A, HDDM_W) expect 1 for an error
	// and 0 for a correct prediction.
	Update(x float64) Signal
	// Reset forgets everything seen, keeping the configuration.
	Reset()
}

// Method names, as the concept rows of drift_results spell them.
const (
	MethodDDM         = "ddm"
	MethodEDDM        = "eddm"
	MethodADWIN       = "adwin"
	MethodPageHinkley = "page_hinkley"
	MethodHDDMA       = "hddm_a"
	MethodHDDMW       = "hddm_w"
	MethodKSWIN       = "kswin"
)

// Methods lists every detector, in the order of the drift_results contract.
func Methods() []string {
	return []string{MethodDDM, MethodEDDM, MethodADWIN, MethodPageHinkley, MethodHDDMA, MethodHDDMW, MethodKSWIN}
}

// Defaults are the detectors a model runs when its configuration names
// none: those that, at River's parameters, signal nothing on stable error
// streams (SEA's first concept; Bernoulli streams at error rates 0.05,
// 0.1, 0.25 and 0.4, ten seeds of 50,000 events each) and still catch
// each of SEA's two rises within 2,500 events. Only ADWIN does all of it;
// the others raise false alarms on some stable stream or miss a rise
// (TestStableTable measures it; the README's "Concept drift detectors"
// holds its table) and run only when a model lists them.
func Defaults() []string {
	return []string{MethodADWIN}
}

// New returns a detector with River's default parameters. seed only matters
// to KSWIN, the one randomised detector.
func New(method string, seed uint64) (Detector, error) {
	switch method {
	case MethodDDM:
		return NewDDM(DefaultDDMConfig())
	case MethodEDDM:
		return NewEDDM(DefaultEDDMConfig())
	case MethodADWIN:
		return NewADWIN(DefaultADWINConfig())
	case MethodPageHinkley:
		return NewPageHinkley(DefaultPageHinkleyConfig())
	case MethodHDDMA:
		return NewHDDMA(DefaultHDDMAConfig())
	case MethodHDDMW:
		return NewHDDMW(DefaultHDDMWConfig())
	case MethodKSWIN:
		c := DefaultKSWINConfig()
		c.Seed = seed
		return NewKSWIN(c)
	}
	return nil, fmt.Errorf("stream detector %q: unknown method", method)
}

// signal folds River's two flags into one Signal; drift wins, as a caller
// acting on drift does not care about the warning beside it (EDDM can hold
// both).
func signal(warning, drift bool) Signal {
	switch {
	case drift:
		return Drift
	case warning:
		return Warning
	}
	return None
}
