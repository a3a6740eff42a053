package storagetest

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
)

func lookup(t *testing.T, ls storage.LabelStore, model string, ids []string) []storage.PredictionRecord {
	t.Helper()
	got, err := ls.LookupPredictions(t.Context(), model, ids)
	if err != nil {
		t.Fatalf("LookupPredictions(%q, %d ids): %v", model, len(ids), err)
	}
	// The contract leaves the order open.
	slices.SortFunc(got, func(a, b storage.PredictionRecord) int { return cmp.Compare(a.ID, b.ID) })
	return got
}

func diffPrediction(want, got storage.PredictionRecord) string {
	var d diffs
	if got.Model != want.Model || got.ModelVersion != want.ModelVersion || got.ID != want.ID {
		d.add("key %s/%s/%s, want %s/%s/%s", got.Model, got.ModelVersion, got.ID, want.Model, want.ModelVersion, want.ID)
	}
	if !got.Time.Equal(want.Time) {
		d.add("time %s, want %s", got.Time.Format(time.RFC3339Nano), want.Time.Format(time.RFC3339Nano))
	}
	if got.Output != want.Output {
		d.add("output %q, want %q", got.Output, want.Output)
	}
	if got.WindowSeq != want.WindowSeq {
		d.add("window seq %d, want %d", got.WindowSeq, want.WindowSeq)
	}
	if string(got.Body) != string(want.Body) {
		d.add("body %q, want %q", got.Body, want.Body)
	}
	if got.Source != want.Source {
		d.add("source %+v, want %+v", got.Source, want.Source)
	}
	return d.String()
}

func diffLabelled(want, got storage.LabelledRecord) string {
	var d diffs
	if got.Model != want.Model || got.ModelVersion != want.ModelVersion || got.WindowSeq != want.WindowSeq || got.ID != want.ID {
		d.add("key %s/%s/%d/%s, want %s/%s/%d/%s", got.Model, got.ModelVersion, got.WindowSeq, got.ID,
			want.Model, want.ModelVersion, want.WindowSeq, want.ID)
	}
	if !got.PredTime.Equal(want.PredTime) || !got.LabelTime.Equal(want.LabelTime) {
		d.add("times %s, %s, want %s, %s", got.PredTime.Format(time.RFC3339Nano), got.LabelTime.Format(time.RFC3339Nano),
			want.PredTime.Format(time.RFC3339Nano), want.LabelTime.Format(time.RFC3339Nano))
	}
	if got.Output != want.Output || got.Label != want.Label || got.Probs != want.Probs {
		d.add("output %q probs %q label %q, want %q %q %q", got.Output, got.Probs, got.Label, want.Output, want.Probs, want.Label)
	}
	if !sameFloat(got.Score, want.Score) || math.Signbit(got.Score) != math.Signbit(want.Score) {
		d.add("score %v, want %v", got.Score, want.Score)
	}
	if got.LabelSource.Partition != want.LabelSource.Partition || got.LabelSource.Offset != want.LabelSource.Offset {
		d.add("label source %d/%d, want %d/%d", got.LabelSource.Partition, got.LabelSource.Offset, want.LabelSource.Partition, want.LabelSource.Offset)
	}
	if got.Signals != want.Signals || got.Version != want.Version {
		d.add("signals %b version %d, want %b %d", got.Signals, got.Version, want.Signals, want.Version)
	}
	return d.String()
}

