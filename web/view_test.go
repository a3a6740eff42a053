package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/ingest"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/storage/embedded"
)

// viewStore holds windowsOf's three windows of model m with decision rows
// for x (drifted in the last window only) and c, and a dataset row each.
func viewStore(t *testing.T) *embedded.Store {
	t.Helper()
	abc := []string{"a", "b", "c"}
	ws := testenv.WindowsOf(t, []float64{0, 0, 0}, [][]string{abc, abc, abc}, 50)
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	for i, w := range ws {
		last := i == len(ws)-1
		res := []drift.Result{
			{Model: "m", Family: drift.Covariate, Feature: "x", Method: "ks", Statistic: 0.1 + 0.3*float64(i),
				Threshold: 0.5, ThresholdSource: "calibrated:bootstrap", Drifted: last, Decision: true},
			// Reported beside the verdict, past its usual level: not a
			// verdict, not shown.
			{Model: "m", Family: drift.Covariate, Feature: "c", Method: "chi2", Statistic: 40, Threshold: 0.05},
			{Model: "m", Family: drift.Covariate, Feature: "c", Method: "psi", Statistic: 0.01, Threshold: 0.2, Decision: true},
			{Model: "m", Family: drift.Dataset, Method: "drifted_share", Statistic: map[bool]float64{true: 0.5}[last]},
		}
		if last {
			// The last window's quality: x's missing share failed, the
			// window's duplicate ids passed.
			res = append(res,
				drift.Result{Model: "m", Family: drift.Quality, Feature: "x", Method: "missing_share", Statistic: 0.2,
					Threshold: 0.1, Drifted: true, NCurrent: 50},
				drift.Result{Model: "m", Family: drift.Quality, Method: "duplicate_ids", NCurrent: 50})
		}
		for j := range res {
			res[j].WindowSeq, res[j].WindowStart, res[j].WindowEnd = w.Seq, w.Start, w.End
		}
		if err := store.WriteWindow(context.Background(), w, res, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

func getPage(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestViewPage: / renders a chart per decision feature with both series,
// one point per window and its axes, marks x drifted (class and text) and
// c not, shows the newest window's data quality, and draws the chosen
// window's histogram of c (categories a, b, c; the previous window as
// reference since the test server has no file).
func TestViewPage(t *testing.T) {
	base, _ := newAPI(t, &Server{store: viewStore(t)})
	code, page := getPage(t, base+"/", "")
	if code != http.StatusOK {
		t.Fatalf("GET /: %d\n%s", code, page)
	}
	for _, want := range []string{
		`<figure class="chart drifted" data-feature="x">`,
		`<figure class="chart" data-feature="c">`,
		`<tr class="feature drifted" data-feature="x">`,
		`<td class="verdict">drifted</td>`,
		`<td>0.5 <small class="source">calibrated:bootstrap</small></td>`,
		`1 of 2 drifted`,
		`previous window`,
		// x's statistic is 0.1, 0.4, 0.7 against 0.5: at most five 1-2-5
		// ticks up to 0.7 are 0, 0.2, ..., 0.8 (0.1 steps would be nine).
		`>0.8</text>`, `>0.6</text>`,
		// The windows start at 00:00, 00:01 and 00:02 on 2026-03-01: two
		// minutes in at most six ticks are 30 s apart (1 min would do in
		// three, but 30 s is the smallest step that fits).
		`>00:00:30</text>`, `>00:02:00</text>`,
		// Hover: each point's title has its window, statistic and verdict.
		`<title>seq ` + strconv.FormatInt(viewSeq(2), 10) + `, 2026-03-01 00:02Z: ks 0.7 vs threshold 0.5, drifted</title>`,
		// The newest window's quality: x's missing share failed.
		`1 of 2 checks failed`,
		`<tr class="check failed" data-check="missing_share" data-feature="x"><td>x</td><td>missing_share</td><td>20% of 50</td><td>at most 10%</td>`,
		`data-check="duplicate_ids" data-feature="(window)"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if n := strings.Count(page, `<polyline class="series `); n != 4 {
		t.Errorf("%d series, want 2 charts x (statistic, threshold)", n)
	}
	if n := strings.Count(page, `<circle class="point`); n != 6 {
		t.Errorf("%d points with a title, want 2 charts x 3 windows", n)
	}
	if strings.Contains(page, "chi2") {
		t.Errorf("page shows c's reported chi2 row")
	}
	code, page = getPage(t, base+"/?model=m&feature=c", "")
	if code != http.StatusOK {
		t.Fatalf("GET /?feature=c: %d", code)
	}
	if r, c := strings.Count(page, `class="bar reference"`), strings.Count(page, `class="bar current"`); r != 3 || c != 3 {
		t.Errorf("histogram of c: %d reference and %d current bars, want 3 each", r, c)
	}
	if code, _ := getPage(t, base+"/?model=bad%20name", ""); code != http.StatusBadRequest {
		t.Errorf("bad model name: %d, want 400", code)
	}
	if code, _ := getPage(t, base+"/nothing-here", ""); code != http.StatusNotFound {
		t.Errorf("/nothing-here: %d, want 404 (the view is / only)", code)
	}
}

// viewSeq is the seq of viewStore's window i: minute windows from
// 2026-03-01 00:00 UTC, numbered floor(start / duration).
func viewSeq(i int) int64 {
	return time.Date(2026, 3, 1, 0, i, 0, 0, time.UTC).Unix() / 60
}

// TestViewSelectedWindow: with seq the first window, the verdict table,
// the charts' captions, the histogram, the quality section and the windows
// table all speak of that window, not the newest, and the page's links
// keep it.
func TestViewSelectedWindow(t *testing.T) {
	base, _ := newAPI(t, &Server{store: viewStore(t)})
	first := strconv.FormatInt(viewSeq(0), 10)
	code, page := getPage(t, base+"/?model=m&feature=x&seq="+first, "")
	if code != http.StatusOK {
		t.Fatalf("GET: %d\n%s", code, page)
	}
	for _, want := range []string{
		`<section id="selected" data-seq="` + first + `">`,
		`back to the newest window`,
		// x in the first window: 0.1 against 0.5, no drift.
		`<tr class="feature ok" data-feature="x">`,
		`<td>0.1</td><td>0.5 <small class="source">calibrated:bootstrap</small></td>`,
		`seq ` + first + `: 0.1 vs 0.5</div>`,
		`<line class="selected"`,
		`x in window 2026-03-01 00:00Z <span class="seq">(seq ` + first + `)</span>`,
		`Data quality in window 2026-03-01 00:00Z`,
		`No quality results stored for this window.`,
		`<tr class="ok selected"><td><a href="/?model=m&amp;feature=x&amp;seq=` + first + `">`,
		// The table's and the charts' feature links keep the window.
		`<a href="/?model=m&amp;feature=c&amp;seq=` + first + `">c</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// The first window has no previous one: no reference bars.
	if n := strings.Count(page, `class="bar reference"`); n != 0 {
		t.Errorf("%d reference bars in the first window, want none", n)
	}
	if strings.Contains(page, `<tr class="feature drifted" data-feature="x">`) {
		t.Error("the verdict table shows the newest window's drifted x")
	}
}

// TestViewIngest: with the ingest and pipeline metrics registered, as
// serve registers them, the view finds them by name and says how many
// records were dead-lettered (none yet); without them it says they are
// not known here.
func TestViewIngest(t *testing.T) {
	reg := prometheus.NewRegistry()
	ingest.NewMetrics(reg)
	pipeline.NewMetrics(reg)
	srv := httptest.NewServer((&Server{store: viewStore(t), gatherer: reg, log: slog.New(slog.DiscardHandler)}).Handler())
	t.Cleanup(srv.Close)
	_, page := getPage(t, srv.URL+"/", "")
	for _, want := range []string{`0 records dead-lettered`, `m: 0 events late`, `no partitions assigned to this instance`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// The model's lag: the lag of the partition the pipeline says holds
	// its records (predictions/1: 42), not the others' (7 and 5).
	reg = prometheus.NewRegistry()
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "driftmon_events_rejected_total"}, []string{"reason"})
	lag := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "driftmon_ingest_consumer_lag_messages"}, []string{"topic", "partition"})
	holds := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "driftmon_model_partition"}, []string{"model", "topic", "partition"})
	byModel := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "driftmon_model_events_rejected_total"}, []string{"model", "reason"})
	reg.MustRegister(rejected, lag, holds, byModel)
	rejected.WithLabelValues("invalid_json").Add(3)
	rejected.WithLabelValues("unknown_model").Add(4)
	byModel.WithLabelValues("m", "invalid_json").Add(2)
	byModel.WithLabelValues("other", "invalid_json").Add(1)
	lag.WithLabelValues("predictions", "0").Set(7)
	lag.WithLabelValues("predictions", "1").Set(42)
	lag.WithLabelValues("labels", "1").Set(5)
	holds.WithLabelValues("m", "predictions", "1").Set(1)
	holds.WithLabelValues("other", "predictions", "0").Set(1)
	srv2 := httptest.NewServer((&Server{store: viewStore(t), gatherer: reg, log: slog.New(slog.DiscardHandler)}).Handler())
	t.Cleanup(srv2.Close)
	_, page = getPage(t, srv2.URL+"/", "")
	for _, want := range []string{`2 records keyed m dead-lettered</strong>: 2 invalid_json.`,
		`7 records dead-lettered</strong> in all: 4 unknown_model, 3 invalid_json.`, `Consumer lag of m: 42 records`, `<td>1 (m)</td>`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	lag.Reset()
	_, page = getPage(t, srv2.URL+"/", "")
	if !strings.Contains(page, "Consumer lag of m: not measured yet") {
		t.Error("a model whose partition has no lag yet is not said so")
	}
	holds.Reset()
	_, page = getPage(t, srv2.URL+"/", "")
	if !strings.Contains(page, "No partition of this instance holds m") {
		t.Error("a model no partition holds here is not said so")
	}

	base, _ := newAPI(t, &Server{store: viewStore(t)}) // an empty registry
	_, page = getPage(t, base+"/", "")
	if !strings.Contains(page, "no consumer metrics") {
		t.Error("the view without consumer metrics does not say so")
	}
}

// TestHistOuterBins: a numeric feature over edges 0 and 1, whose outer
// bins hold values: the axis ends say the smallest and largest value
// either side held there, and each bar's title the range its side's
// values took, the observed min or max standing in for the open bound.
func TestHistOuterBins(t *testing.T) {
	summary := func(vals ...float64) *drift.FeatureSummary {
		fs := drift.NewFeatureSummary("v", drift.Numeric, []float64{0, 1}, drift.DefaultLimits(), 1)
		for _, v := range vals {
			fs.AddNumber(v)
		}
		return fs
	}
	cur := &drift.WindowSummary{Model: "m", Seq: 7, Features: []*drift.FeatureSummary{summary(-3, 0.2, 0.4, 7, 9)}}
	ref := &drift.Reference{Model: "m", Features: []*drift.FeatureSummary{summary(-0.5, 0.5, 1.5)}}
	h, stats := buildHist("v", cur, ref, "reference file r.csv")
	if h == nil || len(stats) != 2 {
		t.Fatalf("hist %v, stats %v", h, stats)
	}
	var ends []string
	for _, tk := range h.Axes.XTicks {
		if tk.Class == "outer" {
			ends = append(ends, tk.Label)
		}
	}
	// min(-3, -0.5) and max(9, 1.5).
	if want := []string{"min -3", "max 9"}; !slices.Equal(ends, want) {
		t.Errorf("axis ends %v, want %v", ends, want)
	}
	// Shares: the reference 1 of 3 values in each bin (33.33%), the window
	// 1 of 5 below 0 (20%) and 2 of 5 from 1 up (40%).
	wantOuter := []string{
		"reference file r.csv: 33.33% in [-0.5, 0), 33.33% in [1, 1.5]",
		"this window: 20% in [-3, 0), 40% in [1, 9]",
	}
	if !slices.Equal(h.Outer, wantOuter) {
		t.Errorf("outer bins %q, want %q", h.Outer, wantOuter)
	}
	var titles []string
	for _, b := range h.Bars {
		titles = append(titles, b.Title)
	}
	for _, want := range []string{
		"this window: 20% of 5 values in [-3, 0)",
		"this window: 40% of 5 values in [0, 1)",
		"this window: 40% of 5 values in [1, 9]",
		"reference file r.csv: 33.33% of 3 values in [1, 1.5]",
	} {
		if !slices.Contains(titles, want) {
			t.Errorf("no bar titled %q; titles %q", want, titles)
		}
	}
	// An empty outer bin says its open bound, not a made-up range.
	cur.Features[0] = summary(0.5)
	h, _ = buildHist("v", cur, nil, "")
	if got := h.Bars[2].Title; got != "this window: 0% of 1 values in 1 and above" {
		t.Errorf("empty top bin: %q", got)
	}
	// A window whose every value is missing (the demo's window 1 of age):
	// bars of height zero on an axis of its own, no outer range.
	empty := summary()
	empty.Missing = 50
	cur.Features[0] = empty
	h, stats = buildHist("v", cur, ref, "reference file r.csv")
	if h == nil || len(h.Axes.YTicks) < 2 || len(stats) != 2 || stats[1].Valid != 0 || stats[1].Missing != 50 {
		t.Fatalf("all missing: hist %+v, stats %+v", h, stats)
	}
	for _, b := range h.Bars {
		if b.Class == "current" && b.H != 0 {
			t.Errorf("all missing: a current bar of height %v", b.H)
		}
	}
	if want := "this window: nothing below 0 or from 1 up"; h.Outer[1] != want {
		t.Errorf("all missing: outer %q, want %q", h.Outer[1], want)
	}
}

// TestViewNeedsTokenForReads: with http.require_token_for_reads the view
// is a read like the API's and refuses a request without the token.
func TestViewNeedsTokenForReads(t *testing.T) {
	base, _ := newAPI(t, &Server{store: viewStore(t), token: "s3cret", tokenForReads: true})
	if code, _ := getPage(t, base+"/", ""); code != http.StatusUnauthorized {
		t.Errorf("without token: %d, want 401", code)
	}
	if code, _ := getPage(t, base+"/", "Bearer s3cret"); code != http.StatusOK {
		t.Errorf("with token: %d, want 200", code)
	}
}

// TestFoldCategories: beyond maxHistCategories the largest categories of
// either distribution stay, in order, and the rest become one bar, so the
// shares still sum to one.
func TestFoldCategories(t *testing.T) {
	n := maxHistCategories + 5
	labels := make([]string, n)
	cur, ref := make([]float64, n), make([]float64, n)
	for i := range labels {
		labels[i] = fmt.Sprintf("c%02d", i)
		cur[i], ref[i] = 0.5/float64(n-1), 0.5/float64(n-1)
	}
	cur[n-1], ref[0] = 0.5, 0.5 // one big category in each; all shares sum to one
	l, c, r := foldCategories(labels, cur, ref)
	if len(l) != maxHistCategories || len(c) != len(l) || len(r) != len(l) {
		t.Fatalf("%d labels, %d and %d shares, want %d each", len(l), len(c), len(r), maxHistCategories)
	}
	if l[0] != "c00" || l[len(l)-2] != labels[n-1] || l[len(l)-1] != "6 others" {
		t.Errorf("labels %v: want c00 first, the current's big category last before the others", l)
	}
	for name, sh := range map[string][]float64{"current": c, "reference": r} {
		sum := 0.0
		for _, v := range sh {
			sum += v
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("%s shares sum to %v", name, sum)
		}
	}
}
