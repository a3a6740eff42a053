package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/internal/testenv"
)

// TestLogFormat: --log-format switches the logs between slog's text and
// JSON handlers, given before the command or after it. replay against a
// port nothing listens on logs a warning per failed write, then gives up
// (--give-up is small; how many warnings come first does not matter).
func TestLogFormat(t *testing.T) {
	addr := testenv.FreeAddr(t)
	replay := []string{"replay", "--brokers", addr, "--give-up", "300ms"}
	tests := []struct {
		name string
		args []string
		json bool
	}{
		{"default", replay, false},
		{"text", append([]string{"--log-format", "text"}, replay...), false},
		{"json before the command", append([]string{"--log-format", "json"}, replay...), true},
		{"json after the command", append(append([]string{}, replay...), "--log-format", "json"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != ExitFailure {
				t.Fatalf("exit %d, want %d: %s", code, ExitFailure, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			// The last line is the error the command reports, not a log.
			logs, last := lines[:len(lines)-1], lines[len(lines)-1]
			if !strings.HasPrefix(last, "driftmon replay: brokers "+addr) {
				t.Errorf("last line %q, want the error naming the broker", last)
			}
			if len(logs) == 0 {
				t.Fatalf("no log line before the error:\n%s", stderr)
			}
			for _, l := range logs {
				var rec map[string]any
				isJSON := json.Unmarshal([]byte(l), &rec) == nil
				if isJSON != tc.json {
					t.Errorf("line %q: JSON %t, want %t", l, isJSON, tc.json)
				}
				if tc.json && (rec["level"] != "WARN" || rec["brokers"] != addr) {
					t.Errorf("JSON log %q lacks level WARN or brokers %s", l, addr)
				}
				if !tc.json && !strings.HasPrefix(l, "time=") {
					t.Errorf("text log %q does not start with time=", l)
				}
			}
		})
	}
	code, _, stderr := runCLI(t, "--log-format", "xml", "version")
	if code != ExitUsage || !strings.Contains(stderr, `invalid value "xml" for flag -log-format: want text or json`) {
		t.Errorf("--log-format xml: exit %d, stderr %q", code, stderr)
	}
}

// TestServeLogsJSON: serve --log-format json logs only JSON objects, from
// its start ("driftmon serving") to its stop. Kafka is a port nothing
// listens on (serve retries it), storage the embedded store.
func TestServeLogsJSON(t *testing.T) {
	dir := t.TempDir()
	cfg := fmt.Sprintf("kafka:\n  brokers: [%q]\nstorage:\n  backend: embedded\n  embedded: {path: %q}\nhttp: {listen: \"127.0.0.1:0\"}\n"+
		"models:\n  - name: m\n    window: {duration: 5m}\n    reference: {previous: true}\n    features: {x: numeric}\n",
		testenv.FreeAddr(t), filepath.Join(dir, "store"))
	path := filepath.Join(dir, "driftmon.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr testenv.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--config", path, "--log-format", "json"}, &stdout, &stderr)
	}()
	testenv.WaitFor(t, time.Minute, "serve to log its start", func() (bool, error) {
		return strings.Contains(stderr.String(), `"msg":"driftmon serving"`), nil
	})
	cancel()
	if code := <-done; code != ExitOK {
		t.Errorf("exit %d after an interrupt, want 0", code)
	}
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] == nil || rec["level"] == nil {
			t.Errorf("not a JSON log record: %q", l)
		}
	}
}
