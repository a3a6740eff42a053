package demo

import (
	"context"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/server"
)

// startDemoPipeline runs what `driftmon demo` runs (the in-process broker,
// serve with the embedded store, the synthetic model with its injected
// drift, the alerting receiver) and returns the HTTP address once every
// window is stored. The service keeps running until the test ends, so a
// browser sees the view of a live demo.
func startDemoPipeline(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	dd, err := synthDemo(dir)
	if err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port),
		kfake.SeedTopics(1, demoPredictions, demoLabels, demoDeadLetter))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	broker := cluster.ListenAddrs()[0]
	pr := &demoPrinter{out: io.Discard, json: true, firstDrift: map[string]int64{}, driftCount: map[string]int{},
		done: make(chan struct{}), want: dd.windows}
	recv, secretFile, err := startDemoReceiver(dir, pr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(recv.close)
	cfg, err := config.Parse(fmt.Appendf(nil, `kafka:
  brokers: [%q]
  group_id: driftmon-view
  predictions_topic: %s
  labels_topic: %s
  dead_letter_topic: %s
storage:
  backend: embedded
  embedded: {path: %q}
http: {listen: "127.0.0.1:0"}
models:
%s%s`, broker, demoPredictions, demoLabels, demoDeadLetter, filepath.Join(dir, "store"), dd.modelYAML,
		demoAlerting(recv.url, secretFile)), dir)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	ready := make(chan struct{})
	svcErr := make(chan error, 1)
	go func() {
		svcErr <- server.Run(ctx, cfg, server.Options{Logger: slog.New(slog.DiscardHandler), Observers: []pipeline.Observer{pr.window},
			Alerts: pr.alert, Listener: ln, TickInterval: 250 * time.Millisecond, HeartbeatInterval: 300 * time.Millisecond,
			SessionTimeout: 6 * time.Second, RebalanceTimeout: 2 * time.Second, Ready: ready})
	}()
	t.Cleanup(func() {
		cancel()
		<-svcErr
	})
	select {
	case <-ready:
	case err := <-svcErr:
		t.Fatalf("service: %v", err)
	}
	if _, err := produce(ctx, broker, dd, func(ctx context.Context, _ int) error {
		return wallClock{}.Sleep(ctx, dd.pause)
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-pr.done:
	case <-ctx.Done():
		t.Fatalf("%d of %d windows closed in time", pr.seen(), dd.windows)
	}
	// The alerter hears of each window after the observers: give it the
	// last one's evaluation.
	if !pr.waitDelivered(time.Now().Add(10 * time.Second)) {
		t.Log("some notifications were not delivered in time")
	}
	return ln.Addr().String()
}

// chromium runs Debian's chromium headless with the flags this machine's
// closed network needs and a fresh profile, and returns its stdout.
func chromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", bin, args, err, stderr.String())
	}
	return out
}

