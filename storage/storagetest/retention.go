package storagetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
)

// testRetention drops whole months: those that end by the cut go from
// every table with a time, the month the cut falls in stays, and so does
// what has no time (checkpoints), across a reopen too.
func testRetention(t *testing.T, open Opener) {
	st := open(t, "a")
	ctx := t.Context()
	months := []time.Time{
		time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC),
	}
	for i, m := range months {
		w := &drift.WindowSummary{Model: "m", Seq: int64(i + 1), Start: m, End: m.Add(time.Hour)}
		r := drift.Result{Model: "m", Family: drift.Covariate, Feature: "x", Method: "ks", WindowStart: m, WindowEnd: m.Add(time.Hour)}
		if err := st.WriteWindow(ctx, w, []drift.Result{r}, 1); err != nil {
			t.Fatal(err)
		}
		if err := st.WritePredictions(ctx, []storage.PredictionRecord{{Model: "m", ID: fmt.Sprint(i), Time: m}}); err != nil {
			t.Fatal(err)
		}
		l := storage.LabelledRecord{Model: "m", WindowSeq: 1, ID: fmt.Sprint(i), PredTime: m, LabelTime: m, Version: 1}
		if err := st.WriteLabelled(ctx, []storage.LabelledRecord{l}); err != nil {
			t.Fatal(err)
		}
	}
	// A checkpoint has no time: retention never drops it.
	cp := drift.Checkpoint{Group: "g", Topic: "predictions", Partition: 0, Offset: 7, Version: 1}
	if err := st.SaveCheckpoint(ctx, cp); err != nil {
		t.Fatal(err)
	}
	left := func(st storage.Store) (seqs []int64, results, preds int) {
		t.Helper()
		ws, err := st.Windows(ctx, "m", time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ws {
			seqs = append(seqs, w.Seq)
		}
		rs, err := st.Results(ctx, storage.ResultQuery{})
		if err != nil {
			t.Fatal(err)
		}
		ps, err := st.Predictions(ctx, "m")
		if err != nil {
			t.Fatal(err)
		}
		ls, err := st.Labelled(ctx, "m", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(ls) != len(ps) {
			t.Errorf("%d labelled rows left beside %d predictions: the same months should have gone", len(ls), len(ps))
		}
		if got, ok, err := st.LoadCheckpoint(ctx, "g", "predictions", 0); err != nil || !ok || got.Offset != cp.Offset {
			t.Errorf("checkpoint after retention: %+v, %v, %v; want offset %d", got, ok, err, cp.Offset)
		}
		return seqs, len(rs), len(ps)
	}
	steps := []struct {
		before time.Time
		seqs   []int64
	}{
		// January and February end by March 1st; March does not.
		{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), []int64{3}},
		// Mid-March: March has not ended, nothing more goes.
		{time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), []int64{3}},
		{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), nil},
	}
	for i, s := range steps {
		if err := st.DropPartitionsBefore(ctx, s.before); err != nil {
			t.Fatalf("DropPartitionsBefore(%s): %v", s.before, err)
		}
		seqs, nr, np := left(st)
		if !slices.Equal(seqs, s.seqs) || nr != len(s.seqs) || np != len(s.seqs) {
			t.Errorf("before %s: windows %v, %d results, %d predictions; want windows %v and %d of each",
				s.before.Format(time.DateOnly), seqs, nr, np, s.seqs, len(s.seqs))
		}
		if i == 0 {
			// What was dropped stays dropped once the store is reopened.
			closeStore(t, st)
			st = open(t, "a")
			if seqs, nr, np := left(st); !slices.Equal(seqs, s.seqs) || nr != len(s.seqs) || np != len(s.seqs) {
				t.Errorf("reopened after the cut at %s: windows %v, %d results, %d predictions; want windows %v and %d of each",
					s.before.Format(time.DateOnly), seqs, nr, np, s.seqs, len(s.seqs))
			}
		}
	}
}
