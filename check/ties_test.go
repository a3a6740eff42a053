package check

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestTiesWarning: a column of few distinct values decided by a test built
// for continuous data carries the test's ties warning in every format: the
// result's note in JSON, a note line in the table, the wide table's
// statistics, and beside the result in the HTML page; a continuous column
// carries none.
func TestTiesWarning(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// x: Poisson(3), about a dozen distinct values in 1,500; y: uniform,
	// all distinct.
	var ref, cur strings.Builder
	ref.WriteString("x,y\n")
	cur.WriteString("x,y\n")
	distinct := map[int]bool{}
	for i := range 1500 {
		b := &ref
		if i >= 1000 {
			b = &cur
		}
		k := poisson(r, 3)
		distinct[k] = true
		b.WriteString(strconv.Itoa(k) + "," + strconv.FormatFloat(r.Float64(), 'g', -1, 64) + "\n")
	}
	files := writeFiles(t, map[string]string{"ref.csv": ref.String(), "cur.csv": cur.String()})
	rep, err := Run(context.Background(), Options{Reference: filepath.Join(files, "ref.csv"), Current: filepath.Join(files, "cur.csv"),
		Decide: []string{"cramer_von_mises"}, Calibrate: "off"})
	if err != nil {
		t.Fatal(err)
	}
	const want = "ties: "
	x, y := findColumn(rep, "x"), findColumn(rep, "y")
	for _, m := range []string{"ks", "anderson_darling", "cramer_von_mises"} {
		if res := findResult(x, m); res == nil || !strings.Contains(res.Note, want+strconv.Itoa(len(distinct))+" distinct values in 1500") {
			t.Errorf("x %s: note %+v, want the ties warning", m, res)
		}
		if res := findResult(y, m); res == nil || strings.Contains(res.Note, want) {
			t.Errorf("y %s: note %+v, want no ties warning", m, res)
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Columns []struct {
			Name    string
			Results []struct{ Method, Note string }
		}
	}
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range decoded.Columns {
		for _, res := range c.Results {
			if c.Name == "x" && res.Method == "cramer_von_mises" && strings.Contains(res.Note, want) {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("JSON: no ties note on x's cramer_von_mises:\n%s", js.String())
	}
	var table, wide, page bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteTableWide(&wide); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "note x: cramer_von_mises: ties: ") || strings.Contains(table.String(), "note y") {
		t.Errorf("table: want a ties note for x alone:\n%s", table.String())
	}
	if !strings.Contains(wide.String(), "[cramer_von_mises: ties: ") {
		t.Errorf("wide table: want x's ties warning:\n%s", wide.String())
	}
	if n := strings.Count(page.String(), `<small class="note">ties: `); n != 3 {
		t.Errorf("HTML: %d ties warnings, want 3 (x's ks, anderson_darling, cramer_von_mises)", n)
	}
}
