package ingest

import (
	"testing"
	"time"
)

// TestStallGuard checks when time-driven work is held back: after a gap
// between ticks longer than half a session (the process may have been
// frozen past its session, and another instance may own the partition),
// for a heartbeat, its request timeout and a tick; never on a loop that
// ticks on time.
func TestStallGuard(t *testing.T) {
	c := &Consumer{cfg: ConsumerConfig{SessionTimeout: 10 * time.Second, HeartbeatInterval: time.Second, TickInterval: time.Second}}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := c.stallGuard(t0)
	if g.limit != 5*time.Second || g.hold != 7*time.Second {
		t.Fatalf("limit %s hold %s, want 5s and 7s", g.limit, g.hold)
	}
	steps := []struct {
		at      time.Duration // since t0
		stalled time.Duration
		holding bool
	}{
		{1 * time.Second, 0, false},
		{2 * time.Second, 0, false},
		{7 * time.Second, 0, false}, // 5 s since the last tick: not over half a session
		{19 * time.Second, 12 * time.Second, true},
		{20 * time.Second, 0, true},
		{25 * time.Second, 0, true},
		{26 * time.Second, 0, false}, // 19 + 7
		{27 * time.Second, 0, false},
	}
	for _, s := range steps {
		now := t0.Add(s.at)
		if got := g.observe(now); got != s.stalled {
			t.Errorf("at %s: stalled %s, want %s", s.at, got, s.stalled)
		}
		if got := g.holding(now); got != s.holding {
			t.Errorf("at %s: holding %v, want %v", s.at, got, s.holding)
		}
	}

	// kafka-go's defaults when the timings are zero: 30 s sessions, 3 s
	// heartbeats.
	c.cfg.SessionTimeout, c.cfg.HeartbeatInterval = 0, 0
	if g := c.stallGuard(t0); g.limit != 15*time.Second || g.hold != 9*time.Second {
		t.Errorf("with kafka-go's defaults: limit %s hold %s, want 15s and 9s", g.limit, g.hold)
	}
}
