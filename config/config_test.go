package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

// field is one expected value of a loaded config.
type field struct {
	name      string
	got, want any
}

func checkFields(t *testing.T, fields []field) {
	t.Helper()
	for _, f := range fields {
		t.Run(f.name, func(t *testing.T) {
			if !reflect.DeepEqual(f.got, f.want) {
				t.Errorf("got %#v, want %#v", f.got, f.want)
			}
		})
	}
}

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDefaults loads a file that sets only what has no default and checks
// every default against the documented values (DESIGN.md's Configuration
// section and the package's constants' comments), written out literally.
func TestDefaults(t *testing.T) {
	dir := abs(t, "testdata")
	c, err := Load(filepath.Join(dir, "minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	k, s, h := c.Kafka, c.Storage, c.HTTP
	fraud, churn := c.Model("fraud"), c.Model("churn")
	if fraud == nil || churn == nil {
		t.Fatalf("models not found: %v", c.Models)
	}
	checkFields(t, []field{
		{"kafka.brokers", k.Brokers, []string{"127.0.0.1:9092"}},
		{"kafka.group_id", k.GroupID, "driftmon"},
		{"kafka.predictions_topic", k.PredictionsTopic, "predictions"},
		{"kafka.labels_topic", k.LabelsTopic, "labels"},
		{"kafka.dead_letter_topic", k.DeadLetterTopic, "driftmon-dead-letter"},
		{"kafka.checkpoint_interval", k.CheckpointInterval, 30 * time.Second},
		{"kafka.session_timeout", k.SessionTimeout, 10 * time.Second},
		{"kafka.heartbeat_interval", k.HeartbeatInterval, time.Second},
		{"kafka.rebalance_timeout", k.RebalanceTimeout, 10 * time.Second},
		{"kafka.tls", k.TLS, TLSConfig{}},
		{"kafka.sasl", k.SASL, SASLConfig{}},
		{"kafka.max_message_bytes", k.MaxMessageBytes, 1048576}, // 1 MiB = 1024*1024
		{"kafka.unknown_models", k.UnknownModels, UnknownModels("reject")},
		{"storage.backend", s.Backend, Backend("clickhouse")},
		{"storage.clickhouse.addr", s.ClickHouse.Addr, []string{"127.0.0.1:9000"}},
		{"storage.clickhouse.database", s.ClickHouse.Database, "driftmon"},
		{"storage.clickhouse.user", s.ClickHouse.User, "default"},
		{"storage.clickhouse.password", s.ClickHouse.Password.Value(), ""},
		{"storage.clickhouse.tls", s.ClickHouse.TLS, TLSConfig{}},
		{"storage.clickhouse.dial_timeout", s.ClickHouse.DialTimeout, 5 * time.Second},
		{"storage.embedded.path", s.Embedded.Path, filepath.Join(dir, "driftmon-data")},
		{"storage.retention", s.Retention, time.Duration(0)},
		{"http.listen", h.Listen, "127.0.0.1:8080"},
		{"http.token", h.Token.IsSet(), false},
		{"http.require_token_for_reads", h.RequireTokenForReads, false},
		{"http.metrics_listen", h.MetricsListen, ""},
		{"http.max_connections", h.MaxConnections, 512},
		{"http.max_requests", h.MaxRequests, 32},
		{"metrics.all_methods", c.Metrics.AllMethods, false},
		{"models.len", len(c.Models), 2},
		{"models[0].name", fraud.Name, "fraud"},
		{"models[0].version", fraud.Version, ""},
		{"models[0].window", fraud.Window, WindowConfig{Duration: 5 * time.Minute}},
		{"models[0].allowed_lateness", fraud.AllowedLateness, time.Duration(0)},
		{"models[0].idle_timeout", fraud.IdleTimeout, 5 * time.Minute}, // the window duration
		{"models[0].reference", fraud.Reference, ReferenceConfig{File: filepath.Join(dir, "reference.csv")}},
		{"models[0].features", fraud.Features, Features{{Name: "amount", Type: drift.Numeric}}},
		{"models[0].prediction", fraud.Prediction, PredictionType("")},
		{"models[0].drift", fraud.Drift, DriftConfig{}},
		{"models[0].limits", fraud.Limits, LimitsConfig{SampleSize: 10000, MaxCategories: 1000}},
		{"models[1].window", churn.Window, WindowConfig{Events: 500}},
		{"models[1].idle_timeout", churn.IdleTimeout, time.Minute}, // count windows: 1m
		{"models[1].reference", churn.Reference, ReferenceConfig{Previous: true}},
		{"models[1].limits.Limits", churn.Limits.Limits(), drift.Limits{SampleSize: 10000, MaxCategories: 1000, SketchK: drift.DefaultSketchK}},
		{"alerting", c.Alerting, AlertingConfig{}},
		{"Model(unknown)", c.Model("nope"), (*ModelConfig)(nil)},
	})
}

// TestFull loads a file that sets every key to a non-default value.
func TestFull(t *testing.T) {
	t.Setenv("DRIFTMON_TEST_KAFKA_PASSWORD", "kafka-pw")
	t.Setenv("DRIFTMON_TEST_API_TOKEN", "api-tok")
	t.Setenv("DRIFTMON_TEST_SLACK_TOKEN", "xoxb-1")
	dir := abs(t, "testdata")
	c, err := Load(filepath.Join(dir, "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	k, s, h, a := c.Kafka, c.Storage, c.HTTP, c.Alerting
	if len(c.Models) != 3 || len(a.Receivers) != 3 || len(a.Rules) != 2 {
		t.Fatalf("got %d models, %d receivers, %d rules; want 3, 3, 2", len(c.Models), len(a.Receivers), len(a.Rules))
	}
	fraud, churn, shadow := &c.Models[0], &c.Models[1], &c.Models[2]
	fraudFeatures := Features{
		{Name: "amount", Type: drift.Numeric, Range: &[2]float64{0, 100000}},
		{Name: "country", Type: drift.Categorical},
		{Name: "is_new", Type: drift.Boolean},
		{Name: "device.os:major", Type: drift.Categorical},
	}
	fraudDrift := DriftConfig{
		Numeric: MethodConfig{
			Methods:    []string{"ks", "psi", "wasserstein"},
			Decide:     "ks",
			Thresholds: map[string]float64{"ks": 0.01, "psi": 0.25},
		},
		Categorical: MethodConfig{
			Methods:    []string{"chi2", "jensen_shannon"},
			Decide:     "jensen_shannon",
			Thresholds: map[string]float64{"jensen_shannon": 0.1},
		},
	}
	// 2026-11-08T12:30:00.5+01:00 is 11:30:00.5 UTC.
	refWindow := &TimeRange{
		From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		To:   time.Date(2026, 11, 8, 11, 30, 0, 500_000_000, time.UTC),
	}
	checkFields(t, []field{
		{"kafka.brokers", k.Brokers, []string{"k1:9093", "k2:9093"}},
		{"kafka.group_id", k.GroupID, "dm"},
		{"kafka.predictions_topic", k.PredictionsTopic, "preds"},
		{"kafka.labels_topic", k.LabelsTopic, "labs"},
		{"kafka.dead_letter_topic", k.DeadLetterTopic, "dlq"},
		{"kafka.checkpoint_interval", k.CheckpointInterval, time.Minute},
		{"kafka.session_timeout", k.SessionTimeout, 45 * time.Second},
		{"kafka.heartbeat_interval", k.HeartbeatInterval, 3 * time.Second},
		{"kafka.rebalance_timeout", k.RebalanceTimeout, time.Minute},
		{"kafka.tls", k.TLS, TLSConfig{
			Enabled:            true,
			CAFile:             filepath.Join(dir, "certs/ca.pem"),
			CertFile:           filepath.Join(dir, "certs/client.pem"),
			KeyFile:            filepath.Join(dir, "certs/client-key.pem"),
			InsecureSkipVerify: true,
			ServerName:         "kafka.internal",
		}},
		{"kafka.sasl.mechanism", k.SASL.Mechanism, SASLScramSHA512},
		{"kafka.sasl.username", k.SASL.Username, "dmuser"},
		{"kafka.sasl.password", k.SASL.Password.Value(), "kafka-pw"},
		{"kafka.max_message_bytes", k.MaxMessageBytes, 65536},
		{"kafka.unknown_models", k.UnknownModels, AcceptUnknownModels},
		{"storage.backend", s.Backend, BackendEmbedded},
		{"storage.clickhouse.addr", s.ClickHouse.Addr, []string{"ch1:9440"}},
		{"storage.clickhouse.database", s.ClickHouse.Database, "dm_prod"},
		{"storage.clickhouse.user", s.ClickHouse.User, "dm"},
		// The file is "ch-pass\n\n": only one trailing newline goes.
		{"storage.clickhouse.password", s.ClickHouse.Password.Value(), "ch-pass\n"},
		{"storage.clickhouse.tls", s.ClickHouse.TLS, TLSConfig{Enabled: true}},
		{"storage.clickhouse.dial_timeout", s.ClickHouse.DialTimeout, 2 * time.Second},
		{"storage.embedded.path", s.Embedded.Path, filepath.Join(dir, "data")},
		{"storage.retention", s.Retention, 90 * 24 * time.Hour},
		{"http.listen", h.Listen, ":9090"},
		{"http.token", h.Token.Value(), "api-tok"},
		{"http.require_token_for_reads", h.RequireTokenForReads, true},
		{"http.metrics_listen", h.MetricsListen, ":9091"},
		{"http.max_connections", h.MaxConnections, 100},
		{"http.max_requests", h.MaxRequests, 8},
		{"metrics.all_methods", c.Metrics.AllMethods, true},
		{"models[0].name", fraud.Name, "fraud"},
		{"models[0].version", fraud.Version, "7"},
		{"models[0].window", fraud.Window, WindowConfig{Duration: 5 * time.Minute}},
		{"models[0].allowed_lateness", fraud.AllowedLateness, time.Minute},
		{"models[0].idle_timeout", fraud.IdleTimeout, 10 * time.Minute},
		{"models[0].reference", fraud.Reference, ReferenceConfig{Window: refWindow}},
		{"models[0].features", fraud.Features, fraudFeatures},
		{"Features.Lookup", fraud.Features.Lookup("is_new"), &fraud.Features[2]},
		{"Features.Lookup(unknown)", fraud.Features.Lookup("nope"), (*FeatureConfig)(nil)},
		{"models[0].prediction", fraud.Prediction, PredictionProbabilities},
		{"models[0].drift", fraud.Drift, fraudDrift},
		{"models[0].limits", fraud.Limits, LimitsConfig{SampleSize: 500, MaxCategories: 50}},
		{"models[1].window", churn.Window, WindowConfig{Events: 2000}},
		{"models[1].reference", churn.Reference, ReferenceConfig{Previous: true}},
		{"models[1].features", churn.Features, Features{{Name: "tenure", Type: drift.Numeric}}},
		{"models[1].prediction", churn.Prediction, PredictionClass},
		// Merged from fraud, with name and version overridden.
		{"models[2].name", shadow.Name, "fraud-shadow"},
		{"models[2].version", shadow.Version, "8"},
		{"models[2].window", shadow.Window, fraud.Window},
		{"models[2].features", shadow.Features, fraudFeatures},
		{"models[2].drift", shadow.Drift, fraudDrift},
		{"models[2].limits", shadow.Limits, fraud.Limits},
		{"Model(fraud-shadow)", c.Model("fraud-shadow"), shadow},
		{"receivers[0]", a.Receivers[0].Name, "ml-oncall"},
		{"receivers[0].slack.token", a.Receivers[0].Slack.Token.Value(), "xoxb-1"},
		{"receivers[0].slack.channel", a.Receivers[0].Slack.Channel, "#ml"},
		{"receivers[0].slack.api_url", a.Receivers[0].Slack.APIURL, "http://127.0.0.1:1/api/"},
		{"receivers[1].slack.webhook_url", a.Receivers[1].Slack.WebhookURL.Value(), "https://hooks.slack.example/T0/B0/x"},
		{"receivers[1].webhook", a.Receivers[1].Webhook, (*WebhookConfig)(nil)},
		{"receivers[2].webhook.url", a.Receivers[2].Webhook.URL, "https://ci.example/hooks/retrain"},
		{"receivers[2].webhook.secret", a.Receivers[2].Webhook.Secret.Value(), "webhook-s3cret"},
		{"receivers[2].webhook.retraining", a.Receivers[2].Webhook.Retraining, true},
		{"receivers[2].webhook.cooldown (default)", a.Receivers[2].Webhook.Cooldown, DefaultRetrainingCooldown},
		{"rules[0].name", a.Rules[0].Name, "feature-drift"},
		{"rules[0].models", a.Rules[0].Models, []string{"fraud*"}},
		{"rules[0].match", a.Rules[0].Match, MatchConfig{Family: drift.Covariate, Method: "ks", Feature: "amount*"}},
		{"rules[0].condition", a.Rules[0].Condition, Condition{Field: FieldPValue, Op: "<", Value: 0.01}},
		{"rules[0].for", a.Rules[0].For, 3},
		{"rules[0].keep_firing_for", a.Rules[0].KeepFiringFor, 2},
		{"rules[0].repeat_interval", a.Rules[0].RepeatInterval, time.Hour},
		{"rules[0].severity", a.Rules[0].Severity, "critical"},
		{"rules[0].labels", a.Rules[0].Labels, map[string]string{"team": "risk"}},
		{"rules[0].receivers", a.Rules[0].Receivers, []string{"ml-oncall", "retrain"}},
		// Rule defaults.
		{"rules[1].models", a.Rules[1].Models, []string{"*"}},
		{"rules[1].match", a.Rules[1].Match, MatchConfig{}},
		{"rules[1].condition", a.Rules[1].Condition, Condition{Field: FieldDrifted}},
		{"rules[1].for", a.Rules[1].For, 1},
		{"rules[1].keep_firing_for", a.Rules[1].KeepFiringFor, 0},
		{"rules[1].repeat_interval", a.Rules[1].RepeatInterval, 4 * time.Hour},
		{"rules[1].severity", a.Rules[1].Severity, "warning"},
		{"rules[1].labels", a.Rules[1].Labels, map[string]string(nil)},
	})
}

// TestNullKeepsDefault checks that `key:` with no value means "not set".
func TestNullKeepsDefault(t *testing.T) {
	c, err := Parse([]byte("kafka:\n  group_id:\n  brokers: ~\nstorage:\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Kafka.GroupID != "driftmon" || !reflect.DeepEqual(c.Kafka.Brokers, []string{"127.0.0.1:9092"}) {
		t.Errorf("null replaced defaults: %+v", c.Kafka)
	}
}

func TestEmptyFile(t *testing.T) {
	for _, y := range []string{"", "# nothing\n"} {
		c, err := Parse([]byte(y), "")
		if err != nil {
			t.Fatalf("Parse(%q): %v", y, err)
		}
		if !reflect.DeepEqual(c.Kafka, Default().Kafka) || len(c.Models) != 0 {
			t.Errorf("Parse(%q) is not the default config", y)
		}
	}
}

// TestSyntaxError checks that a YAML syntax error keeps yaml.v3's line.
func TestSyntaxError(t *testing.T) {
	_, err := Parse([]byte("kafka:\n  brokers: [a\n"), "")
	if err == nil {
		t.Fatal("no error")
	}
	if got := err.Error(); !strings.HasPrefix(got, "parse YAML: yaml: line ") {
		t.Errorf("error %q", got)
	}
}

// TestExample parses the example file shipped at the repository root.
func TestExample(t *testing.T) {
	path := filepath.Join("..", "driftmon.example.yaml")
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	m := c.Model("demo")
	if m == nil {
		t.Fatalf("no model demo in %v", c.Models)
	}
	checkFields(t, []field{
		{"brokers", c.Kafka.Brokers, []string{"127.0.0.1:9092"}},
		{"clickhouse", c.Storage.ClickHouse.Addr, []string{"127.0.0.1:9000"}},
		{"window", m.Window.Duration, 5 * time.Minute},
		{"lateness", m.AllowedLateness, time.Minute},
		{"reference", m.Reference.File, filepath.Join("..", "examples", "demo-reference.csv")},
		{"features", m.Features, Features{
			{Name: "amount", Type: drift.Numeric, Range: &[2]float64{0, 100000}},
			{Name: "age", Type: drift.Numeric},
			{Name: "score_a", Type: drift.Numeric},
			{Name: "country", Type: drift.Categorical},
			{Name: "device", Type: drift.Categorical},
			{Name: "is_new", Type: drift.Boolean},
			{Name: "channel", Type: drift.Categorical},
			{Name: "distance_km", Type: drift.Numeric},
		}},
		{"prediction", m.Prediction, PredictionScore},
		{"alerting", c.Alerting, AlertingConfig{}},
	})

	// The commented-out alerting section must work once uncommented.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\n# alerting:")
	if i < 0 {
		t.Fatal("no commented alerting section")
	}
	var b strings.Builder
	b.WriteString(text[:i+1])
	for _, line := range strings.Split(text[i+1:], "\n") {
		b.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "#"), " "))
		b.WriteString("\n")
	}
	t.Setenv("SLACK_TOKEN", "xoxb-test")
	t.Setenv("RETRAIN_SECRET", "s")
	c, err = Parse([]byte(b.String()), "..")
	if err != nil {
		t.Fatalf("example with alerting uncommented: %v", err)
	}
	if len(c.Alerting.Receivers) != 2 || len(c.Alerting.Rules) != 1 || c.Alerting.Rules[0].For != 2 {
		t.Errorf("alerting section: %+v", c.Alerting)
	}
}

// TestDriftPolicy: the model's drift section and a feature's own override
// become the policy serve evaluates with.
func TestDriftPolicy(t *testing.T) {
	c, err := Parse([]byte(`models:
  - name: fraud
    window: {duration: 5m}
    reference: {previous: true}
    features:
      amount:
        type: numeric
        drift: {decide: ks, threshold: 0.01}
      age:
        type: numeric
        drift: {calibrate: false}
      country:
        type: categorical
        drift: {calibrate: true}
      score: numeric
    drift:
      calibration: {k: 4, resamples: 50}
      correction: bh
`), "")
	if err != nil {
		t.Fatal(err)
	}
	p := c.Models[0].DriftPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Correction != detectors.CorrectionBH {
		t.Errorf("correction %q", p.Correction)
	}
	// Unset: the default's calibrated numeric verdict, with the file's k.
	if s := p.Set("score", drift.Numeric); s.Decide != stats.MethodJensenShannon || s.Calibration == nil || s.Calibration.K != 4 || s.Calibration.Resamples != 50 {
		t.Errorf("score: %+v", s)
	}
	amount := p.Set("amount", drift.Numeric)
	if amount.Decide != stats.MethodKS || amount.Thresholds[stats.MethodKS] != 0.01 || amount.Calibration != nil {
		t.Errorf("amount: decide %s threshold %v calibration %+v; want ks at a fixed 0.01", amount.Decide, amount.Thresholds[stats.MethodKS], amount.Calibration)
	}
	if s := p.Set("age", drift.Numeric); s.Decide != stats.MethodJensenShannon || s.Calibration != nil {
		t.Errorf("age: %+v, want jensen_shannon at its fixed threshold", s)
	}
	if s := p.Set("country", drift.Categorical); s.Decide != stats.MethodPSI || s.Calibration == nil || s.Calibration.K != 4 {
		t.Errorf("country: %+v, want psi calibrated with k 4", s)
	}
	// The kinds' sets are untouched by the overrides.
	if p.Numeric.Decide != stats.MethodJensenShannon || p.Categorical.Calibration != nil {
		t.Errorf("kind sets changed: %+v / %+v", p.Numeric, p.Categorical)
	}
}
