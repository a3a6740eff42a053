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
	"slices"
	"strconv"
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
// (statistic and threshold) and its time and value axes' labels, the
// histogram holds reference and current bars for each bin of the drifted
// feature, amount and country are marked drifted and age is not, the
// alert that fired is listed, and the data-quality and ingest sections
// show the demo's breakages and dead letters. Then it chooses window 10,
// whose distances come in metres: that window's page shows its failed
// range check and the outer bin's observed max. Both screenshots must
// show the charts' colours, so the pages also painted; they are the
// README's (DRIFTMON_ARTIFACTS=docs).
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
	checkAxes(t, charts)
	// The newest window sends half the events (demo quality.go): its
	// volume check failed, and the quality section says so.
	if !regexp.MustCompile(`<tr class="check failed" data-check="volume" data-feature="\(window\)">`).MatchString(dom) {
		t.Error("the newest window's failed volume check is not shown")
	}
	// produce sends three malformed records, each rejected for its own
	// reason (truncated JSON, a timestamp of "yesterday", a model not
	// configured), and window 6 gets synthLateEvents events of window 0.
	// The lag table's rows come with the consumer's next lag tick, which
	// no test waits for: only the table is asked for.
	for _, want := range []string{"3 records dead-lettered", "1 malformed_json", "1 invalid_timestamp", "1 unknown_model",
		fmt.Sprintf("%s: %d events late", synthModel, synthLateEvents), `<table class="lag">`,
		"Consumer lag of " + synthModel + ": ",
		// Two of the three are keyed with the model's name; the unknown
		// model's record is keyed with its own.
		"2 records keyed " + synthModel + " dead-lettered"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the ingest section lacks %q", want)
		}
	}

	shot := filepath.Join(artifactDir(t), "view.png")
	chromium(t, bin, "--screenshot="+shot, "--window-size=1280,2300", url)
	checkPainted(t, shot)
	t.Logf("screenshot: %s", shot)

	// Window 10 sends distance_km in metres: chosen, its page shows that
	// window everywhere, the failed out-of-range check, and the outer
	// bin's range running a thousand times past the reference's.
	w10 := synthStart.Add(synthUnitAt * synthWindow)
	seq := w10.Unix() / int64(synthWindow/time.Second) // duration windows: floor(start / duration)
	wurl := fmt.Sprintf("%s?model=%s&feature=distance_km&seq=%d", url, synthModel, seq)
	dom = string(chromium(t, bin, "--dump-dom", wurl))
	for _, want := range []string{
		fmt.Sprintf(`<section id="selected" data-seq="%d">`, seq),
		fmt.Sprintf("distance_km in window %s", w10.Format("2006-01-02 15:04Z")),
		`<tr class="check failed" data-check="out_of_range_share" data-feature="distance_km">`,
		`<line class="selected"`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("window %d's page lacks %s", seq, want)
		}
	}
	checkOuterBins(t, dom)
	shot = filepath.Join(artifactDir(t), "view-window.png")
	chromium(t, bin, "--screenshot="+shot, "--window-size=1280,2300", wurl)
	checkPainted(t, shot)
	t.Logf("screenshot: %s", shot)
}

// checkAxes: every chart chromium built has its time axis, a label on
// each whole hour the demo's windows span (they start every 30 minutes
// from synthStart: 00:00 to 05:30, so 00:00 to 05:00), and a value axis
// from 0 whose top tick is at or above every statistic and threshold its
// points' titles say.
func checkAxes(t *testing.T, charts map[string]string) {
	t.Helper()
	var hours []string
	last := synthStart.Add((synthWindows - 1) * synthWindow)
	for h := synthStart; !h.After(last); h = h.Add(time.Hour) {
		hours = append(hours, h.Format("15:04"))
	}
	xRE := regexp.MustCompile(`<text class="tick x"[^>]*>([^<]*)</text>`)
	yRE := regexp.MustCompile(`<text class="tick y"[^>]*>([^<]*)</text>`)
	titleRE := regexp.MustCompile(`<title>seq \d+, [^:]+:\d+Z: \S+ (\S+) vs threshold (\S+),`)
	for name, c := range charts {
		var xs []string
		for _, m := range xRE.FindAllStringSubmatch(c, -1) {
			xs = append(xs, m[1])
		}
		if !slices.Equal(xs, hours) {
			t.Errorf("%s: time axis %v, want %v", name, xs, hours)
		}
		var ys []float64
		for _, m := range yRE.FindAllStringSubmatch(c, -1) {
			v, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				t.Errorf("%s: value tick %q: %v", name, m[1], err)
			}
			ys = append(ys, v)
		}
		if len(ys) < 2 || ys[0] != 0 || !slices.IsSorted(ys) {
			t.Errorf("%s: value axis %v, want rising ticks from 0", name, ys)
			continue
		}
		titles := titleRE.FindAllStringSubmatch(c, -1)
		if len(titles) == 0 {
			t.Errorf("%s: no point has a title with its values", name)
		}
		for _, m := range titles {
			for _, v := range m[1:] {
				if x, err := strconv.ParseFloat(v, 64); err != nil || x > ys[len(ys)-1] {
					t.Errorf("%s: a point's value %q is off the axis (top %v)", name, v, ys[len(ys)-1])
				}
			}
		}
	}
}

// checkOuterBins: the histogram's axis ends with the outer bins' observed
// min and max, and the max lies past the last edge, as the values of the
// top bin do.
func checkOuterBins(t *testing.T, dom string) {
	t.Helper()
	hist := dom[strings.Index(dom, `<section id="histogram">`):]
	hist = hist[:strings.Index(hist, "</section>")]
	edgeRE := regexp.MustCompile(`<text class="tick x middle"[^>]*>([^<]*)</text>`)
	maxRE := regexp.MustCompile(`<text class="tick x end outer"[^>]*>max ([^<]*)</text>`)
	edges, mx := edgeRE.FindAllStringSubmatch(hist, -1), maxRE.FindStringSubmatch(hist)
	if len(edges) != drift.NumBins-1 || mx == nil {
		t.Fatalf("histogram axis: %d edges and max %q, want %d edges and a max", len(edges), mx, drift.NumBins-1)
	}
	top, err1 := strconv.ParseFloat(edges[len(edges)-1][1], 64)
	m, err2 := strconv.ParseFloat(mx[1], 64)
	// The demo sends this window's distances in metres, a thousand
	// times the reference's kilometres: its max is far past the last edge.
	if err1 != nil || err2 != nil || m < 100*top {
		t.Errorf("outer bin's max %q vs last edge %q: want the metres' max, 100 times past it", mx[1], edges[len(edges)-1][1])
	}
	if !strings.Contains(hist, "this window: ") || !strings.Contains(hist, "in ["+edges[len(edges)-1][1]+", "+mx[1]+"]") {
		t.Errorf("the outer bins' ranges are not said: %.800s", hist)
	}
}

// checkPainted: the screenshot decodes and shows the statistic's blue and
// the drifted red (style.css) on some pixels, so the page painted, not
// only parsed.
func checkPainted(t *testing.T, shot string) {
	t.Helper()
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
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
			t.Errorf("%s has %d pixels of the %s, want the charts to paint it", shot, n, name)
		}
	}
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
