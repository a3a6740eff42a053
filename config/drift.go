package config

import (
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

// Policy is the model's evaluation policy for its feature types: the
// detectors' defaults with what the file sets laid over them. Listed
// methods replace the default set, a decide method not among them is
// added, thresholds override the defaults method by method, calibrate
// turns the calibrated threshold on or off, and calibration tunes it.
// ModelConfig.DriftPolicy adds the features' own overrides.
func (d DriftConfig) Policy() detectors.Policy {
	p := detectors.DefaultPolicy()
	d.Numeric.merge(&p.Numeric, d.Calibration)
	d.Categorical.merge(&p.Categorical, d.Calibration)
	p.Correction = d.Correction
	return p
}

// DriftPolicy is the model's whole evaluation policy: DriftConfig.Policy
// and, per feature with a drift section, its own MethodSet (its type's,
// with the feature's decide method, threshold and calibration laid over
// it). serve evaluates with it.
func (m *ModelConfig) DriftPolicy() detectors.Policy {
	p := m.Drift.Policy()
	for _, f := range m.Features {
		if f.Drift == nil {
			continue
		}
		if p.Features == nil {
			p.Features = map[string]detectors.FeatureSet{}
		}
		p.Features[f.Name] = f.Drift.set(p, f.Type, m.Drift.Calibration)
	}
	return p
}

func (fd *FeatureDriftConfig) set(p detectors.Policy, kind drift.FeatureKind, cc CalibrationConfig) detectors.FeatureSet {
	base := p.Categorical
	if kind == drift.Numeric {
		base = p.Numeric
	}
	s := base
	s.Methods = slices.Clone(base.Methods)
	s.Thresholds = maps.Clone(base.Thresholds)
	if fd.Decide != "" {
		s.Decide = fd.Decide
		if !slices.Contains(s.Methods, s.Decide) {
			s.Methods = append(s.Methods, s.Decide)
		}
	}
	if fd.Threshold != nil {
		s.Thresholds[s.Decide] = *fd.Threshold
	}
	// Naming a method or a threshold fixes it, unless calibrate says
	// otherwise.
	on := s.Calibration != nil && fd.Decide == "" && fd.Threshold == nil
	if fd.Calibrate != nil {
		on = *fd.Calibrate
	}
	s.Calibration = nil
	if on {
		c := cc.calibration()
		s.Calibration = &c
	}
	return detectors.FeatureSet{Kind: kind, MethodSet: s}
}

func (cc CalibrationConfig) calibration() detectors.Calibration {
	c := detectors.DefaultCalibration()
	if cc.K != 0 {
		c.K = cc.K
	}
	if cc.MinWindows != 0 {
		c.MinWindows = cc.MinWindows
	}
	if cc.MaxWindows != 0 {
		c.MaxWindows = cc.MaxWindows
	}
	if cc.Resamples != 0 {
		c.Resamples = cc.Resamples
	}
	c.Floor = cc.Floor
	return c
}

func (mc MethodConfig) merge(dst *detectors.MethodSet, cc CalibrationConfig) {
	if len(mc.Methods) > 0 {
		dst.Methods = slices.Clone(mc.Methods)
	}
	if mc.Decide != "" {
		dst.Decide = mc.Decide
		if !slices.Contains(dst.Methods, mc.Decide) {
			dst.Methods = append(dst.Methods, mc.Decide)
		}
	}
	th := maps.Clone(dst.Thresholds)
	maps.Copy(th, mc.Thresholds)
	dst.Thresholds = th
	// A decide method or threshold the file names is a fixed choice,
	// unless calibrate says otherwise.
	_, ownThreshold := mc.Thresholds[dst.Decide]
	on := dst.Calibration != nil && mc.Decide == "" && !ownThreshold
	if mc.Calibrate != nil {
		on = *mc.Calibrate
	}
	dst.Calibration = nil
	if on {
		c := cc.calibration()
		dst.Calibration = &c
	}
}

// validate checks the drift section against the detectors' rules, each
// mistake at the key that makes it: unknown or repeated methods, a decide
// method or threshold outside the listed methods, a p-value threshold above
// 1, a decide method left with threshold 0 (report only, so no verdict).
func (d *DriftConfig) validate(v *validator, p string) {
	before := len(v.errs)
	set := d.Policy()
	d.Numeric.validate(v, p+".numeric", drift.Numeric, set.Numeric)
	d.Categorical.validate(v, p+".categorical", drift.Categorical, set.Categorical)
	d.Calibration.validate(v, p+".calibration")
	if d.Correction != "" {
		oneOf(v, p+".correction", d.Correction, detectors.Corrections()...)
	}
	if len(v.errs) > before {
		return
	}
	// Whatever the checks above do not name still stops the policy from
	// being used; say so here rather than when the service starts.
	if err := set.Validate(); err != nil {
		for _, e := range unjoin(err) {
			v.errorf(p, "%v", e)
		}
	}
}

func (mc *MethodConfig) validate(v *validator, p string, kind drift.FeatureKind, set detectors.MethodSet) {
	known := stats.Methods(kind)
	want := strings.Join(known, ", ")
	for i, m := range mc.Methods {
		mp := joinIndex(p+".methods", i)
		switch {
		case !slices.Contains(known, m):
			v.errorf(mp, "unknown method %q (want one of %s)", m, want)
		case slices.Index(mc.Methods, m) < i:
			v.errorf(mp, "method %q is listed twice", m)
		}
	}
	// With methods listed, decide and thresholds must be among them; with
	// none, the default set applies and any known method may be named.
	listed := known
	what := "a known method (" + want + ")"
	if len(mc.Methods) > 0 {
		listed = mc.Methods
		what = "one of methods (" + strings.Join(mc.Methods, ", ") + ")"
	}
	decideOK := true
	if mc.Decide != "" && !slices.Contains(listed, mc.Decide) {
		v.errorf(p+".decide", "%q is not %s", mc.Decide, what)
		decideOK = false
	}
	for _, name := range slices.Sorted(maps.Keys(mc.Thresholds)) {
		tp := joinKey(p+".thresholds", name)
		th := mc.Thresholds[name]
		switch {
		case !slices.Contains(listed, name):
			v.errorf(tp, "%q is not %s", name, what)
		case th < 0:
			v.errorf(tp, "must not be negative, got %g", th)
		case th > 1 && stats.IsPValueMethod(name):
			v.errorf(tp, "%s drifts when its p-value falls below the threshold: want at most 1, got %g", name, th)
		}
	}
	if !decideOK {
		return
	}
	// The verdict needs a threshold: 0 means report only.
	if th, ok := set.Thresholds[set.Decide]; ok && th == 0 {
		if _, own := mc.Thresholds[set.Decide]; own {
			v.errorf(joinKey(p+".thresholds", set.Decide), "%q decides the verdict: threshold 0 (report only) would leave none", set.Decide)
			return
		}
		v.errorf(p+".decide", "%q reports only by default (threshold 0), so it gives no verdict: set thresholds.%s too", set.Decide, set.Decide)
	}
}

// unjoin returns the errors errors.Join put together, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func (cc CalibrationConfig) validate(v *validator, p string) {
	switch {
	case math.IsNaN(cc.K) || math.IsInf(cc.K, 0) || cc.K < 0:
		v.errorf(p+".k", "want a finite number >= 0, got %g", cc.K)
	case cc.MinWindows < 0:
		v.errorf(p+".min_windows", "must not be negative, got %d", cc.MinWindows)
	case cc.MaxWindows < 0:
		v.errorf(p+".max_windows", "must not be negative, got %d", cc.MaxWindows)
	case cc.Resamples < 0:
		v.errorf(p+".resamples", "must not be negative, got %d", cc.Resamples)
	case math.IsNaN(cc.Floor) || math.IsInf(cc.Floor, 0) || cc.Floor < 0:
		v.errorf(p+".floor", "want a finite number >= 0, got %g", cc.Floor)
	default:
		if c := cc.calibration(); c.MinWindows > c.MaxWindows {
			v.errorf(p+".min_windows", "%d is above max_windows (%d)", c.MinWindows, c.MaxWindows)
		}
	}
}

