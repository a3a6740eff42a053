package web

import (
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage/embedded"
)

// TestHTTPAPIResultsVerdict: /api/v1/results gives every row its decision
// marker and threshold_source (empty for a fixed threshold), and a
// reported row never drifted.
func TestHTTPAPIResultsVerdict(t *testing.T) {
	st, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	base := drift.Result{Model: "m", ModelVersion: "1", Family: drift.Covariate, Feature: "x",
		WindowSeq: 0, WindowStart: apiBase, WindowEnd: apiBase.Add(time.Minute), NReference: 50, NCurrent: 50}
	js, psi := base, base
	js.Method, js.Statistic, js.Threshold, js.Drifted, js.Decision, js.ThresholdSource =
		"jensen_shannon", 0.3, 0.12, true, true, "calibrated:bootstrap"
	psi.Method, psi.Statistic, psi.Threshold = "psi", 0.5, 0.2
	if err := st.WriteWindow(t.Context(), nil, []drift.Result{js, psi}, 1); err != nil {
		t.Fatal(err)
	}
	url, _ := newAPI(t, &Server{store: st})
	status, _, body, raw := get(t, url, "/api/v1/results?model=m", "")
	if status != 200 || count(body, "results") != 2 {
		t.Fatalf("status %d, body %s", status, raw)
	}
	want := map[string][3]any{
		"jensen_shannon": {true, true, "calibrated:bootstrap"},
		"psi":            {false, false, ""},
	}
	for _, r := range body["results"].([]any) {
		row := r.(map[string]any)
		w := want[row["method"].(string)]
		if got := [3]any{row["decision"], row["drifted"], row["threshold_source"]}; got != w {
			t.Errorf("%s: decision, drifted, threshold_source = %v, want %v", row["method"], got, w)
		}
	}
}
