package detectors

import (
	"math"

	"github.com/driftmon/driftmon/detectors/quality"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

// predictionFeature is the Feature of the prior-shift rows that compare the
// model's outputs.
const predictionFeature = "prediction"

// Evaluate compares a closed window with its reference under policy p and
// returns the drift_results rows, in this order:
//
//   - per feature of cur that ref also has (matched by name, in cur's
//     order), one covariate row per method of the feature kind's MethodSet
//     that has a value;
//   - the same for cur.Prediction against ref.Prediction, as prior rows of
//     feature "prediction";
//   - one dataset row, method "drifted_share": the share of covariate
//     features with a verdict whose verdict is drifted, drifted when above
//     datasetThreshold (0.5). Its NReference and NCurrent both hold the
//     number of features with a verdict (the share's denominator), and its
//     Decision is true, as its Drifted is the dataset's verdict. It is left
//     out when no feature has a verdict, rather than reporting 0/0;
//   - per covariate feature whose decision threshold was calibrated from a
//     reference holding at least two windows of this window's size, one
//     quality row reference_unstable (quality.ReferenceStability): whether
//     the reference's own sub-windows differ more than its resamples.
//
// Every row carries the window's model, version, sequence and bounds, its
// method's threshold, and NReference/NCurrent = the valid values the
// statistic was computed from. The row of the MethodSet's Decide method has
// Decision true and its Drifted is the feature's verdict. The others are
// reported only: Drifted false always, so that no reader (a dashboard, a
// rule, a user's SQL) can take a report for the verdict; what such a row's
// method would have said is its statistic (or p-value) against its
// threshold, which the row keeps (Flagged). A feature whose Decide method
// gave no row has no verdict and no drifted row. Version is left 0 for the
// writer to stamp.
//
// Each statistic is computed from the two summaries by stats.FeaturePair,
// whose doc says how: the histogram methods from the exact bin counts; the
// sample methods from the summaries' samples while the window's sample is
// complete, and beyond it ks, wasserstein and wasserstein_norm from
// estimates of both CDFs that use everything the summaries hold (within
// the error bound stated there; NReference and NCurrent are then the
// whole counts), the others from the window's subsample; categorical and
// boolean features over the sorted union of both sides' categories. A
// test's p-value is scipy's automatic choice (exact below its size
// bounds), but for the methods that do not decide when p.ReportPValues
// asks for the asymptotic one (stats.PValueAsymptotic, as serve does).
//
// A feature is skipped (no rows) when either side has no valid values or
// when one side is numeric and the other not. A method without a value for
// the pair (a sample missing, wasserstein_norm of a constant reference,
// anderson_darling of samples holding one value between them, z_test of
// other than two categories, a method unknown to the kind) is left out: no
// row ever holds NaN or Inf.
//
// A feature's MethodSet is p.Set(name, kind): its own override, else its
// kind's. When that set has a Calibration, its Decide method's threshold is
// calibrated from the reference for the window's size (see Calibration and
// calibrateSummary) and the row's ThresholdSource says how; the fixed
// threshold is the fallback. p.Correction then adjusts the levels of the
// covariate features decided by a p-value method (AdjustLevels) before the
// dataset row counts the verdicts.
//
// Evaluate does not check p; call Policy.Validate first. It prepares the
// reference and calibrates on every call: EvaluateCached keeps both.
func Evaluate(ref *drift.Reference, cur *drift.WindowSummary, p Policy) []drift.Result {
	return EvaluateCached(ref, cur, p, nil)
}

// EvaluateCached is Evaluate with the reference's prepared inputs and its
// calibrated thresholds kept in cal (nil: none kept), so that a service
// evaluating window after window against one reference prepares it once
// and calibrates once per feature and window size. The rows are the same
// as Evaluate's but for calibrated thresholds, which cal keeps per step
// of window size (see Calibrations).
func EvaluateCached(ref *drift.Reference, cur *drift.WindowSummary, p Policy, cal *Calibrations) []drift.Result {
	if ref == nil || cur == nil {
		return nil
	}
	var prep *prepared
	if cal != nil {
		prep = cal.prepared(ref)
	} else {
		prep = newPrepared(ref, false)
	}
	stamp := func(rows []drift.Result, fam drift.Family, feature string) {
		for i := range rows {
			r := &rows[i]
			r.Model, r.ModelVersion = cur.Model, cur.ModelVersion
			r.WindowSeq, r.WindowStart, r.WindowEnd = cur.Seq, cur.Start, cur.End
			r.Family, r.Feature = fam, feature
		}
	}
	var out, unstable []drift.Result
	var decisions []int // the covariate verdict rows, by index in out
	for _, cf := range cur.Features {
		if cf == nil {
			continue
		}
		pf := prep.features[cf.Name]
		if pf == nil {
			continue
		}
		fc := featureCal{prep: prep, feature: cf.Name}
		rows, at, cal := evaluateFeature(pf, cf, p.Set(cf.Name, cf.Kind), p.ReportPValues, fc)
		stamp(rows, drift.Covariate, cf.Name)
		if s := cal.Stability; s.Measured() && at >= 0 {
			row := []drift.Result{quality.ReferenceStability(s.WindowMean, s.Limit(), rows[at].NReference, rows[at].NCurrent)}
			stamp(row, drift.Quality, cf.Name)
			unstable = append(unstable, row...)
		}
		if at >= 0 {
			decisions = append(decisions, len(out)+at)
		}
		out = append(out, rows...)
	}
	correct(p.Correction, out, decisions)
	judged, drifts := len(decisions), 0
	for _, i := range decisions {
		if out[i].Drifted {
			drifts++
		}
	}
	if cur.Prediction != nil && prep.prediction != nil {
		fc := featureCal{prep: prep, feature: predictionFeature, prior: true}
		rows, _, _ := evaluateFeature(prep.prediction, cur.Prediction, p.Set(predictionFeature, cur.Prediction.Kind), p.ReportPValues, fc)
		stamp(rows, drift.Prior, predictionFeature)
		out = append(out, rows...)
	}
	if judged > 0 {
		share := float64(drifts) / float64(judged)
		row := []drift.Result{{
			Method:     MethodDriftedShare,
			Statistic:  share,
			Threshold:  datasetThreshold,
			Drifted:    share > datasetThreshold,
			Decision:   true,
			NReference: uint64(judged),
			NCurrent:   uint64(judged),
		}}
		stamp(row, drift.Dataset, "")
		out = append(out, row...)
	}
	return append(out, unstable...)
}

// featureCal is where a feature's calibrated threshold is kept.
type featureCal struct {
	prep    *prepared
	feature string
	prior   bool
}

// evaluateFeature computes one feature's rows (without the window's
// identity) under set, the p-values of the methods that do not decide
// chosen by report; at is the index of the verdict row, -1 when the
// decide method gave no row; cal is its calibration (zero when its
// threshold is fixed).
func evaluateFeature(pf *stats.PreparedFeature, cf *drift.FeatureSummary, set MethodSet, report stats.PValueRule, fc featureCal) (rows []drift.Result, at int, cal Calibrated) {
	at = -1
	rf := pf.Summary()
	if rf.Count == 0 || cf.Count == 0 {
		return nil, at, cal
	}
	if (rf.Kind == drift.Numeric) != (cf.Kind == drift.Numeric) {
		return nil, at, cal
	}
	pair := pf.Pair(cf)
	defer pair.Release()
	for _, m := range set.Methods {
		rule := report
		if m == set.Decide {
			rule = stats.PValueAuto
		}
		st, nr, nc, has := pair.StatWith(m, rule)
		stat, pv := st.Statistic, st.PValue
		if !has || !finite(stat) || (pv != nil && !finite(*pv)) {
			continue
		}
		th, source := set.Thresholds[m], ""
		if m == set.Decide && set.Calibration != nil {
			c := *set.Calibration
			got := fc.prep.calibrated(calKey{prior: fc.prior, feature: fc.feature, method: m, n: nc, cal: c},
				func(n uint64) Calibrated { return calibrateSummary(pf, fc.prep.orders[pf], n, m, c) })
			source, cal = got.Source, got
			if got.Source != SourceFixedFallback {
				th = got.Threshold
			}
		}
		row := drift.Result{
			Method:          m,
			Statistic:       stat,
			PValue:          pv,
			Threshold:       th,
			ThresholdSource: source,
			NReference:      nr,
			NCurrent:        nc,
		}
		if m == set.Decide {
			row.Decision, row.Drifted = true, Drifted(m, stat, pv, th)
			at = len(rows)
		}
		rows = append(rows, row)
	}
	return rows, at, cal
}

// correct applies a correction to the verdict rows at idx of out that a
// p-value method decided, lowering their thresholds and recomputing their
// verdicts.
func correct(correction string, out []drift.Result, idx []int) {
	if correction == "" || correction == CorrectionNone {
		return
	}
	var tested []int
	var tests []Test
	for _, i := range idx {
		r := &out[i]
		if stats.IsPValueMethod(r.Method) && r.PValue != nil && r.Threshold > 0 {
			tested = append(tested, i)
			tests = append(tests, Test{P: *r.PValue, Level: r.Threshold})
		}
	}
	if len(tests) == 0 {
		return
	}
	for j, level := range AdjustLevels(correction, tests) {
		r := &out[tested[j]]
		r.Threshold = level
		r.Drifted = *r.PValue < level
		if r.ThresholdSource != "" {
			r.ThresholdSource += "+"
		}
		r.ThresholdSource += correction
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
