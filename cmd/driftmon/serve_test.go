package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/config"
)

// TestServeSaysWhatIsMissing starts the service with Kafka and ClickHouse
// both unreachable: it must not exit or panic, /healthz must answer, and
// /readyz must name both.
func TestServeSaysWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	closed := freeAddr(t) // nothing listens here
	cfgPath := testConfig(t, dir, closed,
		fmt.Sprintf("  backend: clickhouse\n  clickhouse: {addr: [%q], dial_timeout: 200ms}", freeAddr(t)), "127.0.0.1:0", time.Minute)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, serveOptions{Listener: ln}) }()
	base := "http://" + ln.Addr().String()
	waitFor(t, 10*time.Second, "/healthz", func() (bool, error) {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == 200, nil
	})
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Ready    bool     `json:"ready"`
		Problems []string `json:"problems"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || body.Ready {
		t.Errorf("/readyz: %d %+v, want 503", resp.StatusCode, body)
	}
	joined := strings.Join(body.Problems, "; ")
	if !strings.Contains(joined, "kafka") || !strings.Contains(joined, "storage") {
		t.Errorf("/readyz problems %q should name kafka and storage", joined)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
}

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
