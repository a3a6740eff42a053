package demo

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/server"
)

const (
	demoPredictions = "predictions"
	demoLabels      = "labels"
	demoDeadLetter  = "driftmon-dead-letter"
)

// demoData is what the demo replays: a reference file, a model config, and
// the events.
type demoData struct {
	model     string
	modelYAML string
	events    [][]byte
	windows   int // windows the stream makes, so the demo knows when it is done
	// pauseAfter is the index of the event after which the producer goes
	// quiet for pause (0: it never does), for the freshness check.
	pauseAfter int
	pause      time.Duration
	// labels go to the labels topic, each after the event of index
	// after; labelled is how many land in each window (0-based), so the
	// demo knows when every window's performance is complete.
	labels   []demoLabel
	labelled map[int]int
	// injectErrors sends three malformed records halfway, which must end
	// up in the dead-letter topic.
	injectErrors bool
	// notes are printed before the run: how the demo named the columns of
	// a user's file.
	notes []string
}

// demoLabel is one label event and when the producer sends it.
type demoLabel struct {
	after int
	value []byte
}

// Options are the demo's flags.
type Options struct {
	// JSON prints JSON lines only (logs go to the logger).
	JSON bool
	// Data replays this CSV file instead of the synthetic model: the first
	// 10% of rows are the reference, Rows rows a window.
	Data string
	Rows int
	// Ignore (comma-separated), Label and Prediction name columns of Data
	// (csvdemo.go, columns.go): left out, the true outcome, the model's
	// output.
	Ignore, Label, Prediction string
	// InjectErrors sends three malformed records with Data as well; the
	// synthetic model always does.
	InjectErrors bool
	Timeout      time.Duration
	// Listen is the HTTP address of the view, the API and /metrics.
	Listen string
	// Stay keeps serving after the run, until ctx ends.
	Stay bool
	// LogLevel is the level of the logs Run writes to its log writer;
	// LogFormat their format, text (the default) or json.
	LogLevel, LogFormat string

	// clock is the service's time and the producer's pause (the wall
	// clock when nil; tests set one that moves only when the demo sleeps).
	clock clock
}

// Register defines the demo's flags on fs, with their defaults.
func (o *Options) Register(fs *flag.FlagSet) {
	fs.BoolVar(&o.JSON, "json", false, "print JSON lines only (logs go to stderr)")
	fs.StringVar(&o.Data, "data", "", "replay this CSV file instead of the synthetic model: the first 10% of rows are the reference")
	fs.IntVar(&o.Rows, "window", 2000, "rows per window when replaying --data")
	fs.StringVar(&o.Ignore, "ignore", "", "with --data: comma-separated columns to leave out (a time index, an id)")
	fs.StringVar(&o.Label, "label", "", "with --data: the column of true outcomes, sent on the labels topic one window later (needs --prediction)")
	fs.StringVar(&o.Prediction, "prediction", "", "with --data: the column of the model's output (text: class; numbers in [0, 1]: score; other numbers: regression)")
	fs.BoolVar(&o.InjectErrors, "inject-errors", false, "with --data: also send three malformed records, which go to the dead-letter topic (the synthetic model always does)")
	fs.DurationVar(&o.Timeout, "timeout", 60*time.Second, "stop after this long whatever happened")
	fs.StringVar(&o.LogLevel, "log-level", "warn", "log level (logs go to stderr)")
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:0", "HTTP address of the view at /, the API and /metrics")
	fs.BoolVar(&o.Stay, "stay", false, "keep serving the view, the API and /metrics after the run, until interrupted")
}

// ErrUsage is wrapped by errors in the options themselves (a bad level, a
// data file that cannot be replayed, an address that cannot be listened
// on), as opposed to the run failing.
var ErrUsage = errors.New("usage")

func usage(err error) error { return usageError{err} }

// usageError says what is wrong as err does, and is ErrUsage.
type usageError struct{ err error }

func (e usageError) Error() string   { return e.err.Error() }
func (e usageError) Unwrap() []error { return []error{ErrUsage, e.err} }

