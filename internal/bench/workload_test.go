package bench

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestExpectedWindows(t *testing.T) {
	// now is on a window boundary, so base = now - span - 2 windows is too.
	now := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		w    Workload
		want map[string]int
	}{
		// 100 events over 5 one-minute windows: a step of 3 s. Model 0 has
		// events 0, 2, ..., 98, its newest at base+294s; model 1 events
		// 1, ..., 99, its newest at base+297s. Windows end at base+60s,
		// +120s, ..., +300s: four ends reached, the fifth window open.
		{"round robin", Workload{Events: 100, Models: 2, Window: time.Minute, Windows: 5}, map[string]int{modelName(0): 4, modelName(1): 4}},
		// 3 events, a step of 100 s, one a model: no model's newest event
		// reaches the end of its own window.
		{"one event a model", Workload{Events: 3, Models: 3, Window: time.Minute, Windows: 5}, map[string]int{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := newStamps(c.w, now).expectedWindows()
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for m, n := range c.want {
				if got[m] != n {
					t.Errorf("%s: %d windows, want %d (all: %v)", m, got[m], n, got)
				}
			}
		})
	}
}

func TestAppendEventAndReference(t *testing.T) {
	w := Workload{Events: 10, Models: 3, Features: 4, RefRows: 2, Window: time.Minute, Windows: 2}
	st := newStamps(w, time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC))
	ev := string(st.appendEvent(nil, 4, rand.New(rand.NewPCG(1, 2))))
	// Event 4 goes to model 4 mod 3 = 1; features n0, n1 numeric, c0, c1
	// categorical.
	for _, part := range []string{`{"model":"bench-0001","id":"e4","timestamp":"2026-11-22T03:56:`, `"n0":`, `"n1":`, `"c0":"`, `"c1":"`, `"prediction":`} {
		if !strings.Contains(ev, part) {
			t.Errorf("event %s lacks %s", ev, part)
		}
	}
	ref := strings.Split(strings.TrimSpace(string(referenceCSV(w, 0))), "\n")
	if len(ref) != 1+w.RefRows || ref[0] != "n0,n1,c0,c1,prediction" {
		t.Fatalf("reference:\n%s", strings.Join(ref, "\n"))
	}
	for i, row := range ref[1:] {
		if n := strings.Count(row, ","); n != w.Features {
			t.Errorf("row %d has %d commas, want %d: %q", i+1, n, w.Features, row)
		}
	}
}
