package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// configErrors flattens the joined errors of Parse into its *Errors.
func configErrors(t *testing.T, err error) []*Error {
	t.Helper()
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("error without key path and line: %v", err)
			return
		}
		out = append(out, ce)
	}
	walk(err)
	return out
}

// TestInvalid parses one testdata file per mistake and checks that it
// yields exactly one error, at the expected key path and line. The lines
// were counted by hand (and with `grep -n`) in the testdata files, not
// taken from the parser.
func TestInvalid(t *testing.T) {
	// The unset-variable case needs the variable to be unset whatever the
	// environment says; t.Setenv restores it afterwards.
	t.Setenv("DRIFTMON_TEST_UNSET_PASSWORD", "")
	os.Unsetenv("DRIFTMON_TEST_UNSET_PASSWORD")
	t.Setenv("DRIFTMON_TEST_TOKEN", "x")

	cases := []struct {
		file string
		path string
		line int
		msg  string // a part of the message
	}{
		{"unknown-key-top.yaml", "alert", 3, "unknown key"},
		{"unknown-key-nested.yaml", "models[0].window.slide", 5, "unknown key (want one of duration, events)"},
		{"wrong-type-scalar.yaml", "models[0].window.events", 3, `want an integer, got "many"`},
		{"wrong-type-shape.yaml", "models[0].features", 5, "want a mapping, got a list"},
		{"duplicate-model.yaml", "models[2].name", 12, `model "fraud" is already defined at models[0]`},
		{"bad-model-name.yaml", "models[0].name", 2, `invalid model name "fraud detector"`},
		{"window-both.yaml", "models[0].window", 3, "not both"},
		// No window key: reported at the line of the model that lacks it.
		{"window-neither.yaml", "models[0].window", 5, "set duration"},
		{"window-negative.yaml", "models[0].window.duration", 4, "must be positive, got -5m0s"},
		{"rebalance-timeout-negative.yaml", "kafka.rebalance_timeout", 2, "must not be negative, got -10s"},
		{"window-fraction.yaml", "models[0].window.duration", 4, "whole number of seconds, at least 1s, got 1.5s"},
		{"window-subsecond.yaml", "models[0].window.duration", 3, "whole number of seconds, at least 1s, got 500ms"},
		{"window-too-long.yaml", "models[0].window.duration", 4, "at most 366d"},
		{"feature-bad-type.yaml", "models[0].features.country", 7, `unknown feature type "categorial"`},
		{"feature-range-categorical.yaml", "models[0].features.country.range", 9, "only numeric features"},
		{"feature-range-order.yaml", "models[0].features.amount.range", 6, "lo < hi, got [100, 100]"},
		{"quality-share-range.yaml", "models[0].quality.max_late_share", 6, "want a share in [0, 1], got 1.5"},
		{"quality-negative-count.yaml", "models[0].quality.max_ids", 5, "must not be negative, got -1"},
		{"feature-quality-share.yaml", "models[0].features.amount.quality.max_out_of_range_share", 6, "want a share in [0, 1], got -0.1"},
		{"feature-quality-unknown-key.yaml", "models[0].features.amount.quality.max_missing", 8, "unknown key (want one of"},
		{"reference-two-sources.yaml", "models[0].reference", 4, "only one of file, window or previous"},
		{"reference-window-order.yaml", "models[0].reference.window", 5, "must be before"},
		{"drift-unknown-method.yaml", "models[0].drift.numeric.methods[1]", 9, `unknown method "chi2"`},
		{"drift-decide-not-listed.yaml", "models[0].drift.numeric.decide", 10, `"wasserstein" is not one of methods (psi, ks)`},
		{"rule-unknown-receiver.yaml", "alerting.rules[0].receivers[1]", 10, `no receiver named "pager"`},
		{"webhook-negative-cooldown.yaml", "alerting.receivers[0].webhook.cooldown", 8, "must not be negative, got -1h0m0s"},
		{"secret-env-unset.yaml", "storage.clickhouse.password_env", 4, "DRIFTMON_TEST_UNSET_PASSWORD is not set"},
		{"secret-both-sources.yaml", "http.token_file", 3, "set token_env or token_file, not both"},
		{"bad-duration.yaml", "kafka.checkpoint_interval", 2, `invalid duration "30 seconds"`},
		{"bad-duration-days.yaml", "storage.retention", 2, `invalid duration "7days"`},
		{"empty-brokers.yaml", "kafka.brokers", 2, "at least one"},
		{"http-metrics-listen-bad.yaml", "http.metrics_listen", 2, `want host:port, got "9091"`},
		{"http-metrics-listen-same.yaml", "http.metrics_listen", 3, "is http.listen (127.0.0.1:8080)"},
		{"http-max-connections.yaml", "http.max_connections", 3, "must be at least http.max_requests + 16 (80), got 64"},
		{"http-max-requests.yaml", "http.max_requests", 2, "must be at least 1, got 0"},
		{"duplicate-key.yaml", "models[0].features.amount", 7, "key repeated (first at line 6)"},
		{"feature-reserved.yaml", "models[0].features.prediction", 7, "reserved"},
		{"tls-disabled-with-files.yaml", "kafka.tls", 2, "enabled is not true"},
		{"tls-missing-ca.yaml", "kafka.tls.ca_file", 4, "no-such-ca.pem: no such file"},
		{"tls-ca-not-pem.yaml", "kafka.tls.ca_file", 4, "no PEM certificates found"},
		{"tls-missing-key.yaml", "storage.clickhouse.tls.key_file", 6, "no-such-key.pem: no such file"},
		{"reference-missing-file.yaml", "models[0].reference.file", 7, "no-such-reference.csv: no such file"},
		{"reference-missing-column.yaml", "models[0].features.not_in_the_file", 6, `"not_in_the_file" is not a column of the reference file`},
		{"drift-decide-report-only.yaml", "models[0].drift.numeric.decide", 9, `"wasserstein" reports only by default (threshold 0)`},
		{"drift-decide-threshold-zero.yaml", "models[0].drift.categorical.thresholds.chi2", 12, `"chi2" decides the verdict: threshold 0`},
		{"drift-pvalue-threshold.yaml", "models[0].drift.numeric.thresholds.ks", 9, "want at most 1, got 5"},
		{"feature-drift-unknown-decide.yaml", "models[0].features.amount.drift.decide", 8, `"chi2" is not a method of numeric features`},
		{"feature-drift-pvalue-threshold.yaml", "models[0].features.amount.drift.threshold", 10, "ks drifts when its p-value falls below the threshold: want at most 1, got 2"},
		{"feature-drift-report-only.yaml", "models[0].features.amount.drift.decide", 9, `"energy" reports only by default (threshold 0)`},
		{"feature-drift-unknown-key.yaml", "models[0].features.amount.drift.level", 8, "unknown key (want one of calibrate, decide, threshold)"},
		{"drift-bad-correction.yaml", "models[0].drift.correction", 8, `unknown value "holm" (want one of none, bonferroni, bh)`},
		{"drift-calibration-k.yaml", "models[0].drift.calibration.k", 9, "want a finite number >= 0, got -2"},
		{"two-documents.yaml", "", 3, "second YAML document"}, // the --- line,
	}
	for _, tc := range cases {
		t.Run(strings.TrimSuffix(tc.file, ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(data, "testdata")
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", c)
			}
			if c != nil {
				t.Errorf("Parse returned a config with an error")
			}
			errs := configErrors(t, err)
			if len(errs) != 1 {
				t.Fatalf("want 1 error, got %d:\n%v", len(errs), err)
			}
			e := errs[0]
			if e.Path != tc.path || e.Line != tc.line {
				t.Errorf("error at %q line %d, want %q line %d: %v", e.Path, e.Line, tc.path, tc.line, e)
			}
			want := "line " + strconv.Itoa(tc.line) + ": "
			if tc.path != "" {
				want += tc.path + ": "
			}
			if msg := err.Error(); !strings.HasPrefix(msg, want) || !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q\nwant prefix %q and %q in it", msg, want, tc.msg)
			}
		})
	}
}