func testLookupPredictions(t *testing.T, open Opener) {
	st := open(t, "a")
	ctx := t.Context()
	src := func(partition int, offset int64) drift.Source {
		return drift.Source{Topic: "predictions", Partition: partition, Offset: offset}
	}
	pred := func(model, id string, at time.Duration, seq int64, s drift.Source) storage.PredictionRecord {
		return storage.PredictionRecord{Model: model, ModelVersion: "7", ID: id, Time: t0.Add(at),
			Output: fmt.Sprintf("%s@%v", id, at), WindowSeq: seq, Body: []byte(`{"id":"` + id + `"}`), Source: s}
	}
	var (
		// a: logged twice; the later event time wins over the higher offset.
		aOld = pred("m", "a", 0, 1, src(0, 10))
		aNew = pred("m", "a", time.Second+125*time.Millisecond, 2, src(0, 5))
		// b: two records at the same time; the higher offset wins.
		bLow  = pred("m", "b", 250*time.Millisecond, 3, src(1, 7))
		bHigh = pred("m", "b", 250*time.Millisecond, 4, src(0, 8))
		c     = pred("m", "c", 375*time.Millisecond, 5, src(0, 11))
		// The same id under another model.
		otherA = pred("other", "a", 2*time.Second, 9, src(2, 1))
	)
	if err := st.WritePredictions(ctx, []storage.PredictionRecord{aNew, bLow, c, otherA}); err != nil {
		t.Fatalf("WritePredictions: %v", err)
	}
	// Written later (a replay of older records) changes nothing.
	if err := st.WritePredictions(ctx, []storage.PredictionRecord{aOld, bHigh}); err != nil {
		t.Fatalf("WritePredictions: %v", err)
	}
	tests := []struct {
		name  string
		model string
		ids   []string
		want  []storage.PredictionRecord
	}{
		{"newest per id", "m", []string{"c", "a", "b"}, []storage.PredictionRecord{aNew, bHigh, c}},
		{"absent and repeated ids", "m", []string{"zz", "a", "a", "", "A"}, []storage.PredictionRecord{aNew}},
		{"other model", "other", []string{"a", "b"}, []storage.PredictionRecord{otherA}},
		{"unknown model", "nope", []string{"a"}, nil},
		{"no ids", "m", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := lookup(t, st, tc.model, tc.ids)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d records %+v, want %d", len(got), got, len(tc.want))
			}
			for i := range tc.want {
				if d := diffPrediction(tc.want[i], got[i]); d != "" {
					t.Errorf("record %d: %s", i, d)
				}
			}
		})
	}
}

// testLookupBatch asks for 3,000 ids at once, long enough (about 300 KB
// of them) that one query holding them all would exceed ClickHouse's
// default max_query_size.
func testLookupBatch(t *testing.T, open Opener) {
	st := open(t, "a")
	const n = 3000
	id := func(i int) string { return fmt.Sprintf("req-%05d-%s", i, strings.Repeat("x", 90)) }
	preds := make([]storage.PredictionRecord, n)
	ids := make([]string, 0, n+10)
	for i := range n {
		preds[i] = storage.PredictionRecord{Model: "bulk", ModelVersion: "1", ID: id(i),
			Time: t0.Add(time.Duration(i) * time.Millisecond), Output: fmt.Sprint(i), WindowSeq: int64(i / 100),
			Source: drift.Source{Topic: "predictions", Offset: int64(i)}}
		ids = append(ids, id(i))
	}
	if err := st.WritePredictions(t.Context(), preds); err != nil {
		t.Fatalf("WritePredictions: %v", err)
	}
	for i := range 10 {
		ids = append(ids, id(n+i)) // never logged
	}
	got := lookup(t, st, "bulk", ids)
	if len(got) != n {
		t.Fatalf("got %d records, want %d", len(got), n)
	}
	for i, p := range got {
		if d := diffPrediction(preds[i], p); d != "" {
			t.Fatalf("record %d: %s", i, d)
		}
	}
}

