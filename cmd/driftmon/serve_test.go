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

// TestServeRejectsBadConfig: a config mistake exits 2 with the key and line.
func TestServeRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	os.WriteFile(path, []byte("kafka:\n  brokers: [\"127.0.0.1:9092\"]\nmodels:\n  - name: m\n    window: {duration: -5m}\n    reference: {previous: true}\n    features: {x: numeric}\n"), 0o600)
	var out, errOut bytes.Buffer
	code := run([]string{"serve", "--config", path}, &out, &errOut)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if msg := errOut.String(); !strings.Contains(msg, "models[0].window.duration") || !strings.Contains(msg, "line 5") {
		t.Errorf("error %q should name models[0].window.duration and line 5", msg)
	}
}
