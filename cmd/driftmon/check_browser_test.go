package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/internal/datasets"
	"github.com/driftmon/driftmon/internal/testenv"
)

// electricitySlice writes rows [from, to) of electricity.csv (0-based, after
// the header) to a CSV in dir.
func electricitySlice(t *testing.T, dir, name string, from, to int) string {
	t.Helper()
	f, err := os.Open(datasets.Path(t, "electricity.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	sc := bufio.NewScanner(f)
	for i := -1; sc.Scan(); i++ {
		if i < 0 || i >= from && i < to {
			out.Write(sc.Bytes())
			out.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheckHTMLInChromium renders `check --format html` of electricity:
// rows [0, 4000) as the reference, [20000, 24000) as the current (after
// vicprice, vicdemand and transfer stop being one imputed constant, at
// row 17,424), opens the page in headless chromium and counts, in the DOM
// chromium built, each column's chart: one reference and one current bar
// per bin. The bins are the JSON report's; two are known by hand: class
// has two categories (UP, DOWN), and vicprice's reference is one value, so
// its nine deciles merge into one edge and two bins.
func TestCheckHTMLInChromium(t *testing.T) {
	bin := testenv.RequireEnv(t, "DRIFTMON_CHROMIUM", "Debian's chromium (apt-get install chromium)")
	dir := t.TempDir()
	ref := electricitySlice(t, dir, "reference.csv", 0, 4000)
	cur := electricitySlice(t, dir, "current.csv", 20000, 24000)
	page, doc := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.json")
	for format, out := range map[string]string{"html": page, "json": doc} {
		var stdout, stderr bytes.Buffer
		// Drift (vicprice moved): exit 1, the report written all the same.
		if code := run([]string{"check", "--reference", ref, "--current", cur, "--format", format, "--output", out}, &stdout, &stderr); code != checkDrift {
			t.Fatalf("check --format %s exited %d, want %d\n%s", format, code, checkDrift, stderr.String())
		}
	}
	var rep struct {
		Columns []struct {
			Name         string `json:"name"`
			Distribution struct {
				Reference []float64 `json:"reference"`
			} `json:"distribution"`
		} `json:"columns"`
	}
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, c := range rep.Columns {
		want[c.Name] = len(c.Distribution.Reference)
	}
	if len(want) != 9 || want["class"] != 2 || want["vicprice"] != 2 || want["nswprice"] != 10 {
		t.Fatalf("bins per column %v: want 9 columns, class and vicprice 2, nswprice 10", want)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+page)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	sections := regexp.MustCompile(`(?s)<section class="column" data-column="([^"]+)">(.*?)</section>`).FindAllSubmatch(dom, -1)
	if len(sections) != len(want) {
		t.Fatalf("chromium's DOM has %d column sections, want %d", len(sections), len(want))
	}
	series := regexp.MustCompile(`(?s)<g class="series (reference|current)">(.*?)</g>`)
	for _, s := range sections {
		name := string(s[1])
		if !bytes.Contains(s[2], []byte("<svg")) {
			t.Errorf("%s: no chart", name)
			continue
		}
		got := map[string]int{}
		for _, g := range series.FindAllSubmatch(s[2], -1) {
			got[string(g[1])] = bytes.Count(g[2], []byte("<rect "))
		}
		if got["reference"] != want[name] || got["current"] != want[name] {
			t.Errorf("%s: %v bars in chromium's DOM, want %d of each series", name, got, want[name])
		}
	}
	if !regexp.MustCompile(`id="dataset"[^>]*>\s*<strong>DRIFT</strong>`).Match(dom) {
		t.Errorf("chromium's DOM does not open with the data set's DRIFT verdict")
	}
}