func testLabelled(t *testing.T, open Opener) {
	st := open(t, "a")
	ctx := t.Context()
	row := func(model string, seq int64, id, label string, version uint64) storage.LabelledRecord {
		return storage.LabelledRecord{Model: model, ModelVersion: "7", WindowSeq: seq, ID: id,
			PredTime: t0.Add(125 * time.Millisecond), LabelTime: t0.Add(48*time.Hour + 250*time.Millisecond),
			Output: "0.87", Score: 0.87, Label: label, Signals: 0b101, Version: version,
			LabelSource: drift.Source{Partition: 3, Offset: int64(version) * 10}}
	}
	write := func(rows ...storage.LabelledRecord) {
		t.Helper()
		if err := st.WriteLabelled(ctx, rows); err != nil {
			t.Fatalf("WriteLabelled: %v", err)
		}
	}
	aFirst := row("m", 7, "a", "0", 100)
	aCorrected := row("m", 7, "a", "1", 200)
	aCorrected.LabelTime, aCorrected.Signals = aCorrected.LabelTime.Add(time.Hour), 0
	aStale := row("m", 7, "a", "0", 150)
	b := row("m", 7, "b", "1", 100)
	b.Score = math.Inf(-1)
	// A prediction without a score; a label time from a broken clock,
	// kept at the earliest storable time.
	cNaN := row("m", 7, "c", "0", 100)
	cNaN.Score, cNaN.Output = math.NaN(), "DE"
	cNaN.Probs = `{"DE":0.625,"FR":0.375}` // a probabilities model's whole output
	cNaN.LabelTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	cWant := cNaN
	cWant.LabelTime = storage.MinTime
	otherWindow := row("m", 8, "a", "1", 100)
	otherModel := row("other", 7, "a", "1", 100)

	write(cNaN, aFirst, b, otherWindow, otherModel)
	write(aCorrected) // a corrected label: newer version, replaces
	write(aStale)     // a replay of an older one: loses
	write(b)          // the same version again: the same row
	write()

	tests := []struct {
		name  string
		model string
		seq   int64
		want  []storage.LabelledRecord
	}{
		{"newest per id, by id", "m", 7, []storage.LabelledRecord{aCorrected, b, cWant}},
		{"other window", "m", 8, []storage.LabelledRecord{otherWindow}},
		{"other model", "other", 7, []storage.LabelledRecord{otherModel}},
		{"empty window", "m", 9, nil},
		{"unknown model", "nope", 7, nil},
	}
	// Sources: the newest row's (a's corrected label, version 200).
	// a's corrected row (version 200) has no signals; c's has 0b101.
	first := func(version uint64, signals uint16) drift.FirstLabel {
		return drift.FirstLabel{Source: drift.Source{Partition: 3, Offset: int64(version) * 10}, Signals: signals}
	}
	idTests := []struct {
		name  string
		model string
		seq   int64
		ids   []string
		want  map[string]drift.FirstLabel
	}{
		{"labelled ones, the newest row's", "m", 7, []string{"c", "zz", "a", "a"},
			map[string]drift.FirstLabel{"a": first(200, 0), "c": first(100, 0b101)}},
		{"another window's id is not this one's", "m", 8, []string{"b", "a"}, map[string]drift.FirstLabel{"a": first(100, 0b101)}},
		{"another model", "other", 7, []string{"b"}, map[string]drift.FirstLabel{}},
		{"none asked", "m", 7, nil, map[string]drift.FirstLabel{}},
	}
	for _, tc := range idTests {
		t.Run("ids: "+tc.name, func(t *testing.T) {
			got, err := st.LabelledIDs(ctx, tc.model, tc.seq, tc.ids)
			if err != nil {
				t.Fatalf("LabelledIDs: %v", err)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.Labelled(ctx, tc.model, tc.seq)
			if err != nil {
				t.Fatalf("Labelled: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d rows %+v, want %d", len(got), got, len(tc.want))
			}
			for i := range tc.want {
				if d := diffLabelled(tc.want[i], got[i]); d != "" {
					t.Errorf("row %d: %s", i, d)
				}
			}
		})
	}
}

func testWindowBounds(t *testing.T, open Opener) {
	st := open(t, "a")
	sub := 125 * time.Millisecond
	win := func(mv string, seq int64, start, end time.Time) *drift.WindowSummary {
		w := smallWindow("m", mv, seq, start, 1)
		w.End = end
		return w
	}
	s1 := t0.Add(sub)
	// seq 1: rewritten with a later end (late events after an idle close);
	// an older write arriving last changes nothing.
	writeWindow(t, st, win("1", 1, s1, s1.Add(time.Minute)), nil, 10)
	writeWindow(t, st, win("1", 1, s1, s1.Add(time.Minute+750*time.Millisecond)), nil, 30)
	writeWindow(t, st, win("1", 1, s1, s1.Add(time.Minute+500*time.Millisecond)), nil, 20)
	// seq 2 under two model versions: the newer write wins, whichever came
	// first.
	s2 := t0.Add(5*time.Minute + sub)
	writeWindow(t, st, win("2", 2, s2, s2.Add(5*time.Minute)), nil, 40)
	writeWindow(t, st, win("1", 2, s2, s2.Add(4*time.Minute)), nil, 35)
	s3 := t0.Add(10 * time.Minute)
	writeWindow(t, st, win("1", 3, s3, s3.Add(5*time.Minute)), nil, 50)
	writeWindow(t, st, win("2", 3, s3, s3.Add(6*time.Minute)), nil, 60)
	// Another model shares the seqs.
	writeWindow(t, st, smallWindow("other", "1", 4, t0, 1), nil, 1)

	want := map[int64]drift.WindowBounds{
		1: {ModelVersion: "1", Start: s1, End: s1.Add(time.Minute + 750*time.Millisecond)},
		2: {ModelVersion: "2", Start: s2, End: s2.Add(5 * time.Minute)},
		3: {ModelVersion: "2", Start: s3, End: s3.Add(6 * time.Minute)},
	}
	tests := []struct {
		name  string
		model string
		seqs  []int64
		want  []int64
	}{
		{"all", "m", []int64{3, 1, 2}, []int64{1, 2, 3}},
		{"absent and repeated", "m", []int64{4, 0, -1, 2, 2, 99}, []int64{2}},
		{"other model", "other", []int64{1, 2, 3}, nil},
		{"no seqs", "m", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.WindowBounds(t.Context(), tc.model, tc.seqs)
			if err != nil {
				t.Fatalf("WindowBounds: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want seqs %v", got, tc.want)
			}
			for _, seq := range tc.want {
				g, ok := got[seq]
				w := want[seq]
				if !ok || g.ModelVersion != w.ModelVersion || !g.Start.Equal(w.Start) || !g.End.Equal(w.End) {
					t.Errorf("seq %d: got %+v (present %v), want %+v", seq, g, ok, w)
				}
			}
		})
	}
}

