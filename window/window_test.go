package window

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
)

var t0 = time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)

func spec(dur time.Duration, events uint64, lateness time.Duration) Spec {
	return Spec{
		Model: "m", Duration: dur, Events: events, AllowedLateness: lateness, IdleTimeout: time.Minute,
		Features: []Feature{
			{Name: "x", Kind: drift.Numeric, Edges: []float64{0, 10}},
			{Name: "c", Kind: drift.Categorical},
		},
		Prediction: drift.Numeric, PredictionEdges: []float64{0.5},
		Limits: drift.DefaultLimits(),
	}
}

func pred(at time.Duration, x float64, c string) *drift.Prediction {
	return &drift.Prediction{Model: "m", Time: t0.Add(at),
		Features: []drift.Feature{{Name: "x", Value: drift.NumberValue(x)}, {Name: "c", Value: drift.StringValue(c)}},
		Output:   drift.NumberValue(0.7)}
}

// seqs lists the closed windows' seq and event counts.
func seqs(ws []*drift.WindowSummary) []string {
	var out []string
	for _, w := range ws {
		out = append(out, fmt.Sprintf("%d:%d", w.Seq-floorDiv(t0.UnixNano(), int64(time.Minute)), w.Events))
	}
	return out
}

func TestTimeWindows(t *testing.T) {
	type ev struct {
		at     time.Duration
		closes []string // relative seq:events of the windows this event closes
		late   bool
	}
	tests := []struct {
		name     string
		lateness time.Duration
		events   []ev
	}{
		{"watermark closes the previous window", 0, []ev{
			{at: 0}, {at: 30 * time.Second}, {at: 59 * time.Second},
			{at: 60 * time.Second, closes: []string{"0:3"}},
			{at: 150 * time.Second, closes: []string{"1:1"}},
		}},
		{"lateness keeps a window open for out-of-order events", 30 * time.Second, []ev{
			{at: 10 * time.Second}, {at: 70 * time.Second},
			{at: 50 * time.Second}, // out of order, within lateness: counts in window 0
			{at: 95 * time.Second, closes: []string{"0:2"}},
			{at: 20 * time.Second, late: true}, // window 0 closed: late
			{at: 130 * time.Second},
			{at: 155 * time.Second, closes: []string{"1:2"}},
		}},
		{"a jump closes every window before it", 0, []ev{
			{at: 0}, {at: 61 * time.Second, closes: []string{"0:1"}}, {at: 59 * time.Second, late: true},
			{at: 10 * time.Minute, closes: []string{"1:1"}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := New([]Spec{spec(time.Minute, 0, tc.lateness)})
			for i, e := range tc.events {
				closed, late, err := w.Add(pred(e.at, 1, "a"), t0)
				if err != nil {
					t.Fatal(err)
				}
				if late != e.late {
					t.Errorf("event %d: late = %v, want %v", i, late, e.late)
				}
				if got := seqs(closed); !reflect.DeepEqual(got, e.closes) {
					t.Errorf("event %d at %s: closed %v, want %v", i, e.at, got, e.closes)
				}
			}
		})
	}
}

func TestLateEventsAreCountedInTheNextWindow(t *testing.T) {
	w := New([]Spec{spec(time.Minute, 0, 0)})
	w.Add(pred(0, 1, "a"), t0)
	w.Add(pred(61*time.Second, 1, "a"), t0)
	if _, late, _ := w.Add(pred(5*time.Second, 1, "a"), t0); !late {
		t.Fatal("want late")
	}
	closed, _, _ := w.Add(pred(3*time.Minute, 1, "a"), t0)
	if len(closed) != 1 || closed[0].Late != 1 || closed[0].Events != 1 {
		t.Fatalf("closed %+v, want window 1 with 1 event and 1 late", closed)
	}
}

func TestCountWindows(t *testing.T) {
	w := New([]Spec{spec(0, 3, 0)})
	var closed []*drift.WindowSummary
	for i := 0; i < 7; i++ {
		c, _, err := w.Add(pred(time.Duration(i)*time.Second, float64(i), "a"), t0)
		if err != nil {
			t.Fatal(err)
		}
		closed = append(closed, c...)
	}
	if len(closed) != 2 {
		t.Fatalf("closed %d windows, want 2", len(closed))
	}
	for i, c := range closed {
		if c.Seq != int64(i) || c.Events != 3 {
			t.Errorf("window %d: seq %d events %d, want seq %d, 3 events", i, c.Seq, c.Events, i)
		}
		if want := t0.Add(time.Duration(3*i) * time.Second); !c.Start.Equal(want) {
			t.Errorf("window %d starts %s, want %s", i, c.Start, want)
		}
	}
	// The seventh event waits in window 2 until the model goes idle.
	if got := w.Tick(t0.Add(30 * time.Second)); len(got) != 0 {
		t.Fatalf("closed %d windows before the idle timeout", len(got))
	}
	idle := w.Tick(t0.Add(time.Minute))
	if len(idle) != 1 || idle[0].Seq != 2 || idle[0].Events != 1 {
		t.Fatalf("idle close: %v", seqs(idle))
	}
}

func TestFeatureCounting(t *testing.T) {
	w := New([]Spec{spec(time.Minute, 0, 0)})
	events := []*drift.Prediction{
		pred(0, -5, "a"), // bin 0
		pred(1, 5, "b"),  // bin 1
		pred(2, 10, "a"), // bin 2: edges are left-closed
		{Model: "m", Time: t0, Features: []drift.Feature{ // x missing, c wrong type
			{Name: "c", Value: drift.Value{Kind: drift.Invalid}}, {Name: "extra", Value: drift.NumberValue(1)}}},
		{Model: "m", Time: t0, Features: []drift.Feature{ // x a string: invalid; c a number
			{Name: "x", Value: drift.StringValue("7")}, {Name: "c", Value: drift.NumberValue(3)}}},
	}
	for _, p := range events {
		if _, _, err := w.Add(p, t0); err != nil {
			t.Fatal(err)
		}
	}
	closed := w.Tick(t0.Add(2 * time.Minute))
	if len(closed) != 1 {
		t.Fatalf("closed %d windows", len(closed))
	}
	x, c := closed[0].Feature("x"), closed[0].Feature("c")
	if x.Count != 3 || x.Missing != 1 || x.Invalid != 1 {
		t.Errorf("x: count %d missing %d invalid %d, want 3 1 1", x.Count, x.Missing, x.Invalid)
	}
	if !reflect.DeepEqual(x.BinCounts, []uint64{1, 1, 1}) {
		t.Errorf("x bins %v, want [1 1 1]", x.BinCounts)
	}
	if x.Min != -5 || x.Max != 10 || x.Sum != 10 {
		t.Errorf("x min %v max %v sum %v", x.Min, x.Max, x.Sum)
	}
	wantCats := map[string]uint64{"a": 2, "b": 1, "3": 1}
	if !reflect.DeepEqual(c.Categories, wantCats) || c.Invalid != 1 || c.Missing != 0 {
		t.Errorf("c: %v invalid %d missing %d", c.Categories, c.Invalid, c.Missing)
	}
	if p := closed[0].Prediction; p.Count != 3 || p.Missing != 2 {
		t.Errorf("prediction count %d missing %d, want 3 and 2", p.Count, p.Missing)
	}
}

func TestUnknownModel(t *testing.T) {
	w := New([]Spec{spec(time.Minute, 0, 0)})
	_, _, err := w.Add(&drift.Prediction{Model: "other", Time: t0}, t0)
	if !errors.Is(err, ErrUnknownModel) {
		t.Fatalf("err = %v, want ErrUnknownModel", err)
	}
}

// TestSnapshotRestore cuts a stream at every few events, snapshots, restores
// into a fresh Windower and carries on: the closed windows must equal those
// of an uninterrupted run, count for count.
func TestSnapshotRestore(t *testing.T) {
	for _, sp := range []Spec{spec(time.Minute, 0, 20*time.Second), spec(0, 50, 0)} {
		sp.MaxIDs = 1000
		r := rand.New(rand.NewPCG(1, 2))
		var events []*drift.Prediction
		for i := 0; i < 1000; i++ {
			at := time.Duration(i)*time.Second - time.Duration(r.IntN(30))*time.Second
			p := pred(at, r.NormFloat64()*5, string(rune('a'+r.IntN(5))))
			// Ids repeat (duplicates across cuts must still count), and
			// some events carry a field the spec does not declare.
			p.ID = fmt.Sprintf("req-%d", r.IntN(400))
			if r.IntN(10) == 0 {
				p.Features = append(p.Features, drift.Feature{Name: fmt.Sprintf("extra_%d", r.IntN(3)), Value: drift.NumberValue(1)})
			}
			events = append(events, p)
		}
		run := func(cutEvery int) []*drift.WindowSummary {
			w := New([]Spec{sp})
			var out []*drift.WindowSummary
			for i, p := range events {
				if cutEvery > 0 && i%cutEvery == 0 {
					b, err := w.Snapshot()
					if err != nil {
						t.Fatal(err)
					}
					w = New([]Spec{sp})
					if err := w.Restore(b, t0); err != nil {
						t.Fatal(err)
					}
				}
				c, _, err := w.Add(p, t0)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, c...)
			}
			return append(out, w.Tick(t0.Add(time.Hour))...)
		}
		want, got := run(0), run(37)
		if len(got) != len(want) {
			t.Fatalf("%d windows after restores, want %d", len(got), len(want))
		}
		var dups uint64
		var undeclared int
		defer func() {
			if dups == 0 || undeclared == 0 {
				t.Errorf("%d duplicates, %d undeclared names: the stream should have both", dups, undeclared)
			}
		}()
		for i := range want {
			a, b := want[i], got[i]
			if a.Seq != b.Seq || a.Events != b.Events || a.Late != b.Late || !a.Start.Equal(b.Start) {
				t.Errorf("window %d: %d/%d/%d vs %d/%d/%d", i, a.Seq, a.Events, a.Late, b.Seq, b.Events, b.Late)
			}
			if a.DuplicateIDs != b.DuplicateIDs || !reflect.DeepEqual(a.Undeclared, b.Undeclared) {
				t.Errorf("window %d: duplicates %d, undeclared %v; after restores %d, %v", i,
					a.DuplicateIDs, a.Undeclared, b.DuplicateIDs, b.Undeclared)
			}
			dups, undeclared = dups+a.DuplicateIDs, undeclared+len(a.Undeclared)
			for j, fa := range a.Features {
				fb := b.Features[j]
				if fa.Count != fb.Count || fa.Missing != fb.Missing || !reflect.DeepEqual(fa.BinCounts, fb.BinCounts) ||
					!reflect.DeepEqual(fa.Categories, fb.Categories) {
					t.Errorf("window %d feature %s differs after restore", i, fa.Name)
				}
				if fa.Kind == drift.Numeric && (fa.Sketch.Count() != fb.Sketch.Count() || fa.Sample.Seen() != fb.Sample.Seen() ||
					!reflect.DeepEqual(fa.Sample.Values(), fb.Sample.Values())) {
					t.Errorf("window %d feature %s: sketch or sample differs after restore", i, fa.Name)
				}
			}
		}
	}
}

