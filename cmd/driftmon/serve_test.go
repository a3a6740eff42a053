package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRejectsBadConfig: a config mistake exits 2 with the key and
// line, before anything starts. The drift policy, TLS files and reference
// files were once checked only after Load (exit 1, no line).
func TestServeRejectsBadConfig(t *testing.T) {
	const head = "kafka:\n  brokers: [\"127.0.0.1:9092\"]\nmodels:\n  - name: m\n"
	tests := []struct {
		name, yaml, key string
		line            int
	}{
		{"negative window", head + "    window: {duration: -5m}\n    reference: {previous: true}\n    features: {x: numeric}\n",
			"models[0].window.duration", 5},
		{"decide without verdict", head + "    window: {duration: 5m}\n    reference: {previous: true}\n    features: {x: numeric}\n" +
			"    drift:\n      numeric: {decide: wasserstein}\n", "models[0].drift.numeric.decide", 9},
		{"p-value threshold above 1", head + "    window: {duration: 5m}\n    reference: {previous: true}\n    features: {x: numeric}\n" +
			"    drift:\n      numeric:\n        thresholds: {ks: 5}\n", "models[0].drift.numeric.thresholds.ks", 10},
		{"missing reference file", head + "    window: {duration: 5m}\n    reference: {file: nope.csv}\n    features: {x: numeric}\n",
			"models[0].reference.file", 6},
		{"missing TLS file", "kafka:\n  tls:\n    enabled: true\n    ca_file: nope.pem\n" +
			"models:\n  - name: m\n    window: {duration: 5m}\n    reference: {previous: true}\n    features: {x: numeric}\n",
			"kafka.tls.ca_file", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			code := run([]string{"serve", "--config", path}, &out, &errOut)
			if code != exitUsage {
				t.Errorf("exit %d, want %d: %s", code, exitUsage, errOut.String())
			}
			want := fmt.Sprintf("line %d: %s: ", tc.line, tc.key)
			if msg := errOut.String(); !strings.Contains(msg, want) {
				t.Errorf("error %q should name %q", msg, want)
			}
		})
	}
}
