package alerting_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/driftmon/driftmon/alerting"
	"github.com/driftmon/driftmon/drift"
)

// verify is a webhook receiver's check, as the README shows it: the
// signature is HMAC-SHA256 of "TIMESTAMP.BODY", and a timestamp more than
// five minutes away is a replay.
func verify(secret []byte, r *http.Request, body []byte, now time.Time) bool {
	ts := r.Header.Get("X-Driftmon-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "." + string(body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(r.Header.Get("X-Driftmon-Signature")))
}

// flakyReceiver answers the first len(fail) requests with those statuses,
// then accepts; it keeps one delivery per idempotency key, as a receiver
// should.
type flakyReceiver struct {
	secret []byte
	mu     sync.Mutex
	fail   []int
	calls  int
	bad    int               // requests whose signature did not verify
	keys   map[string]int    // idempotency key -> requests
	got    map[string][]byte // accepted bodies by key
	hdrs   []http.Header
}

func (f *flakyReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.hdrs = append(f.hdrs, r.Header.Clone())
	if !verify(f.secret, r, body, time.Now()) || r.Header.Get("Content-Type") != "application/json" {
		f.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	f.keys[key]++
	if len(f.fail) > 0 {
		status := f.fail[0]
		f.fail = f.fail[1:]
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "7")
		}
		http.Error(w, "try later", status)
		return
	}
	if _, dup := f.got[key]; !dup {
		f.got[key] = body
	}
	w.WriteHeader(http.StatusAccepted)
}

func newFlaky(fail ...int) *flakyReceiver {
	return &flakyReceiver{secret: []byte("s3cret"), fail: fail, keys: map[string]int{}, got: map[string][]byte{}}
}

// enqueue fires one alert through an engine, so the outbox holds a real
// message for receiver hook.
func enqueue(t *testing.T, st alerting.Store, seq int64) {
	t.Helper()
	e := newEngine(st, rule("feature-drift", 1, 0, "hook"))
	w := window(seq)
	process(t, e, w, []drift.Result{verdict(w, "amount", true)}, w.End)
}

type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(_ context.Context, d time.Duration) bool {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return true
}

func TestWebhookRetriesUntilAccepted(t *testing.T) {
	tests := []struct {
		name      string
		fail      []int
		wantCalls int
		wantState string
		wantWaits []time.Duration // exact waits; nil to check only the count
		nWaits    int
	}{
		{"accepted at once", nil, 1, drift.NotificationSent, nil, 0},
		{"5xx then 429 with Retry-After", []int{500, 503, 429}, 4, drift.NotificationSent, nil, 3},
		{"4xx is not retried", []int{400}, 1, drift.NotificationFailed, nil, 0},
		{"404 is not retried", []int{404}, 1, drift.NotificationFailed, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recv := newFlaky(tc.fail...)
			srv := httptest.NewServer(recv)
			defer srv.Close()
			st := openStore(t, t.TempDir())
			enqueue(t, st, 0)
			reg := prometheus.NewRegistry()
			m := alerting.NewMetrics(reg)
			var ws waits
			d := alerting.NewDispatcher(alerting.DispatcherConfig{
				Outbox:    st,
				Notifiers: map[string]alerting.Notifier{"hook": &alerting.Webhook{URL: srv.URL, Secret: recv.secret}},
				Metrics:   m, Logger: quiet,
				Sleep: func(ctx context.Context, d time.Duration) bool { return ws.sleep(ctx, d) },
			})
			if err := d.Drain(t.Context()); err != nil {
				t.Fatalf("Drain: %v", err)
			}
			if recv.calls != tc.wantCalls || recv.bad != 0 {
				t.Fatalf("%d calls (%d badly signed), want %d", recv.calls, recv.bad, tc.wantCalls)
			}
			if len(recv.keys) != 1 {
				t.Fatalf("idempotency keys %v: want one key across retries", recv.keys)
			}
			if tc.wantState == drift.NotificationSent && len(recv.got) != 1 {
				t.Fatalf("%d accepted deliveries, want exactly 1", len(recv.got))
			}
			if len(ws.d) != tc.nWaits {
				t.Fatalf("waits %v, want %d", ws.d, tc.nWaits)
			}
			if tc.nWaits == 3 {
				// 1 s backoff with jitter in [0.5, 1] s, then [1, 2] s,
				// then the receiver's Retry-After: 7 s.
				if ws.d[0] < 500*time.Millisecond || ws.d[0] > time.Second || ws.d[1] < time.Second || ws.d[1] > 2*time.Second || ws.d[2] != 7*time.Second {
					t.Errorf("waits %v, want [0.5s,1s], [1s,2s], 7s", ws.d)
				}
			}
			for key := range recv.keys {
				n, ok, err := st.Notification(t.Context(), key)
				if err != nil || !ok || n.Status != tc.wantState || n.Attempts != tc.wantCalls {
					t.Errorf("outbox entry %+v, %v, %v; want %s after %d attempts", n, ok, err, tc.wantState, tc.wantCalls)
				}
				if tc.wantState == drift.NotificationFailed && !strings.Contains(n.LastError, "try later") {
					t.Errorf("last error %q does not carry the receiver's answer", n.LastError)
				}
			}
			result := "sent"
			if tc.wantState == drift.NotificationFailed {
				result = "failed"
			}
			if got := testutil.ToFloat64(m.Notifications().WithLabelValues("hook", result)); got != 1 {
				t.Errorf("driftmon_notifications_total{result=%q} = %v, want 1", result, got)
			}
			if pending, _ := st.PendingNotifications(t.Context()); len(pending) != 0 {
				t.Errorf("still pending: %+v", pending)
			}
		})
	}
}

