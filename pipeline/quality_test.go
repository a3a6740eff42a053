package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/driftmon/driftmon/alerting"
	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/detectors/quality"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/storage"
)

// qualityEvaluator adds the quality checks to refEvaluator's rows, as the
// service's evaluator does.
type qualityEvaluator struct{ *refEvaluator }

func (e qualityEvaluator) Evaluate(ctx context.Context, w *drift.WindowSummary) ([]drift.Result, error) {
	rows, _ := e.refEvaluator.Evaluate(ctx, w)
	return append(rows, quality.Evaluate(e.refs[w.Model], w, 0, quality.DefaultPolicy())...), nil
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
	if failures["check=invalid_share,model=m"] != 0 || len(failures) != 11 {
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

// TestFreshnessResult: a model that goes quiet past its limit gets one
// quality row keyed by its open window, and a rule on it fires through
// the observers (the path alerting takes in serve); more ticks of the same
// silence neither add rows nor messages; the window closing for idleness
// meanwhile does not resolve it; events again do.
func TestFreshnessResult(t *testing.T) {
	ctx := context.Background()
	// The idle timeout (15 min) comes after the freshness limit (10 min),
	// so the window closes while the model is known to be stale.
	e := newEnv(t, newFixture(t, 0, 15*time.Minute))
	rule := config.RuleConfig{Name: "stale", Models: []string{"*"},
		Match:     config.MatchConfig{Family: drift.Quality, Method: "freshness_seconds"},
		Condition: config.Condition{Field: config.FieldDrifted}, For: 1, RepeatInterval: 4 * time.Hour,
		Severity: "critical", Receivers: []string{"hook"}}
	engine := alerting.NewEngine(alerting.EngineConfig{
		Alerting: config.AlertingConfig{Rules: []config.RuleConfig{rule},
			Receivers: []config.ReceiverConfig{{Name: "hook", Webhook: &config.WebhookConfig{URL: "http://127.0.0.1:1/hook"}}}},
		Store: e.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	var msgs []alerting.Message
	var nilWindows int
	observer := func(w *drift.WindowSummary, rs []drift.Result) {
		if w == nil {
			nilWindows++
		}
		m, err := engine.Process(ctx, w, rs, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m...)
	}
	pl := e.pipeline(func(c *pipeline.Config) {
		c.Freshness = map[string]time.Duration{"m": 10 * time.Minute}
		c.Observers = []pipeline.Observer{observer}
	})
	p, _ := e.open(pl, predsTopic, 0, wall)
	// Events at t0+0s and t0+10s, handled at wall and wall+1s: window
	// seq0 [t0, t0+1m) is open, and the model last sent at wall+1s.
	feed(t, p, events("m", 0, 10), 0, 2)
	freshRows := func() []drift.Result {
		t.Helper()
		rs, err := e.store.Results(ctx, storage.ResultQuery{Model: "m", Family: drift.Quality, Method: "freshness_seconds"})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	// At the limit (600 s silent) nothing; one second beyond, the failure.
	for _, at := range []time.Duration{time.Minute, 10*time.Minute + time.Second} {
		if err := p.Tick(ctx, wall.Add(at)); err != nil {
			t.Fatal(err)
		}
	}
	if rs := freshRows(); len(rs) != 0 {
		t.Fatalf("at the limit: rows %+v, want none", rs)
	}
	if err := p.Tick(ctx, wall.Add(10*time.Minute+2*time.Second)); err != nil {
		t.Fatal(err)
	}
	rs := freshRows()
	// Silent from wall+1s to wall+10m2s: 601 s against a 600 s limit, in
	// the open window, which starts at t0.
	if len(rs) != 1 || !rs[0].Drifted || rs[0].Statistic != 601 || rs[0].Threshold != 600 ||
		!rs[0].WindowStart.Equal(t0) || rs[0].Feature != "" || rs[0].ModelVersion != "1" {
		t.Fatalf("rows %+v, want one drifted row of 601 s over 600 s in the window at %s", rs, t0)
	}
	if len(msgs) != 1 || msgs[0].Status != "firing" || len(msgs[0].Alerts) != 1 || msgs[0].Alerts[0].Method != "freshness_seconds" {
		t.Fatalf("messages %+v, want one firing freshness alert", msgs)
	}
	// More ticks of the same silence: the gauge grows, nothing else.
	for i := 3; i < 10; i++ {
		if err := p.Tick(ctx, wall.Add(10*time.Minute+time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	// Two hand-overs: the first tick's (the partition's first judgement
	// of m, fresh) and the failure's.
	if rs := freshRows(); len(rs) != 1 || len(msgs) != 1 || nilWindows != 2 {
		t.Fatalf("after more ticks: %d rows, %d messages, %d hand-overs; want 1, 1, 2", len(rs), len(msgs), nilWindows)
	}
	// 15 min after the last event the window closes for idleness, with
	// no freshness row among its results: the silence still stands.
	if err := p.Tick(ctx, wall.Add(15*time.Minute+2*time.Second)); err != nil {
		t.Fatal(err)
	}
	ws, err := e.store.Windows(ctx, "m", time.Time{}, time.Time{})
	if err != nil || len(ws) != 1 {
		t.Fatalf("windows after the idle timeout: %d, %v; want the one closed", len(ws), err)
	}
	if len(msgs) != 1 {
		t.Fatalf("idle close: messages %+v, want none more", msgs[1:])
	}
	// m sends again; the next tick resolves the alert, and the row stays
	// as the record of the silence.
	if err := p.Prediction(ctx, events("m", 20)[0], []byte(`{}`), drift.Source{Topic: predsTopic, Offset: 20}, wall.Add(16*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := p.Tick(ctx, wall.Add(16*time.Minute+time.Second)); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[1].Status != "resolved" || msgs[1].ID == msgs[0].ID {
		t.Fatalf("after events: messages %+v, want a resolution with its own id", msgs)
	}
	if rs := freshRows(); len(rs) != 1 || !rs[0].Drifted {
		t.Fatalf("after events: rows %+v, want the failure kept", rs)
	}
}

// TestFreshnessResolvesAfterRestart: a freshness alert fired before a
// restart resolves on the first fresh tick after it, although this run
// never saw the model go stale.
func TestFreshnessResolvesAfterRestart(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, newFixture(t, 0, 0))
	rule := config.RuleConfig{Name: "stale", Models: []string{"*"},
		Match:     config.MatchConfig{Family: drift.Quality, Method: "freshness_seconds"},
		Condition: config.Condition{Field: config.FieldDrifted}, For: 1, RepeatInterval: 4 * time.Hour,
		Severity: "critical", Receivers: []string{"hook"}}
	engine := alerting.NewEngine(alerting.EngineConfig{
		Alerting: config.AlertingConfig{Rules: []config.RuleConfig{rule},
			Receivers: []config.ReceiverConfig{{Name: "hook", Webhook: &config.WebhookConfig{URL: "http://127.0.0.1:1/hook"}}}},
		Store: e.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	var statuses []string
	pl := e.pipeline(func(c *pipeline.Config) {
		c.Freshness = map[string]time.Duration{"m": 10 * time.Minute}
		c.Observers = []pipeline.Observer{func(w *drift.WindowSummary, rs []drift.Result) {
			msgs, err := engine.Process(ctx, w, rs, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				statuses = append(statuses, m.Status)
			}
		}}
	})
	p, _ := e.open(pl, predsTopic, 0, wall)
	feed(t, p, events("m", 0), 0, 1)
	if err := p.Tick(ctx, wall.Add(11*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// The restart: a new partition (its windows start empty), which hears
	// from m at once; a minute of silence is within the limit.
	p2, _ := e.open(pl, predsTopic, 0, wall.Add(12*time.Minute))
	if err := p2.Prediction(ctx, events("m", 5)[0], []byte(`{}`), drift.Source{Topic: predsTopic, Offset: 1}, wall.Add(12*time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Duration{13 * time.Minute, 14 * time.Minute} {
		if err := p2.Tick(ctx, wall.Add(at)); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(statuses) != "[firing resolved]" {
		t.Errorf("messages %v, want [firing resolved]", statuses)
	}
}
