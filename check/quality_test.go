package check

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestQualityChecks: check runs the service's quality checks per column;
// a broken current file fails them, each broken column in its own check.
func TestQualityChecks(t *testing.T) {
	// The reference: 20 rows, amount = 1..20 (mean 10.5, population std
	// sqrt((20^2-1)/12) = 5.766, range [1, 20] widened by 1.9 a side),
	// grams = 101..120, country a/b alternating, age 30..49.
	// The current: amount turns null in 15 of 20 rows (0.75 > 0.10),
	// country "b" is renamed "B" (half the values in a category the
	// reference never saw), grams arrive in milligrams (x1000: every
	// value out of range, mean 110,500 against 110.5 in sigmas of 5.766),
	// age is healthy but declared in [0, 40] and holds 41..49 (9 of 20).
	var ref, cur strings.Builder
	ref.WriteString("amount,grams,country,age\n")
	cur.WriteString("amount,grams,country,age\n")
	for i := 1; i <= 20; i++ {
		c := "ab"[i%2 : i%2+1]
		fmt.Fprintf(&ref, "%d,%d,%s,%d\n", i, 100+i, c, 29+i)
		amount := ""
		if i > 15 {
			amount = fmt.Sprint(i)
		}
		if c == "b" {
			c = "B"
		}
		fmt.Fprintf(&cur, "%s,%d,%s,%d\n", amount, (100+i)*1000, c, 29+i)
	}
	dir := writeFiles(t, map[string]string{"ref.csv": ref.String(), "cur.csv": cur.String()})
	rep, err := Run(context.Background(), Options{Reference: filepath.Join(dir, "ref.csv"), Current: filepath.Join(dir, "cur.csv"),
		Ranges: map[string][2]float64{"age": {0, 40}}})
	if err != nil {
		t.Fatal(err)
	}
	failed := map[string][]string{}
	values := map[string]float64{}
	for _, c := range rep.Columns {
		for _, q := range c.Quality {
			values[c.Name+"/"+q.Method] = q.Statistic
			if q.Drifted {
				failed[c.Name] = append(failed[c.Name], q.Method)
			}
		}
	}
	want := map[string][]string{
		"amount":  {"missing_share"},
		"grams":   {"out_of_range_share", "mean_shift"},
		"country": {"new_category_share"},
		"age":     {"out_of_range_share"},
	}
	if fmt.Sprint(failed) != fmt.Sprint(want) {
		t.Errorf("failed checks %v, want %v", failed, want)
	}
	sigma := math.Sqrt(399.0 / 12)
	for k, v := range map[string]float64{
		"amount/missing_share":       0.75,
		"country/new_category_share": 0.5,
		"grams/out_of_range_share":   1,
		"grams/mean_shift":           (110500 - 110.5) / sigma,
		"age/out_of_range_share":     9.0 / 20,
		"age/mean_shift":             0,
	} {
		if math.Abs(values[k]-v) > 1e-9 {
			t.Errorf("%s = %v, want %v", k, values[k], v)
		}
	}
	if rep.QualityFailures != 5 {
		t.Errorf("%d quality failures, want 5", rep.QualityFailures)
	}

	// Both formats carry them.
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		QualityFailures int `json:"quality_failures"`
		Columns         []struct {
			Name    string `json:"name"`
			Quality []struct {
				Method  string `json:"method"`
				Drifted bool   `json:"drifted"`
			} `json:"quality"`
		} `json:"columns"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.QualityFailures != 5 || len(doc.Columns) != 4 || len(doc.Columns[0].Quality) == 0 {
		t.Errorf("JSON: %s", js.String())
	}
	var tb bytes.Buffer
	if err := rep.WriteTable(&tb); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"FAIL missing_share=0.75", "FAIL new_category_share=0.5", "quality: 5 checks failed"} {
		if !strings.Contains(tb.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, tb.String())
		}
	}

	// The same files compared with themselves fail nothing.
	self, err := Run(context.Background(), Options{Reference: filepath.Join(dir, "ref.csv"), Current: filepath.Join(dir, "ref.csv")})
	if err != nil {
		t.Fatal(err)
	}
	if self.QualityFailures != 0 {
		t.Errorf("reference against itself: %d quality failures", self.QualityFailures)
	}
}

// TestQualityEmptyColumn: a column without values has only the missing
// and invalid shares; the range flag is checked.
func TestQualityEmptyColumn(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ref.csv": "x,y\n1,\n2,\n", "cur.csv": "x,y\n1,\n2,\n"})
	rep, err := Run(context.Background(), Options{Reference: filepath.Join(dir, "ref.csv"), Current: filepath.Join(dir, "cur.csv")})
	if err != nil {
		t.Fatal(err)
	}
	y := rep.Columns[1]
	if len(y.Quality) != 2 || y.Quality[0].Method != "missing_share" || y.Quality[0].Statistic != 1 || y.Quality[0].Drifted {
		// All missing on both sides: 1 against 1 + 0.10, not failed.
		t.Errorf("y quality %+v", y.Quality)
	}
	_, err = Run(context.Background(), Options{Reference: filepath.Join(dir, "ref.csv"), Current: filepath.Join(dir, "cur.csv"),
		Ranges: map[string][2]float64{"x": {5, 1}}})
	if err == nil || !strings.Contains(err.Error(), `--ranges: column "x": want lo < hi`) {
		t.Errorf("bad range: %v", err)
	}
}
