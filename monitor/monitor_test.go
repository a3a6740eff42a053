package monitor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/labels"
)

type pqRow struct {
	Amount     float64 `parquet:"amount"`
	Country    string  `parquet:"country"`
	Prediction string  `parquet:"prediction"`
	Label      string  `parquet:"label"`
}

// TestBuildReadsParquetReferences: a model whose reference file is Parquet
// gets what the same rows as CSV give it: the same feature summaries, the
// same bins for its windows, and the label side the same reference
// performance (so the same label-distribution rows for the same labels).
func TestBuildReadsParquetReferences(t *testing.T) {
	dir := t.TempDir()
	rows := make([]pqRow, 3000)
	var csv strings.Builder
	csv.WriteString("amount,country,prediction,label\n")
	for i := range rows {
		r := pqRow{Amount: float64(i%97) * 1.5, Country: []string{"FR", "DE", "ES"}[i%3], Prediction: "no", Label: "no"}
		if i%4 == 0 {
			r.Prediction = "yes"
		}
		if i%5 == 0 {
			r.Label = "yes"
		}
		rows[i] = r
		fmt.Fprintf(&csv, "%g,%s,%s,%s\n", r.Amount, r.Country, r.Prediction, r.Label)
	}
	csvPath, pqPath := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "ref.parquet")
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := parquet.WriteFile(pqPath, rows); err != nil {
		t.Fatal(err)
	}
	build := func(path string) *Model {
		t.Helper()
		cfg, err := config.Parse(fmt.Appendf(nil, `
models:
  - name: m
    window: {events: 500}
    prediction: class
    reference: {file: %q}
    features: {amount: numeric, country: categorical}
`, path), dir)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := Build(context.Background(), cfg)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		return ms.Get("m")
	}
	fromCSV, fromPQ := build(csvPath), build(pqPath)
	if !reflect.DeepEqual(fromCSV.Spec, fromPQ.Spec) {
		t.Errorf("window spec: CSV %+v, Parquet %+v", fromCSV.Spec, fromPQ.Spec)
	}
	refCSV, refPQ := fromCSV.Source.(*fileSource).ref, fromPQ.Source.(*fileSource).ref
	for _, name := range []string{"amount", "country"} {
		c, p := refCSV.Feature(name), refPQ.Feature(name)
		if c == nil || p == nil || c.Count != 3000 || c.Count != p.Count || !reflect.DeepEqual(c.Edges, p.Edges) ||
			!reflect.DeepEqual(c.BinCounts, p.BinCounts) || !reflect.DeepEqual(c.Categories, p.Categories) {
			t.Errorf("%s: CSV %+v, Parquet %+v", name, c, p)
		}
	}
	// A window's labelled rows, compared with each reference's.
	st := labelledRows(make([]drift.LabelledRecord, 200))
	for i := range st {
		st[i] = drift.LabelledRecord{Model: "m", ID: fmt.Sprint(i), Output: "no", Label: []string{"no", "yes"}[i%2]}
	}
	results := func(m *Model) []drift.Result {
		t.Helper()
		side := labels.New(labels.Config{Models: map[string]*labels.Model{"m": m.Labels}, Store: st})
		res, err := side.EvaluateLabels(context.Background(), "m", 0, drift.WindowBounds{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	c, p := results(fromCSV), results(fromPQ)
	withRef := 0
	for _, r := range c {
		if r.Family == drift.Prior || r.Threshold != 0 {
			withRef++ // label distribution and performance against the reference's
		}
	}
	t.Logf("%d rows, %d against the reference", len(c), withRef)
	if withRef == 0 || !reflect.DeepEqual(c, p) {
		t.Errorf("label results: CSV %+v, Parquet %+v", c, p)
	}
}

// labelledRows is a store that holds one window's labelled rows.
type labelledRows []drift.LabelledRecord

func (l labelledRows) Labelled(context.Context, string, int64) ([]drift.LabelledRecord, error) {
	return l, nil
}
func (labelledRows) LookupPredictions(context.Context, string, []string) ([]drift.PredictionRecord, error) {
	return nil, nil
}
func (labelledRows) LabelledIDs(context.Context, string, int64, []string) (map[string]drift.FirstLabel, error) {
	return nil, nil
}

// TestBuildManyModels: models built several at a time come back in config
// order, each with its own reference; of several failing models, the
// error names the first in config order, as a build one after the other
// would.
func TestBuildManyModels(t *testing.T) {
	dir := t.TempDir()
	var yaml strings.Builder
	yaml.WriteString("models:\n")
	const n = 12
	for i := range n {
		path := filepath.Join(dir, fmt.Sprintf("ref%d.csv", i))
		var csv strings.Builder
		csv.WriteString("amount,country\n")
		for r := range 200 + i {
			fmt.Fprintf(&csv, "%d,%s\n", r*(i+1), []string{"FR", "DE"}[r%2])
		}
		if err := os.WriteFile(path, []byte(csv.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&yaml, "  - name: m%d\n    window: {events: 100}\n    reference: {file: %q}\n    features: {amount: numeric, country: categorical}\n", i, path)
	}
	cfg, err := config.Parse([]byte(yaml.String()), dir)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := Build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms.All() {
		ref := ms.FileReference(m.Name)
		if m.Name != fmt.Sprintf("m%d", i) || ref == nil || ref.Feature("amount").Count != uint64(200+i) {
			t.Errorf("model %d: %s with %v", i, m.Name, ref)
		}
	}
	for _, bad := range []int{3, 7, 11} {
		if err := os.Remove(filepath.Join(dir, fmt.Sprintf("ref%d.csv", bad))); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		_, err := Build(context.Background(), cfg)
		if err == nil || !strings.HasPrefix(err.Error(), "models[3] (m3).reference.file: ") || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("error %v, want models[3]'s missing file", err)
		}
	}
}
