package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/driftmon/driftmon/alerting"
	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/server"
	"github.com/driftmon/driftmon/storage/clickhouse"
)

// outage is a webhook receiver that answers 503 while down and accepts
// otherwise. Each instance posts to a path of its own (/a, /b), so the
// receiver knows who sent what.
type outage struct {
	mu       sync.Mutex
	down     bool
	attempts []delivery // every request, in arrival order
	accepted map[string][]string
}

type delivery struct {
	from, key, model string
	seq              int64
}

func (o *outage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var m alerting.Message
	_ = json.Unmarshal(body, &m)
	o.mu.Lock()
	defer o.mu.Unlock()
	d := delivery{from: r.URL.Path[1:], key: r.Header.Get("Idempotency-Key"), model: m.Model, seq: m.Window.Seq}
	o.attempts = append(o.attempts, d)
	if o.down {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	o.accepted[d.key] = append(o.accepted[d.key], d.from)
	w.WriteHeader(http.StatusAccepted)
}

func (o *outage) setDown(v bool) {
	o.mu.Lock()
	o.down = v
	o.mu.Unlock()
}

func (o *outage) snapshot() ([]delivery, map[string][]string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	acc := map[string][]string{}
	for k, v := range o.accepted {
		acc[k] = append([]string(nil), v...)
	}
	return append([]delivery(nil), o.attempts...), acc
}

// windowLog records which instance stored which model's windows: the
// owner of a model's partition is the one that writes them.
type windowLog struct {
	mu sync.Mutex
	by map[string]string // "model/seq" -> instance
}

func (l *windowLog) observer(instance string) func(w *drift.WindowSummary, _ []drift.Result) {
	return func(w *drift.WindowSummary, _ []drift.Result) {
		if w == nil {
			return
		}
		l.mu.Lock()
		l.by[fmt.Sprintf("%s/%d", w.Model, w.Seq)] = instance
		l.mu.Unlock()
	}
}

func (l *windowLog) writer(model string, seq int64) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.by[fmt.Sprintf("%s/%d", model, seq)]
}

// TestOnlyTheOwnerSendsAlerts runs two instances in one consumer group,
// each owning one of two partitions (m on 0, m2 on 1), with a rule that
// notifies on every window and a receiver that is down. Only the instance
// that wrote a window tries to send its notification, though both read the
// whole outbox every 300 ms; when the receiver recovers, each notification
// is accepted exactly once, from its owner. Then the receiver goes down
// again, the owner of m stops with notifications pending, and the other
// instance, taking the partition over from its checkpoint (no event of m
// arrives after that), sends them.
//
// It runs on kfake and on a real broker of its own (TwoModelProducer
// writes to the topic named predictions).
func TestOnlyTheOwnerSendsAlerts(t *testing.T) {
	for _, kind := range testenv.OwnBrokers() {
		t.Run(kind.Name, func(t *testing.T) { onlyTheOwnerSendsAlerts(t, kind.Open(t)) })
	}
}