// TestInvalidAllReported checks that Validate reports every problem, not
// only the first, each at its own line.
func TestInvalidAllReported(t *testing.T) {
	const y = `kafka:
  group_id: ""
models:
  - name: "a b"
    window: {events: -3}
    reference: {previous: true}
    features: {x: boolean}
    limits: {sample_size: 0}
`
	_, err := Parse([]byte(y), "")
	got := map[string]int{}
	for _, e := range configErrors(t, err) {
		got[e.Path] = e.Line
	}
	want := map[string]int{
		"kafka.group_id":               2,
		"models[0].name":               4,
		"models[0].window.events":      5,
		"models[0].limits.sample_size": 8,
	}
	if len(got) != len(want) {
		t.Errorf("got errors %v, want %v\n%v", got, want, err)
	}
	for p, l := range want {
		if got[p] != l {
			t.Errorf("%s: line %d, want %d", p, got[p], l)
		}
	}
}

func TestLoadErrorNamesFile(t *testing.T) {
	_, err := Load(filepath.Join("testdata", "empty-brokers.yaml"))
	if err == nil || !strings.Contains(err.Error(), "empty-brokers.yaml: line 2: kafka.brokers:") {
		t.Errorf("Load error %q does not name the file, line and key", err)
	}
	_, err = Load(filepath.Join("testdata", "no-such-file.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want os.ErrNotExist", err)
	}
}

