package check

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
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

// TestWriteHTML: the page is self-contained (nothing fetched; one inline
// script, the only one its Content-Security-Policy allows), says the data
// set's verdict and then the summary before any column, and gives each
// column a chart with one reference and one current bar per bin, the
// statistics with thresholds and verdicts, and the quality checks.
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
	checkSelfContained(t, page)
	ds, sum, first := strings.Index(page, `id="dataset"`), strings.Index(page, `<section id="summary">`), strings.Index(page, `<section class="column"`)
	if ds < 0 || sum < 0 || first < 0 || ds > sum || sum > first {
		t.Fatalf("dataset verdict at %d, summary at %d, first column at %d: want them in that order", ds, sum, first)
	}
	// Both columns drift (x moved by half its range, c gained z): 2 of 2.
	if !strings.Contains(page[ds:sum], "DRIFT</strong>: 2 of 2 columns drifted") {
		t.Errorf("dataset verdict: %s", page[ds:sum])
	}
	sections := regexp.MustCompile(`(?s)<section class="column" id="[^"]+" data-column="([^"]+)">(.*?)</section>`).FindAllStringSubmatch(page, -1)
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

// checkSelfContained: the page fetches nothing (no src, no url(), no
// import, links only to its own anchors, each of which exists) and holds
// one inline script, which its Content-Security-Policy allows by the
// SHA-256 of its text, computed here from the page, with nothing else
// allowed but inline styles.
func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	for _, banned := range []string{"src=", "@import", "url(", "fetch(", "XMLHttpRequest", "import("} {
		if strings.Contains(page, banned) {
			t.Errorf("page contains %q: it must load nothing", banned)
		}
	}
	for _, h := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(h[1], "#") || !strings.Contains(page, ` id="`+h[1][1:]+`"`) {
			t.Errorf("link %q does not lead to an anchor of the page", h[1])
		}
	}
	scripts := regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(page, -1)
	if len(scripts) != 1 || scripts[0][1] != "" {
		t.Fatalf("%d scripts (%q), want one inline script without attributes", len(scripts), scripts)
	}
	sum := sha256.Sum256([]byte(scripts[0][2]))
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`).FindStringSubmatch(page)
	want := "default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; script-src &#39;sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "&#39;"
	if csp == nil || csp[1] != want {
		t.Errorf("Content-Security-Policy %q, want %q", csp, want)
	}
}

// TestHTMLSummary: the summary has one row per column, in the summary's
// order, each linking to its column's section, with the verdict, the
// deciding method, the value its threshold judges, the threshold and its
// source, and the failed quality checks. The cases cover each verdict.
func TestHTMLSummary(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		// x moves by half its range (drifts), y does not, "a b" (a name
		// that needs the numbered anchor) is empty in the current file, c
		// gains a category.
		"ref.csv": "x,y,a b,c\n" + strings.Repeat("1,5,1,p\n2,6,2,q\n3,5,3,p\n4,6,4,q\n", 25),
		"cur.csv": "x,y,a b,c\n" + strings.Repeat("3,6,,p\n4,5,,q\n5,6,,r\n6,5,,q\n", 25),
	})
	o := Options{Reference: filepath.Join(dir, "ref.csv"), Current: filepath.Join(dir, "cur.csv"), Calibrate: "off"}
	type row struct{ name, anchor, verdict, method, value, threshold, source, quality string }
	tests := []struct {
		name   string
		decide []string
		want   []row
	}{
		// Fixed thresholds: Jensen-Shannon > 0.1 for numbers, PSI > 0.2
		// for categories. x: the reference's deciles of 1..4 (25 each,
		// numpy's linear quantiles) are 1, 1, 2, 2, 2.5, 3, 3, 4, 4, so
		// six bins hold [0 .25 .25 0 .25 .25] of it and [0 0 0 0 .25 .75]
		// of 3..6: JS divergence (0.25 + 0.75 log2 1.5) / 2, distance
		// 0.5868, 5.87 times 0.1. c: [.5 .5 0] against [.25 .5 .25] over
		// p, q, r; PSI with the empty share at 1e-4 is 0.25 ln 2 + 0.2499
		// ln 2500 = 2.129, 10.6 times 0.2, so c comes first. y: the same
		// four values, 0. "a b" has no values in the current file.
		{"default policy", nil, []row{
			{"c", "col-c", "drifted", "psi", "2.129", "&gt; 0.2", "fixed", "new_category_share 0.25"},
			{"x", "col-x", "drifted", "jensen_shannon", "0.5868", "&gt; 0.1", "fixed", "out_of_range_share 0.5"},
			{"y", "col-y", "no drift", "jensen_shannon", "0", "&gt; 0.1", "fixed", "ok"},
			{"a b", "column-2", "not compared", "-", "-", "-", "-", "missing_share 1"},
		}},
		// wasserstein has no threshold: the numeric columns report only,
		// in the file's order.
		{"report only", []string{"wasserstein"}, []row{
			{"c", "col-c", "drifted", "psi", "2.129", "&gt; 0.2", "fixed", "new_category_share 0.25"},
			{"x", "col-x", "report only", "wasserstein", "2", "-", "-", "out_of_range_share 0.5"},
			{"y", "col-y", "report only", "wasserstein", "0", "-", "-", "ok"},
			{"a b", "column-2", "not compared", "-", "-", "-", "-", "missing_share 1"},
		}},
		// chi2 for c: a test, so its value is the p-value. The table
		// [[50 50 0] [25 50 25]] expects [37.5 50 12.5] a row: chi2 =
		// 2 (12.5^2 / 37.5) + 2 (12.5^2 / 12.5) = 33.33 on 2 degrees of
		// freedom, p = exp(-33.33 / 2) = 5.778e-08, 8.7e5 times past 0.05.
		{"a test decides", []string{"c=chi2"}, []row{
			{"c", "col-c", "drifted", "chi2", "p = 5.778e-08", "p &lt; 0.05", "fixed", "new_category_share 0.25"},
			{"x", "col-x", "drifted", "jensen_shannon", "0.5868", "&gt; 0.1", "fixed", "out_of_range_share 0.5"},
			{"y", "col-y", "no drift", "jensen_shannon", "0", "&gt; 0.1", "fixed", "ok"},
			{"a b", "column-2", "not compared", "-", "-", "-", "-", "missing_share 1"},
		}},
	}
	rowRe := regexp.MustCompile(`<tr class="[^"]+" data-column="([^"]+)"><td><a href="#([^"]+)">[^<]*</a></td><td>[^<]*</td><td class="outcome [^"]+" data-sort="\d">([^<]*)</td><td>([^<]*)</td><td class="num" data-sort="[^"]*">([^<]*)</td><td class="num" data-sort="[^"]*">([^<]*)</td><td>([^<]*)</td><td class="num" data-sort="[^"]*">[^<]*</td><td class="quality[^"]*" data-sort="\d+">(.*?)</td></tr>`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := o
			o.Decide = tc.decide
			rep, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := rep.WriteHTML(&b); err != nil {
				t.Fatal(err)
			}
			page := b.String()
			checkSelfContained(t, page)
			summary := page[strings.Index(page, `<section id="summary">`):]
			summary = summary[:strings.Index(summary, "</section>")]
			got := rowRe.FindAllStringSubmatch(summary, -1)
			if len(got) != len(tc.want) {
				t.Fatalf("%d summary rows, want %d:\n%s", len(got), len(tc.want), summary)
			}
			for i, w := range tc.want {
				g := got[i]
				if g[1] != w.name || g[2] != w.anchor || g[3] != w.verdict || g[4] != w.method || g[5] != w.value ||
					g[6] != w.threshold || g[7] != w.source || g[8] != w.quality {
					t.Errorf("row %d: %q, want %+v", i, g[1:], w)
				}
				if !strings.Contains(page, `<section class="column" id="`+w.anchor+`" data-column="`+template.HTMLEscapeString(w.name)+`">`) {
					t.Errorf("no section with id %s for %s", w.anchor, w.name)
				}
			}
		})
	}
}