func onlyTheOwnerSendsAlerts(t *testing.T, b *testenv.Broker) {
	began := time.Now()
	step := func(what string) { t.Logf("%s: %s", what, time.Since(began).Round(100*time.Millisecond)) }
	chAddr, db, _ := testenv.ClickHouseDB(t)
	createTestTopics(t, b, 2)
	broker := b.Addr
	recv := &outage{down: true, accepted: map[string][]string{}}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	dir := t.TempDir()
	secret := filepath.Join(dir, "webhook-secret")
	if err := os.WriteFile(secret, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	const window = 200 * time.Second
	cfgPath := testConfig(t, dir, broker,
		fmt.Sprintf("  backend: clickhouse\n  clickhouse: {addr: [%q], database: %s}", chAddr, db), "127.0.0.1:0", window)
	// A repeat interval shorter than a window: every window of a firing
	// model is one notification.
	alertingYAML := fmt.Sprintf(`alerting:
  receivers:
    - name: hook
      webhook: {url: %q, secret_file: %q}
  rules:
    - name: every-window
      models: ["*"]
      match: {family: covariate, feature: x}
      condition: "statistic >= 0"
      repeat_interval: 1ms
      receivers: [hook]
`, srv.URL+"/PATH", secret)
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, append(raw, alertingYAML...), 0o600); err != nil {
		t.Fatal(err)
	}
	load := func(instance string) *config.Config {
		cfg, err := config.Load(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		m2 := cfg.Models[0]
		m2.Name = "m2"
		cfg.Models = append(cfg.Models, m2)
		cfg.Alerting.Receivers[0].Webhook.URL = srv.URL + "/" + instance
		return cfg
	}

	windows := &windowLog{by: map[string]string{}}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	start := func(instance string) (stop func()) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- server.Run(ctx, load(instance), server.Options{Listener: ln, Logger: quiet, TickInterval: 50 * time.Millisecond,
				HeartbeatInterval: 200 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 3 * time.Second,
				DispatchPoll: 300 * time.Millisecond, Observers: []pipeline.Observer{windows.observer(instance)}})
		}()
		testenv.WaitFor(t, 30*time.Second, instance+" in the group", func() (bool, error) {
			resp, err := http.Get("http://" + ln.Addr().String() + "/readyz")
			if err != nil {
				return false, err
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK, nil
		})
		var once sync.Once
		stop = func() {
			once.Do(func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("serve %s: %v", instance, err)
				}
			})
		}
		t.Cleanup(stop)
		return stop
	}

	base := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	events, want := testStream(2400, base, window)
	produceBoth := testenv.TwoModelProducer(t, broker, events)
	produce := func(from, to int) { produceBoth(from, to, 0) }
	ctx := context.Background()
	store, err := clickhouse.Open(ctx, clickhouse.Options{Addr: []string{chAddr}, Database: db, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	pending := func() (map[string]bool, error) {
		ns, err := store.PendingNotifications(ctx)
		out := map[string]bool{}
		for _, n := range ns {
			out[n.ID] = true
		}
		return out, err
	}
	// Every request so far came from the instance that wrote the window.
	fromOwners := func(attempts []delivery) {
		t.Helper()
		for _, d := range attempts {
			if owner := windows.writer(d.model, d.seq); d.from != owner {
				t.Fatalf("%s sent %s (%s window %d), which %q wrote", d.from, d.key, d.model, d.seq, owner)
			}
		}
	}

	stops := map[string]func(){}
	stops["a"] = start("a")
	stops["b"] = start("b") // both in the group before any event: one partition each
	produce(0, len(events)/2)
	// Both models' first notifications are retried, each by its owner,
	// while both instances read the whole outbox three times a second.
	testenv.WaitFor(t, 60*time.Second, "retries from both instances", func() (bool, error) {
		attempts, _ := recv.snapshot()
		n := map[string]int{}
		for _, d := range attempts {
			n[d.from]++
		}
		return n["a"] >= 3 && n["b"] >= 3, nil
	})
	step("retries from both instances")
	attempts, _ := recv.snapshot()
	fromOwners(attempts)
	var ownerM, ownerM2 string
	for _, d := range attempts {
		if d.model == "m" {
			ownerM = windows.writer("m", d.seq)
		} else {
			ownerM2 = windows.writer("m2", d.seq)
		}
	}
	if ownerM == ownerM2 {
		t.Fatalf("%s owns both partitions; the test needs one each", ownerM)
	}

	recv.setDown(false)
	testenv.WaitFor(t, 60*time.Second, "every notification sent", func() (bool, error) {
		p, err := pending()
		_, acc := recv.snapshot()
		return err == nil && len(p) == 0 && len(acc) > 0, err
	})
	step("every notification sent")
	attempts, acc := recv.snapshot()
	fromOwners(attempts)
	for key, from := range acc {
		if len(from) != 1 {
			t.Errorf("notification %s accepted %d times (from %v), want once", key, len(from), from)
		}
	}
	sentBefore := len(acc)

	// Down again, with the second half of the stream: the owner of m
	// enqueues and retries m's notifications, then stops.
	recv.setDown(true)
	produce(len(events)/2, len(events))
	mark := len(attempts)
	testenv.WaitFor(t, 60*time.Second, ownerM+" retrying m's new notifications", func() (bool, error) {
		attempts, _ := recv.snapshot()
		for _, d := range attempts[mark:] {
			if d.model == "m" && d.from == ownerM {
				return true, nil
			}
		}
		return false, nil
	})
	step(ownerM + " retrying m's new notifications")
	// Every window of m is written (the last closes when m goes idle) and
	// no event of m follows: the other instance learns that m is its own
	// from the checkpoint it restores.
	testenv.WaitFor(t, 60*time.Second, "every window of m", func() (bool, error) {
		for seq := range want {
			if windows.writer("m", seq) == "" {
				return false, nil
			}
		}
		return true, nil
	})
	step("every window of m")
	other := ownerM2
	stops[ownerM]()
	ns, err := store.PendingNotifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	left := map[string]bool{} // m's notifications its owner left pending
	for _, n := range ns {
		var m alerting.Message
		if err := json.Unmarshal(n.Payload, &m); err != nil {
			t.Fatal(err)
		}
		if m.Model == "m" {
			left[n.ID] = true
		}
	}
	attempts, _ = recv.snapshot()
	afterStop := len(attempts)
	// Its receiver's queue is held up by its own head entry until the
	// receiver recovers; then it sends what the stopped owner left too.
	recv.setDown(false)
	testenv.WaitFor(t, 60*time.Second, "every notification sent after the take-over", func() (bool, error) {
		p, err := pending()
		if err != nil || len(p) > 0 {
			return false, err
		}
		for key := range left {
			if _, acc := recv.snapshot(); len(acc[key]) == 0 {
				return false, nil
			}
		}
		return true, nil
	})
	step("every notification sent after the take-over")
	attempts, acc = recv.snapshot()
	for _, d := range attempts[afterStop:] {
		if d.from != other {
			t.Fatalf("%s sent %s after it stopped", d.from, d.key)
		}
	}
	for key, from := range acc {
		if len(from) != 1 {
			t.Errorf("notification %s accepted %d times (from %v), want once", key, len(from), from)
		}
	}
	for key := range left {
		if from := acc[key]; len(from) != 1 || from[0] != other {
			t.Errorf("left pending by %s: %s accepted from %v, want once from %s", ownerM, key, from, other)
		}
	}
	if len(acc) <= sentBefore || len(left) == 0 {
		t.Errorf("%d sent before the stop, %d after, %d left pending by %s: the test proved nothing", sentBefore, len(acc), len(left), ownerM)
	}
}