// TestIdleCloseThenLateEvents: a window closed for idleness is reopened by
// an event that still belongs to it, and closes again holding both parts;
// once the watermark passes its end, its events are late.
func TestIdleCloseThenLateEvents(t *testing.T) {
	sp := spec(time.Hour, 0, 0)
	sp.IdleTimeout = time.Minute
	w := New([]Spec{sp})
	wall := t0
	for i := 0; i < 3; i++ {
		w.Add(pred(time.Duration(i)*time.Minute, 1, "a"), wall)
	}
	first := w.Tick(wall.Add(2 * time.Minute))
	if len(first) != 1 || first[0].Events != 3 {
		t.Fatalf("idle close: %v", seqs(first))
	}
	// The producer resumes within the same hour: the window reopens.
	if _, late, _ := w.Add(pred(10*time.Minute, 1, "b"), wall.Add(3*time.Minute)); late {
		t.Fatal("an event of an idle-closed window counted late")
	}
	// Snapshot and restore keep it reopened.
	b, _ := w.Snapshot()
	w = New([]Spec{sp})
	if err := w.Restore(b, wall.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	closed, _, _ := w.Add(pred(61*time.Minute, 1, "a"), wall.Add(4*time.Minute))
	if len(closed) != 1 || closed[0].Events != 4 || closed[0].Feature("c").Categories["b"] != 1 {
		t.Fatalf("second close: %v, want the reopened window with all 4 events", seqs(closed))
	}
	if _, late, _ := w.Add(pred(20*time.Minute, 1, "a"), wall.Add(5*time.Minute)); !late {
		t.Error("an event behind the watermark must be late")
	}
}

func TestFutureEventsAreRefused(t *testing.T) {
	sp := spec(time.Minute, 0, 0)
	sp.MaxFutureSkew = time.Hour
	w := New([]Spec{sp})
	wall := t0
	if _, _, err := w.Add(pred(0, 1, "a"), wall); err != nil {
		t.Fatal(err)
	}
	_, _, err := w.Add(pred(2*time.Hour, 1, "a"), wall)
	if !errors.Is(err, ErrFutureEvent) {
		t.Fatalf("two hours ahead: err %v, want ErrFutureEvent", err)
	}
	if _, _, err := w.Add(pred(59*time.Minute, 1, "a"), wall.Add(-30*time.Second)); err != nil {
		t.Errorf("59 minutes ahead of a clock 30 s behind: %v", err)
	}
	// The refused event moved nothing: window 0 took events until the
	// 59-minute one, which closed it; a later event of it is late, not lost
	// to a watermark two hours ahead.
	if _, late, _ := w.Add(pred(58*time.Minute, 1, "a"), wall); late {
		t.Error("an event before the watermark of trusted events counted late")
	}
}

// TestCountWindowStartsAreDistinct: results are keyed by window start in
// seconds, so count windows filling faster than one a second must still
// start in distinct seconds.
func TestCountWindowStartsAreDistinct(t *testing.T) {
	w := New([]Spec{spec(0, 2, 0)})
	var closed []*drift.WindowSummary
	for i := 0; i < 8; i++ {
		c, _, _ := w.Add(pred(time.Duration(i)*100*time.Millisecond, 1, "a"), t0)
		closed = append(closed, c...)
	}
	if len(closed) != 4 {
		t.Fatalf("%d windows, want 4", len(closed))
	}
	for i, c := range closed {
		if want := t0.Add(time.Duration(i) * time.Second); !c.Start.Equal(want) || c.End.Before(c.Start) {
			t.Errorf("window %d: start %s end %s, want start %s", i, c.Start, c.End, want)
		}
	}
}

func TestLateEventsBeforeAnyOpenWindow(t *testing.T) {
	w := New([]Spec{spec(time.Minute, 0, 0)})
	w.Add(pred(0, 1, "a"), t0)
	w.Add(pred(61*time.Second, 1, "a"), t0) // closes window 0
	w.Add(pred(3*time.Minute, 1, "a"), t0)  // closes window 1, opens 3
	w.Add(pred(5*time.Minute, 1, "a"), t0)  // closes 3, opens 5
	w.Tick(t0.Add(time.Hour))               // closes 5: nothing open
	for i := 0; i < 3; i++ {
		if _, late, _ := w.Add(pred(10*time.Second, 1, "a"), t0.Add(time.Hour)); !late {
			t.Fatal("want late")
		}
	}
	closed, _, _ := w.Add(pred(7*time.Minute, 1, "a"), t0.Add(time.Hour))
	closed = append(closed, w.Tick(t0.Add(2*time.Hour))...)
	var late uint64
	for _, c := range closed {
		late += c.Late
	}
	if late != 3 {
		t.Errorf("late events counted %d, want 3", late)
	}
}

// TestQualityCounters: duplicate ids and undeclared fields, counted by hand.
func TestQualityCounters(t *testing.T) {
	ev := func(id string, extra ...string) *drift.Prediction {
		p := pred(0, 1, "a")
		p.ID = id
		for _, e := range extra {
			p.Features = append(p.Features, drift.Feature{Name: e, Value: drift.NumberValue(2)})
		}
		return p
	}
	tests := []struct {
		name       string
		maxIDs     int
		events     []*drift.Prediction
		dups       uint64
		undeclared map[string]uint64
	}{
		// a b a c b: the second a and the second b.
		{"duplicates", 10, []*drift.Prediction{ev("a"), ev("b"), ev("a"), ev("c"), ev("b")}, 2, nil},
		// Only a and b fit the bound: c is never remembered, so its
		// repeat goes uncounted, while a's still counts.
		{"bounded", 2, []*drift.Prediction{ev("a"), ev("b"), ev("c"), ev("c"), ev("a")}, 1, nil},
		{"off", 0, []*drift.Prediction{ev("a"), ev("a")}, 0, nil},
		// Events without an id are not duplicates of one another.
		{"no ids", 10, []*drift.Prediction{ev(""), ev("")}, 0, nil},
		{"undeclared", 10, []*drift.Prediction{ev("1", "u"), ev("2", "u", "v"), ev("3")}, 0, map[string]uint64{"u": 2, "v": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sp := spec(time.Minute, 0, 0)
			sp.MaxIDs = tc.maxIDs
			w := New([]Spec{sp})
			for _, p := range tc.events {
				if _, _, err := w.Add(p, t0); err != nil {
					t.Fatal(err)
				}
			}
			got := w.Tick(t0.Add(time.Hour))
			if len(got) != 1 {
				t.Fatalf("%d windows, want 1", len(got))
			}
			if got[0].DuplicateIDs != tc.dups || !reflect.DeepEqual(got[0].Undeclared, tc.undeclared) {
				t.Errorf("duplicates %d, undeclared %v; want %d, %v", got[0].DuplicateIDs, got[0].Undeclared, tc.dups, tc.undeclared)
			}
		})
	}
	// Beyond drift.MaxUndeclared names, the rest go under __other__.
	w := New([]Spec{spec(time.Minute, 0, 0)})
	for i := range drift.MaxUndeclared + 3 {
		if _, _, err := w.Add(ev("", fmt.Sprintf("f%d", i)), t0); err != nil {
			t.Fatal(err)
		}
	}
	got := w.Tick(t0.Add(time.Hour))[0].Undeclared
	if len(got) != drift.MaxUndeclared+1 || got[drift.OtherCategory] != 3 {
		t.Errorf("%d names, %d under %s; want %d and 3", len(got), got[drift.OtherCategory], drift.OtherCategory, drift.MaxUndeclared+1)
	}
}
