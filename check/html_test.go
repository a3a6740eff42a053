package check

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// htmlFixture writes a reference of x = 1..100 with c = a, b alternating,
// and a current of x = 51..150 with c = 20 a, 30 b, 50 z.
func htmlFixture(t *testing.T) Options {
	t.Helper()
	dir := t.TempDir()
	var ref, cur strings.Builder
	ref.WriteString("x,c\n")
	cur.WriteString("x,c\n")
	for i := 1; i <= 100; i++ {
		fmt.Fprintf(&ref, "%d,%s\n", i, "ab"[i%2:i%2+1])
		c := "z"
		switch {
		case i <= 20:
			c = "a"
		case i <= 50:
			c = "b"
		}
		fmt.Fprintf(&cur, "%d,%s\n", 50+i, c)
	}
	o := Options{Reference: filepath.Join(dir, "ref.csv"), Current: filepath.Join(dir, "cur.csv")}
	for path, s := range map[string]string{o.Reference: ref.String(), o.Current: cur.String()} {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

func near(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}

// TestDistribution: the report carries both sides over the reference's
// deciles and over the categories, with the values worked out by hand.
func TestDistribution(t *testing.T) {
	rep, err := Run(context.Background(), htmlFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	x, c := rep.Columns[0].Distribution, rep.Columns[1].Distribution
	// numpy's linear quantile of 1..100 at i/10 is at h = 99i/10, between
	// the values h+1 and h+2: 1 + 9.9i, so the edges are 10.9, 20.8, ...,
	// 90.1 and each reference bin holds 10 of the 100 values.
	wantEdges := []float64{10.9, 20.8, 30.7, 40.6, 50.5, 60.4, 70.3, 80.2, 90.1}
	if x == nil || !near(x.Edges, wantEdges) {
		t.Fatalf("x edges %v, want %v", x, wantEdges)
	}
	if want := []float64{.1, .1, .1, .1, .1, .1, .1, .1, .1, .1}; !near(x.Reference, want) {
		t.Errorf("x reference shares %v, want %v", x.Reference, want)
	}
	// 51..150: 10 values in each of [50.5, 60.4) .. [80.2, 90.1), the
	// other 60 (91..150) in the open last bin, none below 50.5.
	if want := []float64{0, 0, 0, 0, 0, .1, .1, .1, .1, .6}; !near(x.Current, want) {
		t.Errorf("x current shares %v, want %v", x.Current, want)
	}
	if c == nil || fmt.Sprint(c.Categories) != "[a b z]" || !near(c.Reference, []float64{.5, .5, 0}) ||
		!near(c.Current, []float64{.2, .3, .5}) {
		t.Errorf("c distribution %+v, want [a b z], [.5 .5 0], [.2 .3 .5]", c)
	}
}

// TestWriteHTML: the page is self-contained (no script, nothing fetched),
// says the data set's verdict before any column, and gives each column a
// chart with one reference and one current bar per bin, the statistics
// with thresholds and verdicts, and the quality checks.
func TestWriteHTML(t *testing.T) {
	rep, err := Run(context.Background(), htmlFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, banned := range []string{"<script", "src=", "href=", "@import", "url("} {
		if strings.Contains(page, banned) {
			t.Errorf("page contains %q: it must load nothing", banned)
		}
	}
	ds, first := strings.Index(page, `id="dataset"`), strings.Index(page, `<section class="column"`)
	if ds < 0 || first < 0 || ds > first {
		t.Fatalf("dataset verdict at %d, first column at %d: want the verdict on top", ds, first)
	}
	// Both columns drift (x moved by half its range, c gained z): 2 of 2.
	if !strings.Contains(page[ds:first], "DRIFT</strong>: 2 of 2 columns drifted") {
		t.Errorf("dataset verdict: %s", page[ds:first])
	}
	sections := regexp.MustCompile(`(?s)<section class="column" data-column="([^"]+)">(.*?)</section>`).FindAllStringSubmatch(page, -1)
	if len(sections) != 2 {
		t.Fatalf("%d column sections, want 2", len(sections))
	}
	series := regexp.MustCompile(`(?s)<g class="series (reference|current)">(.*?)</g>`)
	wantBars := map[string]int{"x": 10, "c": 3}
	for _, s := range sections {
		name, body := s[1], s[2]
		got := map[string]int{}
		for _, g := range series.FindAllStringSubmatch(body, -1) {
			got[g[1]] = strings.Count(g[2], "<rect ")
		}
		if got["reference"] != wantBars[name] || got["current"] != wantBars[name] {
			t.Errorf("%s: bars %v, want %d of each series", name, got, wantBars[name])
		}
		if !strings.Contains(body, `<table class="statistics">`) || !strings.Contains(body, "(decides)") {
			t.Errorf("%s: no statistics table with its deciding method", name)
		}
	}
	// The last bin of x: 10% of the reference, 60% of the current.
	if !strings.Contains(sections[0][2], "<title>[90.1, ∞): reference 10.0%, current 60.0%</title>") {
		t.Errorf("x's last bar has no title with both shares")
	}
	// c's new category z is half of the current values: new_category_share
	// 0.5 against the default 0, failed.
	if !regexp.MustCompile(`<tr class="failed"><td>new_category_share</td><td>0.5</td><td>0</td><td>FAILED</td></tr>`).MatchString(sections[1][2]) {
		t.Errorf("c's quality table does not show new_category_share failing:\n%s", sections[1][2])
	}
	// The default policy: Jensen-Shannon decides, at a threshold
	// calibrated from the reference, which the table names; KS is
	// reported at p < 0.05.
	if !strings.Contains(sections[0][2], "<td>jensen_shannon (decides)</td>") || !regexp.MustCompile(`<td>&gt; [0-9.e-]+ \(calibrated:(bootstrap|sub_windows)\)</td>`).MatchString(sections[0][2]) {
		t.Errorf("x's statistics lack jensen_shannon with its calibrated threshold:\n%s", sections[0][2])
	}
	if !strings.Contains(sections[0][2], "<td>p &lt; 0.05</td>") {
		t.Errorf("x's statistics lack ks with its p-value threshold")
	}
}
