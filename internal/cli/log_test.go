package cli

import (
	"encoding/json"
	"strings"
	"testing"

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