// Run runs the whole pipeline on one machine: an in-process broker, the
// service on an embedded store, a webhook receiver, and a producer of the
// synthetic model's stream (or of o.Data), printing each window's
// verdicts, alerts and deliveries to stdout and logging to logs.
func Run(ctx context.Context, o Options, stdout, logs io.Writer) error {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.LogLevel)); err != nil {
		return usage(fmt.Errorf("--log-level %q: %w", o.LogLevel, err))
	}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: lvl}))
	if o.LogFormat == "json" {
		log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: lvl}))
	}
	dir, err := os.MkdirTemp("", "driftmon-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	var dd *demoData
	switch {
	case o.Data != "":
		dd, err = csvDemo(ctx, o, dir)
	case o.Ignore != "" || o.Label != "" || o.Prediction != "":
		err = errors.New("--ignore, --label and --prediction name columns of --data: give it too")
	default:
		dd, err = synthDemo(dir)
	}
	if err != nil {
		return usage(err)
	}

	// The run ends at --timeout; with --stay the service (and its view)
	// outlives it, until the user interrupts.
	interrupt := ctx
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	clk := o.clock
	if clk == nil {
		clk = wallClock{}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port),
		kfake.SeedTopics(1, demoPredictions, demoLabels, demoDeadLetter))
	if err != nil {
		return fmt.Errorf("start the in-process broker: %w", err)
	}
	defer cluster.Close()
	broker := cluster.ListenAddrs()[0]

	pr := &demoPrinter{out: stdout, json: o.JSON, firstDrift: map[string]int64{}, driftCount: map[string]int{},
		done: make(chan struct{}), want: dd.windows, wantLabelled: dd.labelled, labelled: map[int64]uint64{}}
	recv, secretFile, err := startDemoReceiver(dir, pr)
	if err != nil {
		return fmt.Errorf("start the receiver: %w", err)
	}
	defer recv.close()

	cfgYAML := fmt.Sprintf(`kafka:
  brokers: [%q]
  group_id: driftmon-demo
  predictions_topic: %s
  labels_topic: %s
  dead_letter_topic: %s
  checkpoint_interval: %s
storage:
  backend: embedded
  embedded: {path: %q}
http: {listen: "127.0.0.1:0"}
models:
%s%s`, broker, demoPredictions, demoLabels, demoDeadLetter, demoCheckpoint, filepath.Join(dir, "store"), dd.modelYAML,
		demoAlerting(recv.url, secretFile))
	cfg, err := config.Parse([]byte(cfgYAML), dir)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}

	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return usage(fmt.Errorf("--listen: %w", err))
	}
	ready := make(chan struct{})
	svcParent := ctx
	if o.Stay {
		svcParent = interrupt
	}
	svcCtx, stopSvc := context.WithCancel(svcParent)
	defer stopSvc()
	svcErr := make(chan error, 1)
	go func() {
		svcErr <- server.Run(svcCtx, cfg, server.Options{Logger: log, Observers: []pipeline.Observer{pr.window}, Alerts: pr.alert,
			Listener: ln, TickInterval: demoTick, HeartbeatInterval: 300 * time.Millisecond,
			SessionTimeout: 6 * time.Second, RebalanceTimeout: 2 * time.Second, Ready: ready, Clock: clk.Now})
	}()
	select {
	case <-ready:
	case err := <-svcErr:
		return fmt.Errorf("service: %w", err)
	}
	pr.info("driftmon demo: broker %s, HTTP http://%s (metrics at /metrics), %d events of model %q", broker, ln.Addr(), len(dd.events), dd.model)
	for _, n := range dd.notes {
		pr.info("driftmon demo: %s", n)
	}

	metricsURL := "http://" + ln.Addr().String() + "/metrics"
	sent, err := produce(ctx, broker, dd, func(ctx context.Context, sent int) error {
		// The freshness check. The model goes quiet only once the service
		// has taken everything sent so far, however far behind it was, so
		// that the silence it sees is the pause: its open window closes
		// for idleness, then the check fails, and only then does the
		// stream resume.
		if err := waitHandled(ctx, metricsURL, sent); err != nil {
			return err
		}
		stored := pr.seen()
		if err := clk.Sleep(ctx, demoIdleTimeout+demoTick); err != nil {
			return err
		}
		if err := pr.until(ctx, func() bool { return pr.n > stored }); err != nil {
			return err
		}
		if err := clk.Sleep(ctx, dd.pause-demoIdleTimeout-demoTick); err != nil {
			return err
		}
		return pr.until(ctx, func() bool { return pr.stale })
	})
	if err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	// The stream has ended: time alone closes its last window now.
	settleCtx, stopSettle := context.WithCancel(ctx)
	var settling sync.WaitGroup
	defer settling.Wait()
	defer stopSettle()
	settling.Go(func() {
		// It fails only when its context ends, which the select below
		// reports.
		_ = settle(settleCtx, clk, metricsURL, sent, pr)
	})
	select {
	case <-pr.done:
	case <-ctx.Done():
		pr.info("driftmon demo: stopped after %s with %d of %d windows", o.Timeout, pr.seen(), dd.windows)
	case err := <-svcErr:
		return fmt.Errorf("service stopped: %w", err)
	}
	// The dispatcher sends in the background: give it time to deliver
	// what the last windows fired before stopping.
	if !pr.waitDelivered(time.Now().Add(10 * time.Second)) {
		pr.info("driftmon demo: some notifications were not delivered in time")
	}
	if !o.Stay {
		stopSvc()
		<-svcErr
	}
	rejected := deadLetters(broker)
	pr.summary(dd, rejected)
	if o.Stay {
		pr.info("driftmon demo: serving the view at http://%s/, the API and /metrics until interrupted", ln.Addr())
		select {
		case <-interrupt.Done():
			stopSvc()
			<-svcErr
		case err := <-svcErr:
			return fmt.Errorf("service stopped: %w", err)
		}
	}
	return nil
}

