package join

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage/embedded"
)

var t0 = time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)

func pred(i int) Prediction {
	return Prediction{ModelVersion: "v1", Time: t0.Add(time.Duration(i) * time.Second), WindowSeq: int64(i / 10),
		Output: fmt.Sprint(i % 2), Score: float64(i%10) / 10}
}

func label(id string, at time.Duration, value string) Label {
	return Label{Model: "m", ID: id, Time: t0.Add(at), Label: value}
}

// TestJoin feeds one batch of labels per case against predictions in memory
// and checks what became of each: joined (with the prediction's window and
// output), late, duplicate, waiting, unmatched.
func TestJoin(t *testing.T) {
	tests := []struct {
		name   string
		labels []Label
		// later are offered in a second Join, after wait has passed when
		// expire is set.
		later  []Label
		expire bool
		want   Counts
		// joined lists the ids joined, in order.
		joined  []string
		waiting int
	}{
		{name: "in any order", labels: []Label{label("p3", time.Hour, "1"), label("p1", time.Hour, "0"), label("p2", time.Hour, "1")},
			want: Counts{Joined: 3}, joined: []string{"p3", "p1", "p2"}},
		{name: "at the delay joins, past it is late", labels: []Label{
			label("p1", time.Second+24*time.Hour, "1"), label("p2", 2*time.Second+24*time.Hour+time.Millisecond, "1")},
			want: Counts{Joined: 1, Late: 1}, joined: []string{"p1"}},
		{name: "a late prediction's label is late", labels: []Label{label("p-late", time.Hour, "1")},
			want: Counts{Late: 1}},
		{name: "a second label is a duplicate", labels: []Label{label("p1", time.Hour, "1"), label("p1", 2*time.Hour, "0")},
			want: Counts{Joined: 1, Duplicate: 1}, joined: []string{"p1", "p1"}},
		{name: "before its prediction it waits", labels: []Label{label("nope", time.Hour, "1")},
			want: Counts{}, waiting: 1},
		{name: "waiting, then joined when the prediction comes", labels: []Label{label("p100", time.Hour, "1")},
			later: []Label{}, want: Counts{Joined: 1}, joined: []string{"p100"}},
		{name: "waiting past the wait is unmatched", labels: []Label{label("nope", time.Hour, "1")},
			later: []Label{}, expire: true, want: Counts{Unmatched: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRecent(100)
			for i := 0; i < 10; i++ {
				r.Put("m", fmt.Sprintf("p%d", i), pred(i))
			}
			late := pred(3)
			late.WindowSeq = -1 // counted in no window
			r.Put("m", "p-late", late)
			j := New(Config{Recent: r, Models: map[string]Model{"m": {LabelDelay: 24 * time.Hour}}, Wait: time.Minute})
			now := time.Now()
			b, err := j.Join(context.Background(), tc.labels, now)
			if err != nil {
				t.Fatal(err)
			}
			if tc.later != nil {
				r.Put("m", "p100", pred(100))
				if tc.expire {
					now = now.Add(time.Minute)
				}
				if b, err = j.Join(context.Background(), tc.later, now); err != nil {
					t.Fatal(err)
				}
			}
			got := Counts{}
			if c := b.Counts["m"]; c != nil {
				got = *c
			}
			if got != tc.want {
				t.Errorf("counts %+v, want %+v", got, tc.want)
			}
			var ids []string
			for _, jr := range b.Joined {
				ids = append(ids, jr.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.joined) {
				t.Errorf("joined %v, want %v", ids, tc.joined)
			}
			if b.Waiting != tc.waiting || j.Waiting() != tc.waiting {
				t.Errorf("waiting %d (joiner %d), want %d", b.Waiting, j.Waiting(), tc.waiting)
			}
		})
	}
}

// TestJoinedRow checks that a joined row carries the prediction's side and
// the label's, and that a later label of one prediction has a newer
// version (so it replaces the first in storage) while a replayed one has
// the same.
func TestJoinedRow(t *testing.T) {
	r := NewRecent(10)
	p := pred(7)
	p.Probs = `{"0":0.3,"1":0.7}`
	r.Put("m", "p7", p)
	j := New(Config{Recent: r})
	b, err := j.Join(context.Background(), []Label{label("p7", time.Hour, "1"), label("p7", 2*time.Hour, "0")}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Joined) != 2 {
		t.Fatalf("%d rows, want 2", len(b.Joined))
	}
	got := b.Joined[0]
	want := drift.LabelledRecord{Model: "m", ModelVersion: "v1", WindowSeq: 0, ID: "p7", PredTime: p.Time,
		LabelTime: t0.Add(time.Hour), Output: "1", Score: 0.7, Probs: `{"0":0.3,"1":0.7}`, Label: "1", Version: uint64(t0.Add(time.Hour).UnixMilli()) + 1}
	if got.LabelledRecord != want || got.Duplicate {
		t.Errorf("row %+v (duplicate %v), want %+v", got.LabelledRecord, got.Duplicate, want)
	}
	if !b.Joined[1].Duplicate || b.Joined[1].Version <= got.Version {
		t.Errorf("second label: duplicate %v, version %d after %d", b.Joined[1].Duplicate, b.Joined[1].Version, got.Version)
	}
}

// TestRecentBound checks that Recent holds at most its bound, the oldest
// leaving first, and that putting an id again does not take a second slot.
func TestRecentBound(t *testing.T) {
	r := NewRecent(3)
	for i := 0; i < 5; i++ {
		r.Put("m", fmt.Sprintf("p%d", i), pred(i))
	}
	r.Put("m", "p4", pred(40))
	if r.Len() != 3 {
		t.Fatalf("%d held, want 3", r.Len())
	}
	for i, want := range []bool{false, false, true, true, true} {
		if _, ok := r.Get("m", fmt.Sprintf("p%d", i)); ok != want {
			t.Errorf("p%d held %v, want %v", i, ok, want)
		}
	}
	if p, _ := r.Get("m", "p4"); p.WindowSeq != 4 {
		t.Errorf("p4 replaced: seq %d, want 4", p.WindowSeq)
	}
	if _, ok := r.Get("other", "p4"); ok {
		t.Error("another model's id found")
	}
}

// TestJoinFromStorage joins labels whose predictions left the memory long
// ago: they are read back from the raw prediction log of a real (embedded)
// store, in batches, with their window seq and score.
func TestJoinFromStorage(t *testing.T) {
	st, err := embedded.Open(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const n = 2500
	var recs []drift.PredictionRecord
	for i := 0; i < n; i++ {
		p := pred(i)
		recs = append(recs, drift.PredictionRecord{Model: "m", ModelVersion: p.ModelVersion, ID: fmt.Sprintf("p%d", i),
			Time: p.Time, Output: fmt.Sprint(p.Score), WindowSeq: p.WindowSeq, Body: []byte("{}"),
			Source: drift.Source{Topic: "predictions", Offset: int64(i)}})
	}
	if err := st.WritePredictions(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	r := NewRecent(10) // holds none of them
	recover := func(rec drift.PredictionRecord) (float64, string) {
		var x float64
		fmt.Sscan(rec.Output, &x)
		return x, ""
	}
	j := New(Config{Recent: r, Store: st, BatchIDs: 700, Models: map[string]Model{"m": {Recover: recover}}})
	var labels []Label
	for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(n) {
		labels = append(labels, label(fmt.Sprintf("p%d", i), time.Hour, "1"))
	}
	b, err := j.Join(context.Background(), labels, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c := b.Counts["m"]; c == nil || c.Joined != n {
		t.Fatalf("counts %+v, want %d joined", c, n)
	}
	for k, jr := range b.Joined {
		var i int
		fmt.Sscanf(jr.ID, "p%d", &i)
		p := pred(i)
		if jr.ID != labels[k].ID || jr.WindowSeq != p.WindowSeq || jr.Score != p.Score || !jr.PredTime.Equal(p.Time) {
			t.Fatalf("row %d: %+v, want id %s seq %d score %v", k, jr.LabelledRecord, labels[k].ID, p.WindowSeq, p.Score)
		}
	}
}

// TestWaitingSurvivesRestore checks that waiting labels travel in the
// snapshot: a label whose offset is committed while it waits still joins
// after a restart.
func TestWaitingSurvivesRestore(t *testing.T) {
	r := NewRecent(10)
	j := New(Config{Recent: r})
	if _, err := j.Join(context.Background(), []Label{label("p1", time.Hour, "1")}, time.Now()); err != nil {
		t.Fatal(err)
	}
	snap, err := j.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	j2 := New(Config{Recent: r})
	if err := j2.Restore(snap); err != nil {
		t.Fatal(err)
	}
	r.Put("m", "p1", pred(1))
	b, err := j2.Join(context.Background(), nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Joined) != 1 || b.Joined[0].Label != "1" {
		t.Errorf("after restore: joined %+v, want p1", b.Joined)
	}
}

// TestMaxWaiting checks the bound on waiting labels: the oldest beyond it
// are counted unmatched at once.
func TestMaxWaiting(t *testing.T) {
	j := New(Config{Recent: NewRecent(1), MaxWaiting: 2})
	b, err := j.Join(context.Background(), []Label{label("a", 0, "1"), label("b", 0, "1"), label("c", 0, "1")}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if b.Waiting != 2 || b.Counts["m"].Unmatched != 1 {
		t.Errorf("waiting %d, unmatched %+v; want 2 and 1", b.Waiting, b.Counts["m"])
	}
}

// TestDuplicateFromStorage: a label for a prediction whose earlier label the
// join no longer remembers (a restart) is a duplicate when storage holds a
// label from another Kafka record, and not when it holds this very record
// (the same label read again after a crash, which the stream detectors
// must see again).
func TestDuplicateFromStorage(t *testing.T) {
	st, err := embedded.Open(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := NewRecent(10)
	r.Put("m", "p1", pred(1))
	r.Put("m", "p2", pred(2))
	first := New(Config{Recent: r, Store: st})
	l1, l2 := label("p1", time.Hour, "1"), label("p2", time.Hour, "1")
	l1.Source, l2.Source = drift.Source{Partition: 0, Offset: 10}, drift.Source{Partition: 0, Offset: 11}
	b, err := first.Join(context.Background(), []Label{l1, l2}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var rows []drift.LabelledRecord
	for _, jr := range b.Joined {
		rows = append(rows, jr.LabelledRecord)
	}
	if err := st.WriteLabelled(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	// A new joiner (a restart): p1's label again from its record, and a
	// second label for p2 from another.
	again := New(Config{Recent: r, Store: st})
	l2b := label("p2", 2*time.Hour, "0")
	l2b.Source = drift.Source{Partition: 0, Offset: 12}
	b, err = again.Join(context.Background(), []Label{l1, l2b}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c := b.Counts["m"]; c == nil || c.Joined != 1 || c.Duplicate != 1 {
		t.Fatalf("counts %+v, want 1 joined (the replay) and 1 duplicate", c)
	}
	if b.Joined[0].Duplicate || !b.Joined[1].Duplicate {
		t.Errorf("duplicate flags %v, %v; want false (replay of p1), true (second label of p2)", b.Joined[0].Duplicate, b.Joined[1].Duplicate)
	}
}

// TestReplayedCorrectionStaysADuplicate: label A (offset 10) is joined and checkpointed; label B (offset 20, a
// correction) is then a duplicate, written, and the process crashes before
// the next checkpoint. The replay reads B again: it must still be a
// duplicate (the stream detectors, restored from the checkpoint, already
// counted the prediction once, through A).
func TestReplayedCorrectionStaysADuplicate(t *testing.T) {
	st, err := embedded.Open(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	r := NewRecent(100)
	r.Put("m", "p1", pred(1))
	newJ := func() *Joiner { return New(Config{Recent: r, Store: st}) }
	j := newJ()
	a := label("p1", time.Hour, "1")
	a.Source = drift.Source{Topic: "labels", Offset: 10}
	b := label("p1", 2*time.Hour, "0")
	b.Source = drift.Source{Topic: "labels", Offset: 20}
	write := func(bt Batch) {
		var rows []drift.LabelledRecord
		for _, x := range bt.Joined {
			rows = append(rows, x.LabelledRecord)
		}
		if err := st.WriteLabelled(ctx, rows); err != nil {
			t.Fatal(err)
		}
	}
	bt, err := j.Join(ctx, []Label{a}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	write(bt)
	snap, _ := j.Snapshot() // checkpoint at offset 11
	bt, err = j.Join(ctx, []Label{b}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !bt.Joined[0].Duplicate {
		t.Fatal("B not a duplicate before the crash")
	}
	write(bt)
	// crash; restart from the checkpoint, replay from offset 11
	j2 := newJ()
	if err := j2.Restore(snap); err != nil {
		t.Fatal(err)
	}
	bt, err = j2.Join(ctx, []Label{b}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !bt.Joined[0].Duplicate {
		t.Errorf("replayed B counted as a new label (%+v): the stream detectors see the prediction twice", bt.Counts["m"])
	}
}
