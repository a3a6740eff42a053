package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/pipeline"
)

// qualityEvaluator adds the quality checks to refEvaluator's rows, as the
// service's evaluator does.
type qualityEvaluator struct{ *refEvaluator }

func (e qualityEvaluator) Evaluate(ctx context.Context, w *drift.WindowSummary) ([]drift.Result, error) {
	rows, _ := e.refEvaluator.Evaluate(ctx, w)
	return append(rows, detectors.Quality(e.refs[w.Model], w, 0, detectors.DefaultQualityPolicy())...), nil
}

// TestQualityMetrics: a window with a broken feature leaves, per feature,
// the number of checks it failed and, per check, the number of features
// failing it; Close drops them with the model's other series.
func TestQualityMetrics(t *testing.T) {
	e := newEnv(t, newFixture(t, 0, 0))
	pl := e.pipeline(func(c *pipeline.Config) { c.Evaluator = qualityEvaluator{e.fx.eval} })
	p, _ := e.open(pl, predsTopic, 0, wall)
	// Window 0 holds four events: x is 0, absent, 1e6 and 21; c is a, b,
	// c, a. Against the reference (x = 0..98, widened to [-9.8, 107.8]):
	// x misses 1 of 4 (0.25 > 0.10), 1e6 is out of range (1/3 > 0) and
	// moves the mean by about 11,600 sigmas; c is healthy; event 4 at
	// 65 s closes the window.
	preds := events("m", 0, 10, 20, 30, 65)
	preds[1].Features = preds[1].Features[1:]
	preds[2].Features[0].Value = drift.NumberValue(1e6)
	feed(t, p, preds, 0, len(preds))

	failed := series(t, e.reg, "driftmon_quality_failed_checks")
	want := map[string]float64{"feature=x,model=m": 3, "feature=c,model=m": 0, "feature=,model=m": 0}
	if !mapsEqual(failed, want) {
		t.Errorf("failed checks %v, want %v", failed, want)
	}
	failures := series(t, e.reg, "driftmon_quality_failures")
	for _, c := range []string{"missing_share", "out_of_range_share", "mean_shift"} {
		if failures["check="+c+",model=m"] != 1 {
			t.Errorf("failures of %s = %v, want 1", c, failures["check="+c+",model=m"])
		}
	}
	if failures["check=invalid_share,model=m"] != 0 || len(failures) != 10 {
		t.Errorf("failures %v: want every check but freshness, invalid_share at 0", failures)
	}
	// The window's own checks export their value: late share, schema
	// violations and duplicate ids (no volume: no previous window yet).
	if n := count(t, e.reg, "driftmon_quality_value"); n != 3 {
		t.Errorf("%d quality value series, want 3", n)
	}
	p.Close()
	for _, name := range []string{"driftmon_quality_failed_checks", "driftmon_quality_failures", "driftmon_quality_value"} {
		if n := count(t, e.reg, name); n != 0 {
			t.Errorf("after Close: %d %s series", n, name)
		}
	}
}

// TestFreshness: a model that stops sending closes no window, yet its
// freshness fails on the tick after the limit.
func TestFreshness(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, newFixture(t, 0, 0))
	pl := e.pipeline(func(c *pipeline.Config) {
		c.Freshness = map[string]time.Duration{"m": 10 * time.Minute}
	})
	p, _ := e.open(pl, predsTopic, 0, wall)
	feed(t, p, events("m", 0), 0, 1) // at wallAt(0) = wall
	tests := []struct {
		at      time.Duration
		silent  float64
		failing float64
	}{
		{time.Minute, 60, 0},
		{10 * time.Minute, 600, 0}, // at the limit: not beyond it
		{11 * time.Minute, 660, 1},
	}
	for _, tc := range tests {
		if err := p.Tick(ctx, wall.Add(tc.at)); err != nil {
			t.Fatal(err)
		}
		if got := series(t, e.reg, "driftmon_quality_freshness_seconds")["model=m"]; got != tc.silent {
			t.Errorf("at +%s: silent %v, want %v", tc.at, got, tc.silent)
		}
		if got := series(t, e.reg, "driftmon_quality_failures")["check=freshness_seconds,model=m"]; got != tc.failing {
			t.Errorf("at +%s: freshness failing %v, want %v", tc.at, got, tc.failing)
		}
	}
	// Events again: fresh.
	if err := p.Prediction(ctx, events("m", 5)[0], []byte(`{}`), drift.Source{Topic: predsTopic, Offset: 1}, wall.Add(12*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := p.Tick(ctx, wall.Add(12*time.Minute+time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := series(t, e.reg, "driftmon_quality_failures")["check=freshness_seconds,model=m"]; got != 0 {
		t.Errorf("after new events: freshness failing %v", got)
	}
}
