package demo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"testing"

	"github.com/driftmon/driftmon/internal/datasets"
)

type demoLine struct {
	Type     string `json:"type"`
	Model    string `json:"model"`
	N        uint64 `json:"n"`
	Features []struct {
		Name    string `json:"name"`
		Drifted bool   `json:"drifted"`
	} `json:"features"`
	Prior []struct {
		Name    string `json:"name"`
		Drifted bool   `json:"drifted"`
	} `json:"prior"`
	DeadLettered int64 `json:"dead_lettered"`
	// quality lines
	WindowSeq int64 `json:"window_seq"`
	Failed    []struct {
		Feature string `json:"feature"`
		Check   string `json:"check"`
	} `json:"failed"`
	Recovered []string `json:"recovered"`
	// alert and delivery lines
	Receiver  string `json:"receiver"`
	Path      string `json:"path"`
	Status    string `json:"status"`
	Signature string `json:"signature"`
	Key       string `json:"idempotency_key"`
	ID        string `json:"id"`
	Alerts    []struct {
		Feature string `json:"feature"`
		Status  string `json:"status"`
	} `json:"alerts"`
	Retraining *struct {
		DriftedFeatures []string `json:"drifted_features"`
		Reference       string   `json:"reference"`
	} `json:"retraining"`
	// concept and estimate lines
	Labelled  uint64             `json:"labelled"`
	Metrics   []demoMetric       `json:"metrics"`
	Detectors []string           `json:"detectors"`
	Label     *demoFeature       `json:"label"`
	BBSEPrior map[string]float64 `json:"bbse_prior"`
}

// metric returns the line's value of a method.
func (l demoLine) metric(method string) (demoMetric, bool) {
	for _, m := range l.Metrics {
		if m.Method == method {
			return m, true
		}
	}
	return demoMetric{}, false
}

// demoRun is one demo run's lines, by type.
type demoRun struct {
	windows, alerts, concept, estimate []demoLine
	summary                            demoLine
}

func runDemoJSON(t *testing.T, args ...string) (windows []demoLine, summary demoLine) {
	windows, _, summary = runDemoLines(t, args...)
	return windows, summary
}

// runDemoLines runs the demo and sorts its lines: windows, alert and
// delivery lines (in order), and the summary.
func runDemoLines(t *testing.T, args ...string) (windows, alerts []demoLine, summary demoLine) {
	t.Helper()
	r := runDemoAll(t, args...)
	return r.windows, r.alerts, r.summary
}

// runDemoAll runs the demo and sorts all its lines.
func runDemoAll(t *testing.T, args ...string) (r demoRun) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := runCLI(append([]string{"--json"}, args...), &out, &errOut); code != 0 {
		t.Fatalf("demo exited %d\nstderr:\n%s", code, errOut.String())
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l demoLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("stdout line is not JSON: %q", sc.Text())
		}
		switch l.Type {
		case "window":
			r.windows = append(r.windows, l)
		case "summary":
			r.summary = l
		case "alert", "delivery":
			r.alerts = append(r.alerts, l)
		case "concept":
			r.concept = append(r.concept, l)
		case "estimate":
			r.estimate = append(r.estimate, l)
		case "quality":
		default:
			t.Fatalf("unexpected line type %q", l.Type)
		}
	}
	return r
}

// drifted returns, per feature, the windows (0-based) where it drifted.
func driftedWindows(ws []demoLine) map[string][]int {
	out := map[string][]int{}
	for i, w := range ws {
		for _, f := range w.Features {
			if f.Drifted {
				out[f.Name] = append(out[f.Name], i)
			}
		}
		for _, f := range w.Prior {
			if f.Drifted {
				out["prediction"] = append(out["prediction"], i)
			}
		}
	}
	return out
}