// detectionKeys names detections with their version and whole-second
// event time, which is what the detections table keeps.
func detectionKeys(ds []storage.Detection) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = fmt.Sprintf("%s/%s/%s/%d/%s@%s v%d", d.Model, d.ModelVersion, d.Detector, d.EventIndex, d.Kind,
			d.EventTime.Format(time.RFC3339Nano), d.Version)
	}
	return out
}

func testDetections(t *testing.T, open Opener) {
	st := open(t, "a")
	ctx := t.Context()
	det := func(model, mv, detector string, index uint64, kind drift.DetectionKind, version uint64) storage.Detection {
		return storage.Detection{Model: model, ModelVersion: mv, Detector: detector, Kind: kind, EventIndex: index,
			EventTime: t0.Add(time.Duration(index)*time.Second + 500*time.Millisecond), Version: version}
	}
	rows := []storage.Detection{
		det("m", "1", "ddm", 5, drift.DetectionWarning, 10),
		det("m", "1", "adwin", 10, drift.DetectionDrift, 10),
		det("m", "1", "ddm", 5, drift.DetectionDrift, 10),
		det("m", "0", "adwin", 50, drift.DetectionDrift, 10),
		det("m", "1", "ddm", 3, drift.DetectionWarning, 10),
		det("other", "1", "ddm", 5, drift.DetectionDrift, 10),
	}
	newer := det("m", "1", "ddm", 5, drift.DetectionDrift, 20)
	newer.EventTime = newer.EventTime.Add(time.Minute)
	older := det("m", "1", "ddm", 5, drift.DetectionDrift, 15)
	older.EventTime = older.EventTime.Add(time.Hour)
	for _, batch := range [][]storage.Detection{rows, rows, {newer}, {older}, nil} {
		if err := st.WriteDetections(ctx, batch); err != nil {
			t.Fatalf("WriteDetections: %v", err)
		}
	}
	// Ordered by model version, detector, event index, kind; event times
	// whole seconds (event_time is DateTime); the same rows written twice
	// stored once; the newer rewrite of ddm/5/drift in, the older out.
	at := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339Nano) }
	tests := []struct {
		model string
		want  []string
	}{
		{"m", []string{
			"m/0/adwin/50/drift@" + at(50*time.Second) + " v10",
			"m/1/adwin/10/drift@" + at(10*time.Second) + " v10",
			"m/1/ddm/3/warning@" + at(3*time.Second) + " v10",
			"m/1/ddm/5/drift@" + at(time.Minute+5*time.Second) + " v20",
			"m/1/ddm/5/warning@" + at(5*time.Second) + " v10",
		}},
		{"other", []string{"other/1/ddm/5/drift@" + at(5*time.Second) + " v10"}},
		{"nope", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.model, func(t *testing.T) {
			ds, err := st.Detections(ctx, tc.model)
			if err != nil {
				t.Fatalf("Detections: %v", err)
			}
			if got := detectionKeys(ds); !slices.Equal(got, tc.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tc.want, "\n\t"))
			}
		})
	}
}