// produce writes the events, keyed by model as the contract says, plus
// (dd.injectErrors) three malformed records that must end up in the
// dead-letter topic, and the labels; it calls quiet with the number of records sent so far where the
// producer goes quiet, and returns how many it sent in all.
func produce(ctx context.Context, broker string, dd *demoData, quiet func(ctx context.Context, sent int) error) (sent int, err error) {
	w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: demoPredictions, BatchSize: 1000, Balancer: &kafka.Murmur2Balancer{},
		BatchTimeout: 5 * time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer w.Close()
	lw := &kafka.Writer{Addr: kafka.TCP(broker), Topic: demoLabels, BatchSize: 1000, Balancer: &kafka.Murmur2Balancer{},
		BatchTimeout: 5 * time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer lw.Close()
	key := []byte(dd.model)
	nextLabel := 0
	// sendLabels writes the labels due once event i is out.
	sendLabels := func(i int) error {
		var ls []kafka.Message
		for ; nextLabel < len(dd.labels) && dd.labels[nextLabel].after <= i; nextLabel++ {
			ls = append(ls, kafka.Message{Key: key, Value: dd.labels[nextLabel].value})
		}
		if len(ls) == 0 {
			return nil
		}
		if err := lw.WriteMessages(ctx, ls...); err != nil {
			return err
		}
		sent += len(ls)
		return nil
	}
	bad := [][]byte{
		[]byte(`{"model": "` + dd.model + `", "features": `),              // truncated JSON
		[]byte(`{"model": "` + dd.model + `", "timestamp": "yesterday"}`), // bad timestamp
		[]byte(`{"model": "no-such-model", "features": {}}`),              // unknown model
	}
	msgs := make([]kafka.Message, 0, 1000)
	for i, ev := range dd.events {
		msgs = append(msgs, kafka.Message{Key: key, Value: ev})
		if dd.injectErrors && i == len(dd.events)/2 {
			for j, b := range bad {
				k := key
				if j == len(bad)-1 {
					k = []byte("no-such-model") // keyed right, but not configured
				}
				msgs = append(msgs, kafka.Message{Key: k, Value: b})
			}
		}
		pause := dd.pause > 0 && i == dd.pauseAfter
		if len(msgs) >= 1000 || i == len(dd.events)-1 || pause {
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				return sent, err
			}
			sent += len(msgs)
			msgs = msgs[:0]
			if err := sendLabels(i); err != nil {
				return sent, err
			}
		}
		if pause {
			if err := quiet(ctx, sent); err != nil {
				return sent, err
			}
		}
	}
	return sent, nil
}

// deadLetters counts the records in the dead-letter topic.
func deadLetters(broker string) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := kafka.DialLeader(ctx, "tcp", broker, demoDeadLetter, 0)
	if err != nil {
		return -1
	}
	defer conn.Close()
	first, last, err := conn.ReadOffsets()
	if err != nil {
		return -1
	}
	return last - first
}