// TestDemoShowsTheInjectedDrifts runs the synthetic demo: amount and country
// shift from window 4, the scores from window 8, nothing else and nothing
// before, except the two breakages that are drift as well: channel's
// renamed category in window 9 and distance_km's unit change in window 10
// (demo_quality.go), each in its window alone.
func TestDemoShowsTheInjectedDrifts(t *testing.T) {
	run := runDemoAll(t)
	ws, alerts, sum := run.windows, run.alerts, run.summary
	checkDemoConcept(t, run)
	if len(ws) != synthWindows {
		t.Fatalf("%d windows, want %d", len(ws), synthWindows)
	}
	for i, w := range ws {
		// The late events of window 0 (sent in window 6) count as late,
		// not in a window; the last window sends half its events.
		want := uint64(synthPerWindow)
		if i == synthHalvedAt {
			want = synthPerWindow / 2
		}
		if w.N != want {
			t.Errorf("window %d has %d events, want %d", i, w.N, want)
		}
	}
	got := driftedWindows(ws)
	want := map[string][]int{}
	for i := synthCovariateAt; i < synthWindows; i++ {
		want["amount"] = append(want["amount"], i)
		want["country"] = append(want["country"], i)
	}
	for i := synthPriorAt; i < synthWindows; i++ {
		want["prediction"] = append(want["prediction"], i)
	}
	want["channel"] = []int{synthRenameAt}
	want["distance_km"] = []int{synthUnitAt}
	for _, f := range []string{"amount", "country", "prediction", "age", "score_a", "device", "is_new", "channel", "distance_km"} {
		if !slices.Equal(got[f], want[f]) {
			t.Errorf("%s drifted in windows %v, want %v", f, got[f], want[f])
		}
	}
	if sum.DeadLettered != 3 {
		t.Errorf("%d records dead-lettered, want the 3 malformed ones", sum.DeadLettered)
	}
	checkDemoAlerts(t, alerts)
}

// checkDemoAlerts: the demo's rule (covariate verdicts, for: 2) fires once,
// for amount and country together, in the second drifted window; the
// receiver verifies and gets it, and the retraining webhook is called once.
func checkDemoAlerts(t *testing.T, lines []demoLine) {
	t.Helper()
	var enq, got []demoLine
	for _, l := range lines {
		if l.Type == "alert" {
			enq = append(enq, l)
		} else {
			got = append(got, l)
		}
	}
	if len(enq) != 2 || len(got) != 2 {
		t.Fatalf("%d alert and %d delivery lines, want 2 and 2: %+v", len(enq), len(got), lines)
	}
	byPath := map[string]demoLine{}
	for _, d := range got {
		if d.Signature != "verified" || d.Status != "firing" {
			t.Errorf("delivery %+v", d)
		}
		byPath[d.Path] = d
	}
	ids := map[string]bool{enq[0].ID: true, enq[1].ID: true}
	for _, path := range []string{"/alerts", "/retrain"} {
		d, ok := byPath[path]
		if !ok || !ids[d.Key] {
			t.Fatalf("no delivery to %s with an enqueued idempotency key: %+v", path, got)
		}
		var feats []string
		for _, a := range d.Alerts {
			feats = append(feats, a.Feature)
		}
		slices.Sort(feats)
		if !slices.Equal(feats, []string{"amount", "country"}) {
			t.Errorf("%s got alerts for %v, want amount and country in one message", path, feats)
		}
	}
	if rt := byPath["/retrain"].Retraining; rt == nil || rt.Reference != "file:reference.csv" ||
		!slices.Equal(rt.DriftedFeatures, []string{"amount", "country"}) {
		t.Errorf("retraining payload %+v", rt)
	}
}

