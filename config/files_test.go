package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// The reference file's columns are checked in a Parquet file as in a CSV
// one: from its schema, each missing column at its own key and line.
func TestReferenceColumnsParquet(t *testing.T) {
	type row struct {
		Amount  float64 `parquet:"amount"`
		Country string  `parquet:"country"`
	}
	dir := t.TempDir()
	if err := parquet.WriteFile(filepath.Join(dir, "ref.parquet"), []row{{12.5, "FR"}, {80, "DE"}}); err != nil {
		t.Fatal(err)
	}
	// A byte order mark and a repeated column name, as spreadsheet
	// exports have, are no problem in a CSV header either.
	if err := os.WriteFile(filepath.Join(dir, "ref.csv"), []byte("\ufeffamount,country,country\n12.5,FR,FR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := func(file, extra string) []byte {
		return []byte(`models:
  - name: fraud
    window: {duration: 5m}
    reference: {file: ` + file + `}
` + extra + `    features:
      amount: numeric
      country: categorical
`)
	}
	for _, file := range []string{"ref.parquet", "ref.csv"} {
		if _, err := Parse(doc(file, ""), dir); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
	y := doc("ref.parquet", "    prediction: class\n") // no prediction column
	y = []byte(strings.Replace(string(y), "      country: categorical\n", "      country: categorical\n      age: numeric\n", 1))
	_, err := Parse(y, dir)
	errs := configErrors(t, err)
	want := map[string]int{"models[0].features.age": 9, "models[0].prediction": 5}
	if len(errs) != len(want) {
		t.Fatalf("%d errors, want %d: %v", len(errs), len(want), err)
	}
	for _, e := range errs {
		if line, ok := want[e.Path]; !ok || e.Line != line {
			t.Errorf("error at %s line %d: %v", e.Path, e.Line, e)
		}
	}
	if msg := err.Error(); !strings.Contains(msg, `"age" is not a column of the reference file`) ||
		!strings.Contains(msg, "has no prediction column") {
		t.Errorf("messages: %v", msg)
	}

	// A file that is not Parquet inside is reported at the file's key.
	if err := os.WriteFile(filepath.Join(dir, "bad.parquet"), []byte("PAR1 not really"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Parse(doc("bad.parquet", ""), dir)
	if errs := configErrors(t, err); len(errs) != 1 || errs[0].Path != "models[0].reference.file" || errs[0].Line != 4 {
		t.Errorf("a corrupt Parquet file: %v", err)
	}
}
