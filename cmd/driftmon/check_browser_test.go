package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
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
//
// The summary on top has a row per column, in the order the JSON report
// implies (drifted first, then by statistic over threshold: every
// verdict here is a distance's), each linking to an element of the DOM
// that is that column's section, with JavaScript and without; the sort
// script ran (its headings carry aria-sort) where it may, so the page's
// Content-Security-Policy let it; clicking the
// headings in chromium sorts the rows (devtools.sortSummary): by name,
// then by how far past, up and, clicked again, down. The top of
// the page is saved as check-report.png in $DRIFTMON_ARTIFACTS (the
// README's picture), and must have painted the drifted verdicts' red.
func TestCheckHTMLInChromium(t *testing.T) {
	bin := testenv.RequireEnv(t, "DRIFTMON_CHROMIUM", "Debian's chromium (apt-get install chromium)")
	dir := t.TempDir()
	electricitySlice(t, dir, "reference.csv", 0, 4000)
	electricitySlice(t, dir, "current.csv", 20000, 24000)
	// Relative names, as a CI step gives them, so the picture shows no
	// temporary folder.
	t.Chdir(dir)
	ref, cur := "reference.csv", "current.csv"
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
			Drifted      bool   `json:"drifted"`
			Distribution struct {
				Reference []float64 `json:"reference"`
			} `json:"distribution"`
			Results []struct {
				Statistic float64 `json:"statistic"`
				Threshold float64 `json:"threshold"`
				Decision  bool    `json:"decision"`
			} `json:"results"`
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

	// A bound for three chromium runs on a loaded machine, not a speed
	// check: each takes seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
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
	sections := regexp.MustCompile(`(?s)<section class="column" id="[^"]+" data-column="([^"]+)">(.*?)</section>`).FindAllSubmatch(dom, -1)
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

	// The summary's order, from the JSON report: drifted first, then by
	// statistic over threshold, largest first.
	past := map[string]float64{}
	var byName, byPast []string
	for _, c := range rep.Columns {
		for _, r := range c.Results {
			if r.Decision {
				past[c.Name] = r.Statistic / r.Threshold
			}
		}
		byName = append(byName, c.Name)
		byPast = append(byPast, c.Name)
	}
	drifted := map[string]bool{}
	for _, c := range rep.Columns {
		drifted[c.Name] = c.Drifted
	}
	sort.Strings(byName)
	sort.SliceStable(byPast, func(i, j int) bool { return past[byPast[i]] < past[byPast[j]] })
	pastDown := slices.Clone(byPast)
	slices.Reverse(pastDown)
	initial := slices.Clone(pastDown)
	sort.SliceStable(initial, func(i, j int) bool { return drifted[initial[i]] && !drifted[initial[j]] })

	browser := startDevtools(ctx, t, bin)
	// With JavaScript, and without: the same rows in the same order; only
	// with it are the headings marked sortable.
	for _, tc := range []struct {
		name     string
		dom      []byte
		sortable int
	}{{"script on", dom, 9}, {"script off", browser.html(browser.open("file://"+page, false)), 0}} {
		summary := regexp.MustCompile(`(?s)<section id="summary">.*?</section>`).Find(tc.dom)
		rows := regexp.MustCompile(`<tr class="[^"]+" data-column="([^"]+)"><td><a href="#([^"]+)">`).FindAllSubmatch(summary, -1)
		var order []string
		for _, r := range rows {
			name, anchor := string(r[1]), string(r[2])
			order = append(order, name)
			if !regexp.MustCompile(`<section class="column" id="` + regexp.QuoteMeta(anchor) + `" data-column="` + regexp.QuoteMeta(name) + `">`).Match(tc.dom) {
				t.Errorf("%s: summary row %s links to #%s, which is not its section in chromium's DOM", tc.name, name, anchor)
			}
		}
		if !slices.Equal(order, initial) {
			t.Errorf("%s: summary rows %v, want %v", tc.name, order, initial)
		}
		if n := bytes.Count(summary, []byte(`aria-sort="none"`)); n != tc.sortable {
			t.Errorf("%s: %d summary headings marked sortable, want %d", tc.name, n, tc.sortable)
		}
	}

	sorted := browser.sortSummary(browser.open("file://"+page, true))
	for _, tc := range []struct {
		click string
		want  []string
	}{{"column", byName}, {"past", byPast}, {"past again", pastDown}} {
		if !slices.Equal(sorted[tc.click], tc.want) {
			t.Errorf("after a click on %q the rows are %v, want %v", tc.click, sorted[tc.click], tc.want)
		}
	}

	shot := filepath.Join(artifactDir(t), "check-report.png")
	cmd = exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir="+t.TempDir(), "--window-size=1280,720", "--screenshot="+shot, "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	// The drifted verdicts' red (#b00020, html.go's style) on some pixels:
	// the summary painted, not only parsed.
	red := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 > 0x98 && r>>8 < 0xc8 && g>>8 < 0x18 && b>>8 > 0x10 && b>>8 < 0x38 {
				red++
			}
		}
	}
	if red < 100 {
		t.Errorf("screenshot has %d pixels of the drifted red, want the summary to paint it", red)
	}
	t.Logf("screenshot: %s", shot)
}