// TestDemoElectricity replays the electricity data set: vicprice, vicdemand
// and transfer are one imputed constant until row 17,424 and real after, so
// they must drift from the window holding that row on and not before;
// period is cyclic and must never drift. date, a time index that drifts in
// every window, is left out.
func TestDemoElectricity(t *testing.T) {
	path := datasets.Path(t, "electricity.csv")
	ws, _ := runDemoJSON(t, "--data", path, "--window", "2000", "--ignore", "date")
	// 45,312 rows: the reference is rows [0, 4531), windows of 2,000 rows
	// follow, so row 17,424 falls in window (17424-4531)/2000 = 6.
	const change = (17424 - 4531) / 2000
	if len(ws) != (45312-4531+1999)/2000 {
		t.Fatalf("%d windows, want %d", len(ws), (45312-4531+1999)/2000)
	}
	got := driftedWindows(ws)
	for _, f := range []string{"vicprice", "vicdemand", "transfer"} {
		if len(got[f]) == 0 || got[f][0] != change {
			t.Errorf("%s first drifted in window %v, want %d", f, got[f], change)
		}
	}
	if len(got["period"]) != 0 {
		t.Errorf("period drifted in windows %v, want none", got["period"])
	}
	for _, f := range ws[0].Features {
		if f.Name == "date" {
			t.Error("date is a feature, though --ignore left it out")
		}
	}
}

// checkDemoConcept: every window's labels all arrive (after it closed) and
// its last concept line counts them all; accuracy and ROC AUC are worse than
// the reference's from the concept change on and not before; the label mix
// never moves (the change is of P(y|x) alone); and before the change the
// CBPE estimate a window had at its close is within 0.03 of the accuracy its
// labels later showed.
func checkDemoConcept(t *testing.T, run demoRun) {
	t.Helper()
	if len(run.windows) == 0 {
		return
	}
	first := run.windows[0].WindowSeq
	last := map[int64]demoLine{}
	for _, l := range run.concept {
		if prev, ok := last[l.WindowSeq]; !ok || l.Labelled >= prev.Labelled {
			last[l.WindowSeq] = l
		}
	}
	_, _, _, labelled := synthEvents(11)
	estimates := map[int64]demoLine{}
	for _, l := range run.estimate {
		estimates[l.WindowSeq] = l
	}
	for w := 0; w < synthWindows; w++ {
		seq := first + int64(w)
		l, ok := last[seq]
		if !ok {
			t.Errorf("window %d: no concept line", w)
			continue
		}
		if l.Labelled != uint64(labelled[w]) {
			t.Errorf("window %d: %d labelled, want %d", w, l.Labelled, labelled[w])
		}
		acc, ok1 := l.metric("accuracy")
		auc, ok2 := l.metric("roc_auc")
		if !ok1 || !ok2 {
			t.Errorf("window %d: no accuracy or roc_auc in %+v", w, l.Metrics)
			continue
		}
		worse := w >= synthConceptAt
		if acc.Drifted != worse || auc.Drifted != worse {
			t.Errorf("window %d: accuracy %.3f (threshold %.3f) worse=%v, roc_auc %.3f (threshold %.3f) worse=%v; want %v",
				w, acc.Statistic, acc.Threshold, acc.Drifted, auc.Statistic, auc.Threshold, auc.Drifted, worse)
		}
		if l.Label == nil || l.Label.Drifted {
			t.Errorf("window %d: label distribution %+v, want present and not drifted", w, l.Label)
		}
		est, ok := estimates[seq].metric("cbpe_accuracy")
		if !ok {
			t.Errorf("window %d: no cbpe_accuracy estimate", w)
		} else if !worse && w < synthPriorAt && math.Abs(est.Statistic-acc.Statistic) > 0.03 {
			t.Errorf("window %d: cbpe_accuracy %.3f, realised %.3f: more than 0.03 apart", w, est.Statistic, acc.Statistic)
		}
	}
}

// runCLI runs the demo as `driftmon demo ARGS` does and returns its exit
// status.
func runCLI(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	o.Register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	o.clock = newStepClock()
	if err := Run(context.Background(), o, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "driftmon demo:", err)
		if errors.Is(err, ErrUsage) {
			return 2
		}
		return 1
	}
	return 0
}
