package alerting_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/driftmon/driftmon/alerting"
	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/embedded"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// The engine's storage is the embedded store, the real thing: the tests
// see what a restart would see.
func openStore(t *testing.T, dir string) *embedded.Store {
	t.Helper()
	st, err := embedded.Open(dir)
	if err != nil {
		t.Fatalf("embedded.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var start = time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)

// window returns window seq of model fraud, five minutes long.
func window(seq int64) *drift.WindowSummary {
	s := start.Add(time.Duration(seq) * 5 * time.Minute)
	return &drift.WindowSummary{Model: "fraud", ModelVersion: "7", Seq: seq, Start: s, End: s.Add(5 * time.Minute)}
}

// verdict is feature's decision row in window w.
func verdict(w *drift.WindowSummary, feature string, drifted bool) drift.Result {
	stat := 0.05
	if drifted {
		stat = 0.3
	}
	return drift.Result{Model: w.Model, ModelVersion: w.ModelVersion, Family: drift.Covariate, Feature: feature,
		Method: "psi", WindowSeq: w.Seq, WindowStart: w.Start, WindowEnd: w.End, Statistic: stat, Threshold: 0.2,
		Drifted: drifted, Decision: true, NReference: 1000, NCurrent: 500}
}

func rule(name string, forN, keep int, receivers ...string) config.RuleConfig {
	return config.RuleConfig{Name: name, Models: []string{"*"}, Match: config.MatchConfig{Family: drift.Covariate},
		Condition: config.Condition{Field: config.FieldDrifted}, For: forN, KeepFiringFor: keep,
		RepeatInterval: 4 * time.Hour, Severity: "warning", Receivers: receivers}
}

func receivers() []config.ReceiverConfig {
	return []config.ReceiverConfig{
		{Name: "hook", Webhook: &config.WebhookConfig{URL: "http://127.0.0.1:1/hook"}},
		{Name: "slack", Slack: &config.SlackConfig{Channel: "#ml-alerts"}},
		{Name: "retrain", Webhook: &config.WebhookConfig{URL: "http://127.0.0.1:1/retrain", Retraining: true, Cooldown: 24 * time.Hour}},
	}
}

func newAlerting(rules ...config.RuleConfig) config.AlertingConfig {
	return config.AlertingConfig{Receivers: receivers(), Rules: rules, ExternalURL: "http://driftmon.example"}
}

func newEngine(st alerting.Store, rules ...config.RuleConfig) *alerting.Engine {
	return alerting.NewEngine(alerting.EngineConfig{
		Alerting: newAlerting(rules...),
		Store:    st, Logger: quiet,
		Reference: func(string) string { return "file:reference.csv" },
	})
}

func process(t *testing.T, e *alerting.Engine, w *drift.WindowSummary, rs []drift.Result, now time.Time) []alerting.Message {
	t.Helper()
	msgs, err := e.Process(t.Context(), w, rs, now)
	if err != nil {
		t.Fatalf("Process window %d: %v", w.Seq, err)
	}
	return msgs
}

// statuses lists each message's status, per window: "" for none.
func statuses(msgs []alerting.Message) string {
	if len(msgs) == 0 {
		return "-"
	}
	s := ""
	for _, m := range msgs {
		s += m.Status[:1]
	}
	return s
}

func TestHysteresis(t *testing.T) {
	tests := []struct {
		name      string
		forN      int
		keep      int
		drifted   string // per window: d drifted, . not
		want      string // per window: f firing, r resolved, - nothing
		wantState string // the alert's last history state
	}{
		{"fires at once with for 1", 1, 0, "d..", "fr-", drift.AlertResolved},
		{"for 2 waits a window", 2, 0, "dd.", "-fr", drift.AlertResolved},
		{"pending that clears never fires", 3, 0, "dd.dd.", "------", drift.AlertInactive},
		{"keep_firing_for holds through a gap", 1, 2, "d.d..d...", "f-------r", drift.AlertResolved},
		// A feature alternating around its threshold: one firing, one
		// resolution, not a stream.
		{"alternating at the threshold", 1, 1, "d.d.d.d.d..", "f---------r", drift.AlertResolved},
		{"still firing", 2, 1, "dddddd", "-f----", drift.AlertFiring},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t, t.TempDir())
			e := newEngine(st, rule("feature-drift", tc.forN, tc.keep, "hook"))
			got := ""
			for i, c := range tc.drifted {
				w := window(int64(i))
				msgs := process(t, e, w, []drift.Result{verdict(w, "amount", c == 'd')}, w.End)
				got += statuses(msgs)
			}
			if got != tc.want {
				t.Errorf("messages per window = %q, want %q", got, tc.want)
			}
			hist, err := st.Alerts(t.Context(), storage.AlertQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if len(hist) == 0 || hist[0].State != tc.wantState {
				t.Fatalf("history %+v, want newest state %s", hist, tc.wantState)
			}
		})
	}
}

func TestGroupingOneMessagePerModelAndWindow(t *testing.T) {
	st := openStore(t, t.TempDir())
	e := newEngine(st, rule("feature-drift", 1, 0, "hook"))
	w := window(0)
	var rs []drift.Result
	for i := range 12 {
		rs = append(rs, verdict(w, fmt.Sprintf("f%02d", i), true))
	}
	rs = append(rs, verdict(w, "calm", false))
	// A non-decision row of a drifted feature is not a second alert.
	extra := verdict(w, "f00", true)
	extra.Method, extra.Decision = "ks", false
	rs = append(rs, extra)
	msgs := process(t, e, w, rs, w.End)
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if len(m.Alerts) != 12 || m.Status != drift.AlertFiring || m.Model != "fraud" || m.Window.Seq != 0 {
		t.Fatalf("message %+v: want 12 firing alerts of fraud window 0", m)
	}
	pending, err := st.PendingNotifications(t.Context())
	if err != nil || len(pending) != 1 || pending[0].ID != m.ID {
		t.Fatalf("outbox = %+v, %v; want the one message", pending, err)
	}
	if m.Links.Alerts != "http://driftmon.example/api/v1/alerts?model=fraud" {
		t.Errorf("alerts link = %q", m.Links.Alerts)
	}
}

func TestConditions(t *testing.T) {
	w := window(0)
	p := func(v float64) *float64 { return &v }
	results := []drift.Result{
		{Model: "fraud", ModelVersion: "7", Family: drift.Covariate, Feature: "amount", Method: "ks", WindowStart: w.Start, WindowEnd: w.End, Statistic: 0.25, PValue: p(0.001)},
		{Model: "fraud", ModelVersion: "7", Family: drift.Covariate, Feature: "country", Method: "chi2", WindowStart: w.Start, WindowEnd: w.End, Statistic: 3, PValue: p(0.2)},
		{Model: "fraud", ModelVersion: "7", Family: drift.Dataset, Method: "drifted_share", WindowStart: w.Start, WindowEnd: w.End, Statistic: 0.6},
		{Model: "fraud", ModelVersion: "7", Family: drift.Concept, Method: "accuracy", WindowStart: w.Start, WindowEnd: w.End, Statistic: 0.71},
		{Model: "fraud", ModelVersion: "7", Family: drift.Quality, Feature: "amount", Method: "missing_share", WindowStart: w.Start, WindowEnd: w.End, Statistic: 0.3},
	}
	mk := func(cond string, match config.MatchConfig) config.RuleConfig {
		c, err := config.ParseCondition(cond)
		if err != nil {
			t.Fatal(err)
		}
		r := rule("r", 1, 0, "hook")
		r.Condition, r.Match = c, match
		return r
	}
	tests := []struct {
		name string
		rule config.RuleConfig
		want []string // features (or families) of the firing alerts
	}{
		{"statistic above", mk("statistic > 0.2", config.MatchConfig{Family: drift.Covariate, Method: "ks"}), []string{"amount"}},
		{"p-value below", mk("p_value < 0.01", config.MatchConfig{Family: drift.Covariate}), []string{"amount"}},
		{"drifted share", mk("drifted_share > 0.5", config.MatchConfig{}), []string{"dataset"}},
		{"performance below", mk("statistic < 0.8", config.MatchConfig{Family: drift.Concept, Method: "accuracy"}), []string{"concept"}},
		{"quality by feature glob", mk("statistic > 0.1", config.MatchConfig{Family: drift.Quality, Feature: "am*"}), []string{"amount"}},
		{"nothing", mk("statistic > 100", config.MatchConfig{}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(openStore(t, t.TempDir()), tc.rule)
			var got []string
			for _, m := range process(t, e, w, results, w.End) {
				for _, a := range m.Alerts {
					what := a.Feature
					if what == "" {
						what = a.Family
					}
					got = append(got, what)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("fired %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDriftedRules: `drifted` without a method follows each feature's
// verdict row and nothing else, however far its reported methods are past
// their own levels (stored not drifted); naming a method follows that
// method's own comparison, whether it decides or only reports.
func TestDriftedRules(t *testing.T) {
	w := window(0)
	p := func(v float64) *float64 { return &v }
	row := func(feature, method string, stat float64, pv *float64, th float64, decision bool) drift.Result {
		r := drift.Result{Model: "fraud", ModelVersion: "7", Family: drift.Covariate, Feature: feature, Method: method,
			WindowSeq: w.Seq, WindowStart: w.Start, WindowEnd: w.End, Statistic: stat, PValue: pv, Threshold: th,
			Decision: decision, NReference: 1000, NCurrent: 500}
		if decision {
			r.Drifted = detectors.Drifted(method, stat, pv, th)
		}
		return r
	}
	results := []drift.Result{
		// day_of_week: no drift by its verdict (psi), while Cramér-von
		// Mises and chi2, reported, are far below 0.05.
		row("day_of_week", "psi", 0.01, nil, 0.2, true),
		row("day_of_week", "cramer_von_mises", 9, p(1.9e-11), 0.05, false),
		row("day_of_week", "chi2", 80, p(1e-9), 0.05, false),
		// amount: drifted by its verdict (jensen_shannon); ks reported,
		// not past 0.05.
		row("amount", "jensen_shannon", 0.4, nil, 0.1, true),
		row("amount", "ks", 0.03, p(0.3), 0.05, false),
		// price: its decide method gave no value; psi, reported, is past
		// 0.2.
		row("price", "psi", 0.5, nil, 0.2, false),
	}
	mk := func(method string) config.RuleConfig {
		r := rule("r", 1, 0, "hook")
		r.Match.Method = method
		return r
	}
	tests := []struct {
		name string
		rule config.RuleConfig
		want []string // feature/method of the firing alerts
	}{
		{"the verdict", mk(""), []string{"amount/jensen_shannon"}},
		{"a reported method named", mk("cramer_von_mises"), []string{"day_of_week/cramer_von_mises"}},
		{"a method deciding one feature, reporting another", mk("psi"), []string{"price/psi"}},
		{"every method", mk("*"), []string{"amount/jensen_shannon", "day_of_week/chi2", "day_of_week/cramer_von_mises", "price/psi"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(openStore(t, t.TempDir()), tc.rule)
			var got []string
			for _, m := range process(t, e, w, results, w.End) {
				for _, a := range m.Alerts {
					got = append(got, a.Feature+"/"+a.Method)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("fired %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRepeatInterval(t *testing.T) {
	e := newEngine(openStore(t, t.TempDir()), rule("feature-drift", 1, 0, "hook"))
	clock := start
	got := ""
	for i := range 4 {
		w := window(int64(i))
		got += statuses(process(t, e, w, []drift.Result{verdict(w, "amount", true)}, clock))
		clock = clock.Add(3 * time.Hour) // repeat_interval is 4 h
	}
	if got != "f-f-" {
		t.Errorf("messages = %q, want a firing, a repeat after 4 h, then quiet: f-f-", got)
	}
}

func TestReplayedWindowIsNotCountedTwice(t *testing.T) {
	st := openStore(t, t.TempDir())
	e := newEngine(st, rule("feature-drift", 2, 0, "hook"))
	w := window(0)
	rs := []drift.Result{verdict(w, "amount", true)}
	process(t, e, w, rs, w.End)
	if msgs := process(t, e, w, rs, w.End); len(msgs) != 0 {
		t.Fatalf("the replayed window fired: %+v", msgs)
	}
	w1 := window(1)
	if got := statuses(process(t, e, w1, []drift.Result{verdict(w1, "amount", true)}, w1.End)); got != "f" {
		t.Errorf("second window = %q, want f", got)
	}
}

// The state lives in storage: a new engine (a restart) carries on where
// the old one stopped, and a resolution still reaches whom the firing did.
func TestStateSurvivesRestart(t *testing.T) {
	for name, backend := range backends(t) {
		t.Run(name, func(t *testing.T) {
			open := backend(t)
			st := open()
			r := rule("feature-drift", 2, 0, "hook")
			w0 := window(0)
			process(t, newEngine(st, r), w0, []drift.Result{verdict(w0, "amount", true)}, w0.End)
			st.Close()

			st = open()
			e := newEngine(st, r)
			w1, w2 := window(1), window(2)
			got := statuses(process(t, e, w1, []drift.Result{verdict(w1, "amount", true)}, w1.End))
			msgs := process(t, e, w2, []drift.Result{verdict(w2, "amount", false)}, w2.End)
			got += statuses(msgs)
			if got != "fr" {
				t.Fatalf("after restart = %q, want fr", got)
			}
			if a := msgs[0].Alerts[0]; a.FiredIn == "" {
				t.Errorf("resolution does not name the message it resolves: %+v", a)
			}
		})
	}
}

func TestSilence(t *testing.T) {
	st := openStore(t, t.TempDir())
	e := newEngine(st, rule("feature-drift", 1, 0, "hook"))
	sl := drift.Silence{ID: "s1", Matchers: map[string]string{"feature": "amo*", "model": "fraud"},
		StartsAt: start, EndsAt: start.Add(time.Hour), CreatedBy: "ana", CreatedAt: start, Version: 1}
	if err := st.SaveSilence(t.Context(), sl); err != nil {
		t.Fatal(err)
	}
	w := window(0)
	msgs := process(t, e, w, []drift.Result{verdict(w, "amount", true), verdict(w, "country", true)}, start.Add(time.Minute))
	if len(msgs) != 1 || len(msgs[0].Alerts) != 1 || msgs[0].Alerts[0].Feature != "country" {
		t.Fatalf("messages %+v: want only country, amount is silenced", msgs)
	}
}

func TestRetrainingCooldown(t *testing.T) {
	st := openStore(t, t.TempDir())
	e := newEngine(st, rule("feature-drift", 1, 0, "hook", "retrain"))
	var calls []alerting.Message
	clock := start
	// Two drift episodes an hour apart, then one after the cooldown.
	for i, d := range "d.d.......d" {
		w := window(int64(i))
		for _, m := range process(t, e, w, []drift.Result{verdict(w, "amount", d == 'd')}, clock) {
			if m.Receiver == "retrain" {
				calls = append(calls, m)
			}
		}
		clock = clock.Add(time.Hour)
		if i == 3 {
			clock = clock.Add(24 * time.Hour)
		}
	}
	if len(calls) != 2 {
		t.Fatalf("%d retraining calls, want 2 (the second episode is inside the cooldown)", len(calls))
	}
	rt := calls[0].Retraining
	if rt == nil || rt.Reference != "file:reference.csv" || !slices.Equal(rt.DriftedFeatures, []string{"amount"}) ||
		!rt.From.Equal(window(0).Start) || !rt.To.Equal(window(0).End) {
		t.Errorf("retraining payload %+v", rt)
	}
}

// Process fails when storage does and leaves nothing half done: the retry
// produces the same message.
func TestProcessStorageFailure(t *testing.T) {
	st := openStore(t, t.TempDir())
	fs := &failingStore{Store: st, fail: 1}
	e := newEngine(fs, rule("feature-drift", 1, 0, "hook"))
	w := window(0)
	rs := []drift.Result{verdict(w, "amount", true)}
	if _, err := e.Process(t.Context(), w, rs, w.End); err == nil {
		t.Fatal("Process succeeded with storage down")
	}
	msgs := process(t, e, w, rs, w.End)
	if statuses(msgs) != "f" {
		t.Fatalf("retry = %q, want f", statuses(msgs))
	}
}

type failingStore struct {
	*embedded.Store
	fail int
}

func (f *failingStore) SaveAlertState(ctx context.Context, key string, state []byte, version uint64) error {
	if f.fail > 0 {
		f.fail--
		return fmt.Errorf("disk full: %w", storage.ErrUnavailable)
	}
	return f.Store.SaveAlertState(ctx, key, state, version)
}

func TestFiringGauge(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := alerting.NewMetrics(reg)
	e := alerting.NewEngine(alerting.EngineConfig{Store: openStore(t, t.TempDir()), Logger: quiet, Metrics: m,
		Models: []string{"fraud", "churn"}, Alerting: newAlerting(rule("feature-drift", 1, 0, "hook"))})
	gauge := func(model string) float64 {
		return testutil.ToFloat64(m.Firing().WithLabelValues(model, "feature-drift"))
	}
	if n, err := testutil.GatherAndCount(reg, "driftmon_alerts_firing"); err != nil || n != 2 {
		t.Fatalf("%d firing series at start (%v), want one per model, at zero", n, err)
	}
	steps := []struct {
		drifted []bool // amount, country
		want    float64
	}{
		{[]bool{true, true}, 2},
		{[]bool{true, false}, 1},
		{[]bool{false, false}, 0},
	}
	for i, s := range steps {
		w := window(int64(i))
		process(t, e, w, []drift.Result{verdict(w, "amount", s.drifted[0]), verdict(w, "country", s.drifted[1])}, w.End)
		if got := gauge("fraud"); got != s.want {
			t.Errorf("window %d: driftmon_alerts_firing = %v, want %v", i, got, s.want)
		}
	}
}

// An alert of a rule removed from the config is dropped: it neither stays
// firing in the gauge nor blocks the rule's name if it comes back.
func TestRemovedRuleDropsItsAlerts(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	w0 := window(0)
	process(t, newEngine(st, rule("old", 1, 0, "hook")), w0, []drift.Result{verdict(w0, "amount", true)}, w0.End)
	w1 := window(1)
	process(t, newEngine(st, rule("new", 2, 0, "hook")), w1, []drift.Result{verdict(w1, "amount", true)}, w1.End)
	// "old" comes back: its alert starts afresh (for 1 fires at once),
	// rather than being still firing from window 0 and saying nothing.
	w2 := window(2)
	msgs := process(t, newEngine(st, rule("old", 1, 0, "hook")), w2, []drift.Result{verdict(w2, "amount", true)}, w2.End)
	if statuses(msgs) != "f" {
		t.Fatalf("re-added rule: %q, want a new firing", statuses(msgs))
	}
}

// TestForgetAfterHandover: a model's partition moves to another instance
// and back. The instance that had it first must judge the next window by
// what the other one stored, not by its own stale copy: with for 2,
// window 0 is pending on A, window 1 fires on B; back on A, window 2
// (still drifted) is already firing, so it sends nothing. Without the
// Forget, A counts window 2 as the second drifted window and fires again
// ("-ff"; checked by removing the call).
func TestForgetAfterHandover(t *testing.T) {
	st := openStore(t, t.TempDir())
	r := rule("feature-drift", 2, 0, "hook")
	a, b := newEngine(st, r), newEngine(st, r)
	w0, w1, w2 := window(0), window(1), window(2)
	got := statuses(process(t, a, w0, []drift.Result{verdict(w0, "amount", true)}, w0.End))
	a.Forget("fraud") // the partition moved to B
	got += statuses(process(t, b, w1, []drift.Result{verdict(w1, "amount", true)}, w1.End))
	got += statuses(process(t, a, w2, []drift.Result{verdict(w2, "amount", true)}, w2.End))
	if got != "-f-" {
		t.Fatalf("A, B, A = %q, want -f-", got)
	}
}
