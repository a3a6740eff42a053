package web

import (
	"testing"
	"time"
)

// TestConnectionVictim: at the cap, the connection idle longest makes
// room first, whatever the new ones' ages; then the oldest new one, once
// it has had freshGrace to send its request, and until then the caller
// is told how long to wait; below the cap, none.
func TestConnectionVictim(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	l := &limitListener{max: 3, now: func() time.Time { return now }}
	conn := func(accepted time.Time) *limitedConn {
		c := &limitedConn{l: l, accepted: accepted}
		c.wait(&l.fresh)
		l.open++
		return c
	}
	a := conn(t0)
	b := conn(t0.Add(50 * time.Millisecond))
	c := conn(t0.Add(60 * time.Millisecond))

	now = t0.Add(60 * time.Millisecond)
	if v, retry := l.victim(); v != nil || retry != freshGrace-60*time.Millisecond {
		t.Fatalf("new connections within their grace: victim %v, retry %s; want none, retry %s", v, retry, freshGrace-60*time.Millisecond)
	}
	// c had its request and waits for the next one: it goes first, the
	// youngest as it is.
	c.wait(&l.idle)
	if v, _ := l.victim(); v != c {
		t.Fatalf("victim %v, want the idle connection", v)
	}
	now = t0.Add(freshGrace)
	if v, _ := l.victim(); v != a {
		t.Fatalf("victim %v, want the oldest new connection once past its grace", v)
	}
	// b is active (a request in progress): nothing left to close.
	b.unwait()
	if v, retry := l.victim(); v != nil || retry != 0 {
		t.Fatalf("every connection busy: victim %v, retry %s; want none", v, retry)
	}
	l.open = 2
	b.wait(&l.idle)
	if v, _ := l.victim(); v != nil {
		t.Fatalf("below the cap: victim %v, want none", v)
	}
}