// validate checks a feature's drift override at the key that makes
// each mistake: a decide method the feature's type lacks, an impossible
// threshold, a decide method left without a verdict.
func (fd *FeatureDriftConfig) validate(v *validator, p string, kind drift.FeatureKind, m *ModelConfig) {
	if kind == 0 {
		return // the missing type is reported already
	}
	known := stats.Methods(kind)
	if fd.Decide != "" && !slices.Contains(known, fd.Decide) {
		v.errorf(p+".decide", "%q is not a method of %s features (want one of %s)", fd.Decide, kind, strings.Join(known, ", "))
		return
	}
	set := fd.set(m.Drift.Policy(), kind, m.Drift.Calibration)
	if th := fd.Threshold; th != nil {
		switch {
		case math.IsNaN(*th) || math.IsInf(*th, 0) || *th < 0:
			v.errorf(p+".threshold", "want a finite number >= 0, got %g", *th)
			return
		case *th > 1 && stats.IsPValueMethod(set.Decide):
			v.errorf(p+".threshold", "%s drifts when its p-value falls below the threshold: want at most 1, got %g", set.Decide, *th)
			return
		case *th == 0:
			v.errorf(p+".threshold", "%q decides the verdict: threshold 0 (report only) would leave none", set.Decide)
			return
		}
	}
	if set.Thresholds[set.Decide] == 0 {
		v.errorf(p+".decide", "%q reports only by default (threshold 0), so it gives no verdict: set threshold too", set.Decide)
		return
	}
	if err := set.Validate(kind); err != nil {
		for _, e := range unjoin(err) {
			v.errorf(p, "%v", e)
		}
	}
}