// The body a receiver gets is the documented payload.
func TestWebhookPayload(t *testing.T) {
	recv := newFlaky()
	srv := httptest.NewServer(recv)
	defer srv.Close()
	st := openStore(t, t.TempDir())
	enqueue(t, st, 0)
	d := alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Logger: quiet,
		Notifiers: map[string]alerting.Notifier{"hook": &alerting.Webhook{URL: srv.URL, Secret: recv.secret}}})
	if err := d.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	for key, body := range recv.got {
		var p map[string]any
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if p["id"] != key || p["status"] != "firing" || p["model"] != "fraud" || p["model_version"] != "7" {
			t.Errorf("payload %s", body)
		}
		alerts, _ := p["alerts"].([]any)
		if len(alerts) != 1 {
			t.Fatalf("payload alerts %v", p["alerts"])
		}
		a := alerts[0].(map[string]any)
		if a["feature"] != "amount" || a["method"] != "psi" || a["statistic"] != 0.3 || a["threshold"] != 0.2 || a["rule"] != "feature-drift" {
			t.Errorf("alert %v", a)
		}
	}
}

// Notifications enqueued but not sent before a restart are all sent after
// it, each once, on both stores.
func TestPendingDeliveredAfterRestart(t *testing.T) {
	for name, backend := range backends(t) {
		t.Run(name, func(t *testing.T) { testPendingDeliveredAfterRestart(t, backend(t)) })
	}
}

func testPendingDeliveredAfterRestart(t *testing.T, open func() durable) {
	st := open()
	for seq := range int64(3) {
		// Windows 0, 2, 4 fire; 1, 3 resolve: five messages.
		enqueue(t, st, 2*seq)
		if seq < 2 {
			e := newEngine(st, rule("feature-drift", 1, 0, "hook"))
			w := window(2*seq + 1)
			process(t, e, w, []drift.Result{verdict(w, "amount", false)}, w.End)
		}
	}
	// The receiver is down before the restart: nothing gets through.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	ctx, cancel := context.WithCancel(t.Context())
	attempts := 0
	d := alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Logger: quiet,
		Notifiers: map[string]alerting.Notifier{"hook": &alerting.Webhook{URL: down.URL, Secret: []byte("s3cret")}},
		Sleep: func(context.Context, time.Duration) bool {
			attempts++
			if attempts == 3 {
				cancel() // the process stops while retrying
			}
			return ctx.Err() == nil
		}})
	d.Drain(ctx)
	down.Close()
	st.Close()

	st = open()
	before, err := st.PendingNotifications(t.Context())
	if err != nil || len(before) != 5 {
		t.Fatalf("pending after restart = %d, %v; want 5", len(before), err)
	}
	recv := newFlaky()
	srv := httptest.NewServer(recv)
	defer srv.Close()
	d = alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Logger: quiet,
		Notifiers: map[string]alerting.Notifier{"hook": &alerting.Webhook{URL: srv.URL, Secret: recv.secret}}})
	if err := d.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(recv.got) != 5 || recv.calls != 5 {
		t.Fatalf("delivered %d in %d calls, want 5 in 5", len(recv.got), recv.calls)
	}
	// In order: each resolution after the firing it resolves.
	var order []string
	for _, h := range recv.hdrs {
		order = append(order, h.Get("Idempotency-Key"))
	}
	for i, n := range before {
		if order[i] != n.ID {
			t.Fatalf("delivery order %v, want the outbox's %v", order, before)
		}
	}
	if pending, _ := st.PendingNotifications(t.Context()); len(pending) != 0 {
		t.Errorf("still pending: %d", len(pending))
	}
	// Drained again (another restart): nothing is sent twice.
	if err := d.Drain(t.Context()); err != nil || recv.calls != 5 {
		t.Errorf("second drain: %d calls, %v; want still 5", recv.calls, err)
	}
}

// Run serves the outbox until its context ends, woken by the engine.
func TestDispatcherRun(t *testing.T) {
	recv := newFlaky()
	srv := httptest.NewServer(recv)
	defer srv.Close()
	st := openStore(t, t.TempDir())
	d := alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Logger: quiet,
		Notifiers: map[string]alerting.Notifier{"hook": &alerting.Webhook{URL: srv.URL, Secret: recv.secret}}})
	e := alerting.NewEngine(alerting.EngineConfig{Store: st, Logger: quiet, Wake: d.Wake,
		Alerting: newAlerting(rule("feature-drift", 1, 0, "hook"))})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	w := window(0)
	process(t, e, w, []drift.Result{verdict(w, "amount", true)}, w.End)
	deadline := time.Now().Add(10 * time.Second)
	for {
		recv.mu.Lock()
		n := len(recv.got)
		recv.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not delivered within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