func testLabelPersistence(t *testing.T, open Opener) {
	st := open(t, "a")
	ctx := t.Context()
	pred := storage.PredictionRecord{Model: "fraud", ModelVersion: "7", ID: "req-1", Time: t0.Add(time.Millisecond),
		Output: "0.5", WindowSeq: 42, Body: []byte(`{}`), Source: drift.Source{Topic: "predictions", Offset: 3}}
	lab := storage.LabelledRecord{Model: "fraud", ModelVersion: "7", WindowSeq: 42, ID: "req-1",
		PredTime: pred.Time, LabelTime: t0.Add(time.Hour + time.Microsecond), Output: "0.5", Score: math.NaN(),
		Label: "1", Signals: 1, Version: 99}
	det := storage.Detection{Model: "fraud", ModelVersion: "7", Detector: "adwin", Kind: drift.DetectionDrift,
		EventIndex: 1, EventTime: t0, Version: 99}
	w := smallWindow("fraud", "7", 42, t0.Add(time.Nanosecond), 1)
	if err := st.WritePredictions(ctx, []storage.PredictionRecord{pred}); err != nil {
		t.Fatalf("WritePredictions: %v", err)
	}
	if err := st.WriteLabelled(ctx, []storage.LabelledRecord{lab}); err != nil {
		t.Fatalf("WriteLabelled: %v", err)
	}
	if err := st.WriteDetections(ctx, []storage.Detection{det}); err != nil {
		t.Fatalf("WriteDetections: %v", err)
	}
	writeWindow(t, st, w, nil, 5)
	closeStore(t, st)
	if _, err := st.Labelled(ctx, "fraud", 42); err == nil {
		t.Error("Labelled after Close succeeded")
	}

	st = open(t, "a")
	if got := lookup(t, st, "fraud", []string{"req-1"}); len(got) != 1 {
		t.Errorf("predictions after reopen: %+v", got)
	} else if d := diffPrediction(pred, got[0]); d != "" {
		t.Errorf("prediction after reopen: %s", d)
	}
	if got, err := st.Labelled(ctx, "fraud", 42); err != nil || len(got) != 1 {
		t.Errorf("labelled after reopen: %+v, %v", got, err)
	} else if d := diffLabelled(lab, got[0]); d != "" {
		t.Errorf("labelled after reopen: %s", d)
	}
	if got, err := st.Detections(ctx, "fraud"); err != nil || len(got) != 1 || got[0] != det {
		t.Errorf("detections after reopen: %+v, %v; want %+v", got, err, det)
	}
	b, err := st.WindowBounds(ctx, "fraud", []int64{42})
	if want := (drift.WindowBounds{ModelVersion: "7", Start: w.Start, End: w.End}); err != nil || len(b) != 1 ||
		b[42].ModelVersion != want.ModelVersion || !b[42].Start.Equal(want.Start) || !b[42].End.Equal(want.End) {
		t.Errorf("window bounds after reopen: %+v, %v; want %+v", b, err, want)
	}
}

func testLabelInvalidInput(t *testing.T, open Opener) {
	st := open(t, "a")
	ctx := t.Context()
	goodRow := storage.LabelledRecord{Model: "m", WindowSeq: 1, ID: "a", PredTime: t0, LabelTime: t0, Version: 1}
	goodDet := storage.Detection{Model: "m", Detector: "ddm", Kind: drift.DetectionDrift, EventIndex: 1, EventTime: t0, Version: 1}
	tests := []struct {
		name string
		call func() error
	}{
		{"labelled: empty model", func() error {
			r := goodRow
			r.Model = ""
			// A good row in the same batch is refused with it.
			return st.WriteLabelled(ctx, []storage.LabelledRecord{goodRow, r})
		}},
		{"labelled: empty id", func() error {
			r := goodRow
			r.ID = ""
			return st.WriteLabelled(ctx, []storage.LabelledRecord{r, goodRow})
		}},
		{"detection: empty model", func() error {
			d := goodDet
			d.Model = ""
			return st.WriteDetections(ctx, []storage.Detection{goodDet, d})
		}},
		{"detection: empty detector", func() error {
			d := goodDet
			d.Detector = ""
			return st.WriteDetections(ctx, []storage.Detection{d})
		}},
		{"detection: unknown kind", func() error {
			d := goodDet
			d.Kind = "alarm"
			return st.WriteDetections(ctx, []storage.Detection{goodDet, d})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, storage.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if errors.Is(err, storage.ErrUnavailable) {
				t.Fatalf("err = %v also says unavailable: a caller would retry it forever", err)
			}
		})
	}
	if got, err := st.Labelled(ctx, "m", 1); err != nil || len(got) != 0 {
		t.Errorf("refused labelled rows stored: %+v, %v", got, err)
	}
	if got, err := st.Detections(ctx, "m"); err != nil || len(got) != 0 {
		t.Errorf("refused detections stored: %+v, %v", got, err)
	}
}
