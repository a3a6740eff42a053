package demo

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/retry"
)

// TestReplayGivesUp: against an address nothing listens on, Replay logs
// each failed write, waits longer after each, and once writes have failed
// for GiveUp returns an error naming the broker; it does not retry for
// ever. The bounds are small so that the test is quick, and nothing in
// it depends on how quickly the machine runs: the loop ends when enough
// time has passed, however many attempts that took.
func TestReplayGivesUp(t *testing.T) {
	addr := testenv.FreeAddr(t)
	var logs bytes.Buffer
	o := ReplayOptions{Brokers: []string{addr}, Topic: "predictions", Rate: 10, Phase: time.Minute,
		GiveUp: 300 * time.Millisecond, Backoff: &retry.Backoff{Min: 20 * time.Millisecond, Max: 80 * time.Millisecond},
		Log: slog.New(slog.NewTextHandler(&logs, nil))}
	// The deadline only keeps a broken Replay from hanging the test run.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := Replay(ctx, o, &out)
	t.Logf("%v", err)
	if ctx.Err() != nil {
		t.Fatalf("Replay did not give up before the test's deadline (err %v)", err)
	}
	if err == nil {
		t.Fatal("Replay returned nil against a closed port")
	}
	if errors.Is(err, ErrUsage) {
		t.Errorf("a broker that cannot be reached is not a usage error: %v", err)
	}
	for _, want := range []string{"brokers " + addr, "giving up", "connection refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// The first failure is always logged and retried.
	warnings := strings.Count(logs.String(), "replay: write failed; retrying")
	if warnings == 0 {
		t.Errorf("no failed write was logged before giving up:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "brokers="+addr) {
		t.Errorf("the warnings do not name the broker:\n%s", logs.String())
	}
}

// TestReplayOptionErrors: bad flags are usage errors, before any dial.
func TestReplayOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		o    ReplayOptions
		say  string
	}{
		{"no rate", ReplayOptions{Rate: 0, Phase: time.Minute, GiveUp: time.Minute}, "--rate and --phase must be positive"},
		{"no phase", ReplayOptions{Rate: 1, Phase: 0, GiveUp: time.Minute}, "--rate and --phase must be positive"},
		{"no give-up", ReplayOptions{Rate: 1, Phase: time.Minute, GiveUp: 0}, "--give-up must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Brokers = []string{"127.0.0.1:1"}
			err := Replay(context.Background(), tc.o, &bytes.Buffer{})
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.say) {
				t.Errorf("err %v, want a usage error saying %q", err, tc.say)
			}
		})
	}
}
