package config

import (
	"maps"
	"slices"
	"strings"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/drift"
)

// Policy is the model's evaluation policy: the detectors' defaults with
// what the file sets laid over them. Listed methods replace the default
// set, a decide method not among them is added, and thresholds override
// the defaults method by method.
func (d DriftConfig) Policy() detectors.Policy {
	p := detectors.DefaultPolicy()
	d.Numeric.merge(&p.Numeric)
	d.Categorical.merge(&p.Categorical)
	return p
}

func (mc MethodConfig) merge(dst *detectors.MethodSet) {
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
	known := detectors.Methods(kind)
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
		case th > 1 && detectors.IsPValueMethod(name):
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