// TestViewInChromium loads the view of a running demo in headless chromium:
// the DOM chromium built holds one chart per feature with its two series
// (statistic and threshold), the histogram holds reference and current
// bars for each bin of the drifted feature, amount and country are marked
// drifted and age is not, and the alert that fired is listed. The
// screenshot must show the charts' colours, so the page also painted.
func TestViewInChromium(t *testing.T) {
	bin := testenv.RequireEnv(t, "DRIFTMON_CHROMIUM", "Debian's chromium (apt-get install chromium)")
	addr := startDemoPipeline(t)
	url := "http://" + addr + "/"

	dom := string(chromium(t, bin, "--dump-dom", url))
	figures := strings.Split(dom, `<figure class="chart`)[1:]
	charts := map[string]string{}
	featRE := regexp.MustCompile(`data-feature="([^"]+)"`)
	for _, f := range figures {
		m := featRE.FindStringSubmatch(f)
		if m == nil {
			t.Fatalf("a chart without its feature: %.200s", f)
		}
		charts[m[1]] = f[:strings.Index(f, "</figure>")]
	}
	// Every synthetic feature, and the score as the prior feature.
	want := []string{"prediction"}
	for _, sf := range synthFeatures {
		want = append(want, sf.name)
	}
	for _, name := range want {
		c, ok := charts[name]
		if !ok {
			t.Errorf("no chart for %s; charts: %v", name, keys(charts))
			continue
		}
		if n := strings.Count(c, `<polyline class="series `); n != 2 {
			t.Errorf("%s: %d series, want statistic and threshold", name, n)
		}
		// One point per window with a verdict: the demo's 12 windows, all
		// in the view, but for age in window 1, where the demo nulls every
		// age (demo_quality.go) and no test can run.
		wantPts := synthWindows
		if name == "age" {
			wantPts--
		}
		pts := regexp.MustCompile(`class="series statistic" points="([^"]*)"`).FindStringSubmatch(c)
		if pts == nil || len(strings.Fields(pts[1])) != wantPts {
			t.Errorf("%s: statistic series %q, want %d points", name, pts, wantPts)
		}
	}
	for _, name := range []string{"amount", "country", "prediction"} {
		if !strings.HasPrefix(charts[name], ` drifted"`) || !strings.Contains(charts[name], `class="badge">drifted<`) {
			t.Errorf("%s's chart is not marked drifted", name)
		}
		row := regexp.MustCompile(`<tr class="feature (\w+)" data-feature="` + name + `">.*?<td class="verdict">([^<]*)</td>`).FindStringSubmatch(strings.ReplaceAll(dom, "\n", " "))
		if row == nil || row[1] != "drifted" || row[2] != "drifted" {
			t.Errorf("%s's row in the newest window: %q, want class and text drifted", name, row)
		}
	}
	for _, name := range []string{"age", "device", "is_new", "score_a"} {
		if strings.HasPrefix(charts[name], ` drifted"`) {
			t.Errorf("%s is marked drifted; the demo does not shift it", name)
		}
	}
	// The histogram defaults to the first drifted covariate feature of the
	// newest window: amount, numeric, over its reference bins.
	hist := dom[strings.Index(dom, `<section id="histogram">`):]
	hist = hist[:strings.Index(hist, "</section>")]
	if !strings.Contains(hist, "amount in window") {
		t.Errorf("histogram is not of amount: %.300s", hist)
	}
	// serve hands the view the model's file reference: the grey bars are
	// the training set's, not the previous window's.
	if !strings.Contains(hist, "reference file reference.csv") {
		t.Errorf("histogram's reference is not the demo's file: %.600s", hist)
	}
	ref, cur := strings.Count(hist, `class="bar reference"`), strings.Count(hist, `class="bar current"`)
	if ref != drift.NumBins || cur != drift.NumBins {
		t.Errorf("histogram has %d reference and %d current bars, want %d each", ref, cur, drift.NumBins)
	}
	if !strings.Contains(dom, `<tr class="alert firing">`) || !strings.Contains(dom, `href="/alerts?model=`+synthModel) {
		t.Error("the firing alert or the link to /alerts is missing")
	}

	shot := filepath.Join(artifactDir(t), "view.png")
	chromium(t, bin, "--screenshot="+shot, "--window-size=1280,1500", url)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	// Painted, not only parsed: the statistic's blue and the drifted red
	// (style.css) cover some pixels.
	colours := map[string][3]uint32{"statistic blue": {0x1f, 0x5f, 0xbf}, "drifted red": {0xb0, 0x00, 0x20}}
	for name, c := range colours {
		n := 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				if near(r>>8, c[0]) && near(g>>8, c[1]) && near(bl>>8, c[2]) {
					n++
				}
			}
		}
		if n < 200 {
			t.Errorf("screenshot has %d pixels of the %s, want the charts to paint it", n, name)
		}
	}
	t.Logf("screenshot: %s", shot)
}

func near(a, b uint32) bool { return a+8 >= b && b+8 >= a }

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
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