func synthDemo(dir string) (*demoData, error) {
	ref := filepath.Join(dir, "reference.csv")
	f, err := os.Create(ref)
	if err != nil {
		return nil, err
	}
	if err := writeSynthReference(f, 7, synthReferenceLen); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	var feats strings.Builder
	for _, sf := range synthFeatures {
		fmt.Fprintf(&feats, "      %s: %s\n", sf.name, sf.kind)
	}
	events, pauseAfter, labels, labelled := synthEvents(11)
	return &demoData{
		labels:   labels,
		labelled: labelled,
		model:    synthModel,
		modelYAML: fmt.Sprintf(`  - name: %s
    window: {duration: %s}
    allowed_lateness: 1m
    idle_timeout: %s
    quality: {freshness: %s}
    reference: {file: %q}
    prediction: score
    features:
%s`, synthModel, synthWindow, demoIdleTimeout, synthFreshness, ref, feats.String()),
		events:  events,
		windows: synthWindows,
		// The synthetic stream shows every path an event can take, the
		// dead-letter topic included; its data are the demo's own.
		injectErrors: true,
		pauseAfter:   pauseAfter,
		pause:        synthQuietFor,
	}, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// demoPrinter prints each stored window as it happens.
type demoPrinter struct {
	out  io.Writer
	json bool
	want int

	mu         sync.Mutex
	enqueued   int // alert messages, and those the receiver got
	delivered  int
	n          int
	drifted    int
	firstDrift map[string]int64 // family:feature -> first drifted window (0-based)
	stale      bool             // the model failed its freshness check and has not sent since
	driftCount map[string]int
	done       chan struct{}
	// wantLabelled is, per window (0-based), the labels the producer
	// sends for it; labelled the most joined so far, by window seq; first
	// the first window's seq, to number them.
	wantLabelled map[int]int
	labelled     map[int64]uint64
	shown        map[int64]bool // windows whose complete concept line the text printed
	first        *int64
	complete     bool
}

// until waits until cond holds; cond reads the printer's state, under its
// lock.
func (p *demoPrinter) until(ctx context.Context, cond func() bool) error {
	for {
		p.mu.Lock()
		ok := cond()
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (p *demoPrinter) seen() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func (p *demoPrinter) info(format string, a ...any) {
	if p.json {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, format+"\n", a...)
}

type demoFeature struct {
	Name      string  `json:"name"`
	Drifted   bool    `json:"drifted"`
	Method    string  `json:"method"`
	Statistic float64 `json:"statistic"`
	Threshold float64 `json:"threshold"`
}

func (p *demoPrinter) window(w *drift.WindowSummary, results []drift.Result) {
	if w == nil {
		p.freshnessLine(results)
		p.conceptLine(results)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.first == nil {
		seq := w.Seq
		p.first = &seq
	}
	var cov, prior []demoFeature
	for _, r := range results {
		if !r.Decision {
			continue
		}
		f := demoFeature{Name: r.Feature, Drifted: r.Drifted, Method: r.Method, Statistic: r.Statistic, Threshold: r.Threshold}
		switch r.Family {
		case drift.Covariate:
			cov = append(cov, f)
		case drift.Prior:
			prior = append(prior, f)
		}
		if r.Drifted {
			key := string(r.Family) + ":" + r.Feature
			if _, ok := p.firstDrift[key]; !ok {
				p.firstDrift[key] = int64(p.n)
			}
			p.driftCount[key]++
		}
	}
	drifted := false
	for _, f := range append(cov, prior...) {
		drifted = drifted || f.Drifted
	}
	if drifted {
		p.drifted++
	}
	if p.json {
		b, _ := json.Marshal(map[string]any{"type": "window", "model": w.Model, "window_seq": w.Seq,
			"window_start": w.Start, "window_end": w.End, "n": w.Events, "features": nonNil(cov), "prior": nonNil(prior)})
		fmt.Fprintln(p.out, string(b))
	} else {
		var parts []string
		for _, f := range append(cov, prior...) {
			if f.Drifted {
				parts = append(parts, fmt.Sprintf("%s %s=%.3f>%.3f", f.Name, f.Method, f.Statistic, f.Threshold))
			}
		}
		verdict := "no drift"
		if len(parts) > 0 {
			verdict = "DRIFT " + strings.Join(parts, ", ")
		}
		fmt.Fprintf(p.out, "window %-8s %s .. %s  n=%-5d %s\n", w.Model,
			w.Start.Format("2006-01-02 15:04"), w.End.Format("15:04"), w.Events, verdict)
	}
	p.qualityLine(w, results)
	p.estimateLine(w, results)
	p.n++
	p.checkDone()
}

// checkDone ends the run once every window is stored and, when the stream
// has labels, every window's performance counts all of them. The caller
// holds p.mu.
func (p *demoPrinter) checkDone() {
	if p.complete || p.n < p.want {
		return
	}
	if p.first != nil {
		for w, n := range p.wantLabelled {
			if n > 0 && p.labelled[*p.first+int64(w)] < uint64(n) {
				return
			}
		}
	}
	p.complete = true
	close(p.done)
}

func nonNil(fs []demoFeature) []demoFeature {
	if fs == nil {
		return []demoFeature{}
	}
	return fs
}

func (p *demoPrinter) summary(dd *demoData, rejected int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]string, 0, len(p.firstDrift))
	for k := range p.firstDrift {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if p.json {
		first := map[string]any{}
		for _, k := range keys {
			first[k] = map[string]any{"first_window": p.firstDrift[k], "windows": p.driftCount[k]}
		}
		b, _ := json.Marshal(map[string]any{"type": "summary", "model": dd.model, "windows": p.n,
			"windows_expected": dd.windows, "windows_drifted": p.drifted, "drift": first, "dead_lettered": rejected})
		fmt.Fprintln(p.out, string(b))
		return
	}
	fmt.Fprintf(p.out, "\nsummary: %d of %d windows closed, %d with drift; %d malformed records sent to the dead-letter topic\n",
		p.n, dd.windows, p.drifted, rejected)
	for _, k := range keys {
		fmt.Fprintf(p.out, "  %-24s drifted in %d windows, first in window %d (0-based)\n", k, p.driftCount[k], p.firstDrift[k])
	}
	if len(keys) == 0 {
		fmt.Fprintln(p.out, "  no feature drifted")
	}
}
