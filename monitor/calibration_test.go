package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/quality"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/reference"
	"github.com/driftmon/driftmon/window"
)

// TestServedYearlyWindows is a served model that used to never alert:
// weather's VISIB, a five-year reference (1,825 daily rows) and yearly
// count windows (44 of them), the default policy. Visibility readings
// grow over the decades and within the reference too, so its five yearly
// sub-windows set a threshold (0.77) the windows' Jensen-Shannon distance
// (0.16 rising to 0.75) never crossed. Serve now reports the reference as
// unstable, logs it once, and decides at a threshold of at most twice the
// bootstrap's.
//
// Expected values: monitor/testdata/visib_yearly.json, from the scipy
// oracle's binning and numpy's own bootstrap (the command is in
// internal/policyeval/testdata/calibration_oracle.py): each window's
// distance, the mean over the reference's five sub-windows of 362 rows
// (serve calibrates a 365-event window at its size step, 362), and the
// bootstrap's mean and sd: the row's limit is twice that mean (serve's
// 100 resamples estimate it within 10%), the threshold at most twice the
// level mean + 3.09 sd (k widened for 100 draws; within 15%).
func TestServedYearlyWindows(t *testing.T) {
	var want struct {
		SubWindows int       `json:"sub_windows"`
		SubMean    float64   `json:"sub_mean"`
		BootMean   float64   `json:"boot_mean"`
		BootSD     float64   `json:"boot_sd"`
		Windows    []float64 `json:"windows"`
	}
	b, err := os.ReadFile("testdata/visib_yearly.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	level := want.BootMean + 3.09289858099624*want.BootSD

	header, rows := readCSV(t, "weather_noaa.csv")
	const refRows, size = 1825, 365
	cols := []reference.Column{{Name: "VISIB", Kind: drift.Numeric}}
	ref, err := reference.FromReader(context.Background(), strings.NewReader(csvText(header, rows[:refRows])), "reference", cols, nil, drift.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	spec := window.Spec{Model: "m", Limits: drift.DefaultLimits(), Events: size, IdleTimeout: time.Hour,
		Features: []window.Feature{{Name: "VISIB", Kind: drift.Numeric, Edges: ref.Feature("VISIB").Edges}}}
	var logs bytes.Buffer
	m := &Model{Source: File(ref, "reference"), Drift: detectors.DefaultPolicy(), Quality: quality.DefaultPolicy(), cal: detectors.NewCalibrations()}
	e := NewEvaluator(nil, models(map[string]*Model{"m": m})).WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	var windows [][]drift.Result
	w := window.New([]window.Spec{spec})
	col := -1
	for i, h := range header {
		if h == "VISIB" {
			col = i
		}
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, r := range rows[refRows:] {
		x, err := strconv.ParseFloat(r[col], 64)
		if err != nil {
			t.Fatalf("row %d: %v", refRows+i, err)
		}
		p := &drift.Prediction{Model: "m", ID: strconv.Itoa(i), Time: t0.Add(time.Duration(i) * time.Second),
			Features: []drift.Feature{{Name: "VISIB", Value: drift.NumberValue(x)}}}
		closed, _, err := w.Add(p, t0)
		if err != nil {
			t.Fatal(err)
		}
		for _, cw := range closed {
			res, err := e.Evaluate(context.Background(), cw)
			if err != nil {
				t.Fatal(err)
			}
			e.Observe(cw, res)
			windows = append(windows, res)
		}
	}
	if len(windows) != len(want.Windows) {
		t.Fatalf("%d windows, want %d", len(windows), len(want.Windows))
	}
	drifted, mustDrift := 0, 0
	for i, res := range windows {
		var dec, unstable *drift.Result
		for j := range res {
			r := &res[j]
			switch {
			case r.Feature == "VISIB" && r.Decision:
				dec = r
			case r.Feature == "VISIB" && r.Method == quality.ReferenceUnstable:
				unstable = r
			}
		}
		if dec == nil || unstable == nil {
			t.Fatalf("window %d: decision row %v, reference_unstable row %v", i, dec, unstable)
		}
		if math.Abs(dec.Statistic-want.Windows[i]) > 1e-9 {
			t.Errorf("window %d: distance %.12g, oracle %.12g", i, dec.Statistic, want.Windows[i])
		}
		if math.Abs(unstable.Statistic-want.SubMean) > 1e-9 || !unstable.Drifted || unstable.Family != drift.Quality {
			t.Errorf("window %d: %+v, want a failed quality row of statistic %.12g", i, *unstable, want.SubMean)
		}
		if r := unstable.Threshold / (detectors.CapFactor * want.BootMean); r < 0.9 || r > 1.1 {
			t.Errorf("window %d: limit %.4g, oracle twice the resamples' mean %.4g", i, unstable.Threshold, detectors.CapFactor*want.BootMean)
		}
		if dec.Threshold > 1 || dec.Threshold > detectors.CapFactor*level*1.15 {
			t.Errorf("window %d: threshold %.4g above 1 or twice the oracle's bootstrap level %.4g", i, dec.Threshold, level)
		}
		if dec.Drifted {
			drifted++
		}
		if want.Windows[i] > detectors.CapFactor*level*1.15 {
			mustDrift++
			if !dec.Drifted {
				t.Errorf("window %d: distance %.4g not drift at threshold %.4g (%s)", i, dec.Statistic, dec.Threshold, dec.ThresholdSource)
			}
		}
	}
	if mustDrift < len(want.Windows)/2 {
		t.Errorf("only %d of %d windows past the cap by the oracle: the case no longer tests it", mustDrift, len(want.Windows))
	}
	t.Logf("%d of %d yearly windows drifted (%d past the largest threshold the rule allows)", drifted, len(want.Windows), mustDrift)
	// Logged once, when the reference was first found unstable; every
	// window after says the same.
	if n := strings.Count(logs.String(), "reference unstable"); n != 1 || !strings.Contains(logs.String(), "feature=VISIB") {
		t.Errorf("logged %d times, want once for VISIB:\n%s", n, logs.String())
	}
}