// TestValidateInCode checks that a Config built in code validates, with
// errors that name the key but no line.
func TestValidateInCode(t *testing.T) {
	c := Default()
	c.Models = []ModelConfig{{Name: "m", Window: WindowConfig{Events: 100}}}
	c.Models[0].setDefaults()
	c.Models[0].Reference.Previous = true
	c.Models[0].Features = Features{{Name: "x", Type: 1}}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if got := c.Models[0].IdleTimeout; got != DefaultCountIdleTimeout {
		t.Errorf("idle timeout of a count window: %v, want %v", got, DefaultCountIdleTimeout)
	}
	if c.Model("m") != &c.Models[0] {
		t.Errorf("Model(m) does not find the model")
	}
	c.Kafka.Brokers = nil
	err := c.Validate()
	if err == nil || err.Error() != "kafka.brokers: list at least one host:port" {
		t.Errorf("Validate error %q, want the key without a line", err)
	}
}

// TestAliasBomb checks that aliases expanding to billions of values stop
// with an error instead of running for hours: each level below holds ten
// copies of the one before, so f9 stands for 10^9 merges.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("models:\n  - name: m\n    features:\n      <<:\n        - &f0 {x: numeric}\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "        - &f%d {<<: [", i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*f%d", i-1)
		}
		b.WriteString("]}\n")
	}
	_, err := Parse([]byte(b.String()), "")
	if err == nil || !strings.Contains(err.Error(), "alias expanded over and over") {
		t.Fatalf("got %v, want the alias limit", err)
	}
}

// TestTooManyErrors checks that a cascade of decode errors is cut short.
func TestTooManyErrors(t *testing.T) {
	y := "kafka:\n  brokers: [" + strings.Repeat("[a], ", 2*maxErrors) + "]\n"
	_, err := Parse([]byte(y), "")
	errs := configErrors(t, err)
	if len(errs) != maxErrors+1 || !strings.Contains(errs[maxErrors].Error(), "too many errors") {
		t.Errorf("got %d errors, want %d ending in \"too many errors\"", len(errs), maxErrors+1)
	}
}

// TestWindowDurationBounds checks the ends of the allowed window durations:
// whole seconds from 1s to 366 days.
func TestWindowDurationBounds(t *testing.T) {
	for _, tc := range []struct {
		duration string
		ok       bool
	}{
		{"1s", true}, {"366d", true}, {"1m30s", true},
		{"999ms", false}, {"1001ms", false}, {"366d1s", false},
	} {
		y := "models:\n  - name: m\n    window: {duration: " + tc.duration + "}\n" +
			"    reference: {previous: true}\n    features: {x: numeric}\n"
		_, err := Parse([]byte(y), "")
		if (err == nil) != tc.ok {
			t.Errorf("window duration %s: error %v, want ok = %v", tc.duration, err, tc.ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "line 3: models[0].window.duration: ") {
			t.Errorf("window duration %s: error %q does not name the key and line", tc.duration, err)
		}
	}
}
