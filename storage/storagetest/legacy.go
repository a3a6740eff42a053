package storagetest

import (
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
)

// LegacyWriter stores results as the previous version of its backend did,
// before drift_results kept threshold_source and while every reported
// covariate and prior row carried its own threshold comparison in drifted
// (the decision marker where that version kept it), and returns the store
// as the current code opens it: migrated, for a backend with migrations.
type LegacyWriter func(t *testing.T, results []drift.Result, version uint64) storage.Store

// legacyResults is one window as the previous version wrote it: reported
// rows drifted at their usual levels, a calibrated threshold's origin that
// it did not keep.
func legacyResults() []drift.Result {
	row := func(fam drift.Family, feature, method string, stat float64, p *float64, th float64, drifted, decision bool) drift.Result {
		return drift.Result{Model: "fraud", ModelVersion: "7", Family: fam, Feature: feature, Method: method,
			WindowSeq: 3, WindowStart: t0, WindowEnd: t0.Add(5 * time.Minute),
			Statistic: stat, PValue: p, Threshold: th, Drifted: drifted, Decision: decision,
			NReference: 1000, NCurrent: 250}
	}
	js := row(drift.Covariate, "amount", "jensen_shannon", 0.3, nil, 0.12, true, true)
	js.ThresholdSource = "calibrated:bootstrap"
	return []drift.Result{
		js,
		row(drift.Covariate, "amount", "psi", 0.31, nil, 0.2, true, false),
		row(drift.Covariate, "amount", "ks", 0.04, pf(0.2), 0.05, false, false),
		row(drift.Covariate, "country", "psi", 0.05, nil, 0.2, false, true),
		row(drift.Covariate, "country", "chi2", 40, pf(1.9e-11), 0.05, true, false),
		row(drift.Prior, "prediction", "jensen_shannon", 0.01, nil, 0.1, false, true),
		row(drift.Prior, "prediction", "ks", 0.2, pf(0.001), 0.05, true, false),
		row(drift.Quality, "amount", "missing_share", 0.3, nil, 0.1, true, false),
		row(drift.Concept, "", "accuracy", 0.7, nil, 0.8, true, true),
		row(drift.Concept, "", "f1_macro", 0.6, nil, 0.75, true, false),
		row(drift.Dataset, "", "drifted_share", 0.5, nil, 0.5, false, true),
	}
}

// RunLegacyResults checks the rows a previous version wrote: they read back
// with their decision, threshold_source "" (never kept), and drifted only
// where the current rule allows it (reported covariate and prior rows are
// not drifted; every other row keeps its own); a rewrite of the same key
// then replaces them with every field kept.
func RunLegacyResults(t *testing.T, write LegacyWriter) {
	in := legacyResults()
	st := write(t, in, 100)
	want := make(map[string]drift.Result, len(in))
	for _, r := range in {
		r.ThresholdSource, r.Version = "", 100
		r.Drifted = r.Drifted && !r.ReportOnly()
		want[resultName(r)] = r
	}
	got := results(t, st, storage.ResultQuery{Model: "fraud"})
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(got), len(want), got)
	}
	for _, r := range got {
		if d := diffResult(want[resultName(r)], r); d != "" {
			t.Errorf("%s: %s", resultName(r), d)
		}
	}

	again := in[0]
	writeWindow(t, st, nil, []drift.Result{again}, 200)
	again.Version = 200
	got = results(t, st, storage.ResultQuery{Model: "fraud", Feature: "amount", Method: again.Method})
	if len(got) != 1 {
		t.Fatalf("after a rewrite: %d results, want 1", len(got))
	}
	if d := diffResult(again, got[0]); d != "" {
		t.Errorf("after a rewrite: %s", d)
	}
}

func resultName(r drift.Result) string {
	return string(r.Family) + "/" + r.Feature + "/" + r.Method
}