// artifactDir is $DRIFTMON_ARTIFACTS when set (CI keeps it), else the
// test's temporary folder.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("DRIFTMON_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// devtools is a headless chromium driven over the DevTools protocol on a
// pipe (--remote-debugging-pipe: commands on its file descriptor 3,
// answers on 4, each a JSON message ended by a NUL byte), with only the
// standard library.
type devtools struct {
	t        *testing.T
	ctx      context.Context
	commands *os.File
	msgs     chan devtoolsMessage
	stderr   *strings.Builder
	id       int
}

type devtoolsMessage struct {
	ID        int             `json:"id"`
	Method    string          `json:"method"`
	SessionID string          `json:"sessionId"`
	Result    json.RawMessage `json:"result"`
	Error     json.RawMessage `json:"error"`
}

func startDevtools(ctx context.Context, t *testing.T, bin string) *devtools {
	t.Helper()
	toBrowser, commands, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	answers, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser}
	d := &devtools{t: t, ctx: ctx, commands: commands, msgs: make(chan devtoolsMessage), stderr: &strings.Builder{}}
	cmd.Stderr = d.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	t.Cleanup(func() {
		cancel()
		commands.Close()
		_ = cmd.Wait()
		answers.Close()
	})
	go func() {
		defer close(d.msgs)
		r := bufio.NewReader(answers)
		for {
			b, err := r.ReadBytes(0)
			if err != nil {
				return
			}
			var m devtoolsMessage
			if json.Unmarshal(b[:len(b)-1], &m) == nil {
				select {
				case d.msgs <- m:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return d
}

// await reads messages until want says one is the awaited one.
func (d *devtools) await(what string, want func(devtoolsMessage) bool) devtoolsMessage {
	d.t.Helper()
	for {
		select {
		case m, ok := <-d.msgs:
			if !ok {
				d.t.Fatalf("chromium closed its pipe awaiting %s\n%s", what, d.stderr.String())
			}
			if m.Error != nil && m.ID == d.id {
				d.t.Fatalf("%s: %s", what, m.Error)
			}
			if want(m) {
				return m
			}
		case <-d.ctx.Done():
			d.t.Fatalf("awaiting %s: %v\n%s", what, d.ctx.Err(), d.stderr.String())
		}
	}
}

// call sends a command (to a page's session, or to the browser when
// session is "") and decodes its result into out, when not nil.
func (d *devtools) call(session, method string, params, out any) {
	d.t.Helper()
	d.id++
	msg := map[string]any{"id": d.id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	b, err := json.Marshal(msg)
	if err != nil {
		d.t.Fatal(err)
	}
	if _, err := d.commands.Write(append(b, 0)); err != nil {
		d.t.Fatalf("%s: %v", method, err)
	}
	m := d.await(method, func(m devtoolsMessage) bool { return m.ID == d.id })
	if out != nil {
		if err := json.Unmarshal(m.Result, out); err != nil {
			d.t.Fatalf("%s: %v", method, err)
		}
	}
}

// open loads url in a new page, with its scripts or without, and returns
// the page's session once its load event fired.
func (d *devtools) open(url string, scripts bool) string {
	d.t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	d.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	d.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	s := attached.SessionID
	d.call(s, "Emulation.setScriptExecutionDisabled", map[string]any{"value": !scripts}, nil)
	d.call(s, "Page.enable", map[string]any{}, nil)
	d.call(s, "Page.navigate", map[string]any{"url": url}, nil)
	d.await("the page's load event", func(m devtoolsMessage) bool { return m.Method == "Page.loadEventFired" && m.SessionID == s })
	return s
}

// html returns a page's DOM as HTML, read by the protocol, not by a
// script of the page's.
func (d *devtools) html(session string) []byte {
	d.t.Helper()
	var doc struct {
		Root struct {
			NodeID int `json:"nodeId"`
		} `json:"root"`
	}
	d.call(session, "DOM.getDocument", map[string]any{}, &doc)
	var out struct {
		OuterHTML string `json:"outerHTML"`
	}
	d.call(session, "DOM.getOuterHTML", map[string]any{"nodeId": doc.Root.NodeID}, &out)
	return []byte(out.OuterHTML)
}

// sortSummary clicks summary headings as a reader would and returns the
// rows' column names after each click: "column", "past", and "past again"
// (the other way).
func (d *devtools) sortSummary(session string) map[string][]string {
	d.t.Helper()
	const clicks = `(() => {
  const names = () => Array.from(document.querySelectorAll("#summary-table tbody tr"), r => r.dataset.column);
  const heading = text => Array.from(document.querySelectorAll("#summary-table th")).find(h => h.textContent === text);
  const out = {};
  for (const h of ["column", "past"]) { heading(h).click(); out[h] = names(); }
  heading("past").click(); out["past again"] = names();
  return JSON.stringify(out);
})()`
	var res struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
		ExceptionDetails json.RawMessage `json:"exceptionDetails"`
	}
	d.call(session, "Runtime.evaluate", map[string]any{"expression": clicks, "returnByValue": true}, &res)
	if res.ExceptionDetails != nil {
		d.t.Fatalf("clicking the headings: %s", res.ExceptionDetails)
	}
	out := map[string][]string{}
	if err := json.Unmarshal([]byte(res.Result.Value), &out); err != nil {
		d.t.Fatalf("clicking the headings: %v (%q)", err, res.Result.Value)
	}
	return out
}
