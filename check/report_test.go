package check

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// reportedFixture: a day-of-week column whose current file holds more
// Saturdays (20% against 1/7). Over 7,000 values a side the tests call that
// a difference (KS and Cramer-von Mises p far below 0.05), while the
// verdict, Jensen-Shannon at its fixed 0.1, says no drift (about 0.07).
func reportedFixture(t *testing.T) Options {
	var ref, cur strings.Builder
	ref.WriteString("dow\n")
	cur.WriteString("dow\n")
	for i := range 7000 {
		ref.WriteString(strconv.Itoa(i%7) + "\n")
		d := 6
		if i < 5600 {
			d = i % 6
		}
		cur.WriteString(strconv.Itoa(d) + "\n")
	}
	dir := writeFiles(t, map[string]string{"ref.csv": ref.String(), "cur.csv": cur.String()})
	return Options{Reference: filepath.Join(dir, "ref.csv"), Current: filepath.Join(dir, "cur.csv"),
		Methods: []string{"jensen_shannon", "ks", "cramer_von_mises", "psi"}, Calibrate: "off"}
}

// TestReportedResults: tests past their usual level on a column whose
// verdict is "no drift" are reported as such in every format: not drifted
// and not the decision in JSON, after "report:" without a mark in the
// table, grey "report" rows in the HTML page; only the verdict's result
// is the decision.
func TestReportedResults(t *testing.T) {
	rep, err := Run(context.Background(), reportedFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	c := findColumn(rep, "dow")
	if c == nil || c.Drifted || c.DecidedBy != "jensen_shannon" || rep.Dataset.Drifted {
		t.Fatalf("dow %+v, dataset %+v: want no drift, by jensen_shannon", c, rep.Dataset)
	}
	for _, m := range []string{"ks", "cramer_von_mises"} {
		r := findResult(c, m)
		if r == nil || r.PValue == nil || *r.PValue >= 1e-6 {
			t.Fatalf("%s %+v: want a p-value far below 0.05, or the fixture tests nothing", m, r)
		}
		if r.Drifted || r.Decision {
			t.Errorf("%s: drifted %v decision %v, want a reported result", m, r.Drifted, r.Decision)
		}
	}
	if js := findResult(c, "jensen_shannon"); !js.Decision || js.Drifted || js.Statistic >= 0.1 {
		t.Errorf("jensen_shannon %+v: want the decision, not drifted", js)
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Columns []struct {
			Results []map[string]any `json:"results"`
		} `json:"columns"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Columns[0].Results {
		decides := r["method"] == "jensen_shannon"
		if r["decision"] != decides || r["drifted"] != false || r["threshold_source"] != "" {
			t.Errorf("JSON result %v: want decision %v, drifted false, threshold_source \"\"", r, decides)
		}
	}

	// The wide table lists the verdict's statistic, then the reported
	// ones unmarked; the default one only the verdict's.
	for _, tc := range []struct {
		name  string
		write func(io.Writer) error
		row   *regexp.Regexp
	}{
		{"wide", rep.WriteTableWide, regexp.MustCompile(`\bok\b.*  jensen_shannon=[0-9.e-]+  report: .*\bks=\S+ p=\S+  cramer_von_mises=\S+ p=\S+`)},
		{"default", rep.WriteTable, regexp.MustCompile(`^dow +num +ok +jensen_shannon +0\.0[0-9]+ +> 0\.1 +fixed +ok$`)},
	} {
		var tb bytes.Buffer
		if err := tc.write(&tb); err != nil {
			t.Fatal(err)
		}
		line := ""
		for _, l := range strings.Split(tb.String(), "\n") {
			if strings.HasPrefix(l, "dow ") {
				line = l
			}
		}
		if !tc.row.MatchString(line) || strings.Contains(line, "*") || strings.Contains(line, "DRIFT") {
			t.Errorf("%s table row %q: want ok, the verdict's statistic, then (wide) the reported ones unmarked", tc.name, line)
		}
	}

	var page bytes.Buffer
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	h := page.String()
	for _, m := range []string{"ks", "cramer_von_mises", "psi"} {
		if !regexp.MustCompile(`<tr class="report"><td>` + m + `(<br><small class="note">[^<]+</small>)?</td><td>[^<]+</td><td>[^<]+</td><td>[^<]+</td><td>report</td></tr>`).MatchString(h) {
			t.Errorf("page has no grey report row for %s", m)
		}
	}
	if !strings.Contains(h, `<tr class="decision"><td>jensen_shannon (decides)</td>`) || strings.Contains(h, "<td>drift</td>") ||
		strings.Contains(h, `class="decision failed"`) {
		t.Errorf("page's statistics: want jensen_shannon deciding, nothing red")
	}
}
