package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/server"
)

// TestServeSaysWhatIsMissing starts the service with Kafka and ClickHouse
// both unreachable: it must not exit or panic, /healthz must answer, and
// /readyz must name both.
func TestServeSaysWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	closed := testenv.FreeAddr(t) // nothing listens here
	cfgPath := testConfig(t, dir, closed,
		fmt.Sprintf("  backend: clickhouse\n  clickhouse: {addr: [%q], dial_timeout: 200ms}", testenv.FreeAddr(t)), "127.0.0.1:0", time.Minute)
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
	go func() { done <- server.Run(ctx, cfg, server.Options{Listener: ln}) }()
	base := "http://" + ln.Addr().String()
	testenv.WaitFor(t, 10*time.Second, "/healthz", func() (bool, error) {
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
