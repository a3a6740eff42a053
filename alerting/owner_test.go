package alerting_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/driftmon/driftmon/alerting"
	"github.com/driftmon/driftmon/drift"
)

// ownedSet is the models an instance's partitions hold, as a test sets
// them.
type ownedSet struct {
	mu sync.Mutex
	m  map[string]bool
	// asked, when set, hears each model asked about.
	asked chan string
}

func (o *ownedSet) Owns(model string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.asked != nil {
		select {
		case o.asked <- model:
		default:
		}
	}
	return o.m[model]
}

func (o *ownedSet) set(model string, owned bool) {
	o.mu.Lock()
	o.m[model] = owned
	o.mu.Unlock()
}

// enqueueModel fires one alert of model through an engine: one outbox entry
// for receiver hook.
func enqueueModel(t *testing.T, st alerting.Store, model string) string {
	t.Helper()
	e := newEngine(st, rule("feature-drift", 1, 0, "hook"))
	w := window(0)
	w.Model = model
	msgs := process(t, e, w, []drift.Result{verdict(w, "amount", true)}, w.End)
	if len(msgs) != 1 {
		t.Fatalf("%s: %d messages, want 1", model, len(msgs))
	}
	return msgs[0].ID
}

// Of two instances reading one outbox, each sends only the entries of the
// models it owns; the others stay pending until their owner (here: this
// instance, once it takes the model) sends them.
func TestDispatcherSendsOnlyOwnedModels(t *testing.T) {
	recv := newFlaky()
	srv := httptest.NewServer(recv)
	defer srv.Close()
	st := openStore(t, t.TempDir())
	fraud, churn := enqueueModel(t, st, "fraud"), enqueueModel(t, st, "churn")
	own := &ownedSet{m: map[string]bool{"fraud": true}}
	d := alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Logger: quiet, Owner: own,
		Notifiers: map[string]alerting.Notifier{"hook": &alerting.Webhook{URL: srv.URL, Secret: recv.secret}}})
	if err := d.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	if recv.calls != 1 || recv.keys[fraud] != 1 || recv.keys[churn] != 0 {
		t.Fatalf("requests %v, want one for fraud's %s and none for churn's", recv.keys, fraud)
	}
	if n, _, _ := st.Notification(t.Context(), churn); n.Status != drift.NotificationPending || n.Attempts != 0 {
		t.Fatalf("churn's entry %+v: want pending, untried", n)
	}
	own.set("churn", true)
	if err := d.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	if recv.calls != 2 || recv.keys[fraud] != 1 || recv.keys[churn] != 1 {
		t.Fatalf("requests %v after taking churn: want one each", recv.keys)
	}
	if pending, _ := st.PendingNotifications(t.Context()); len(pending) != 0 {
		t.Errorf("still pending: %+v", pending)
	}
}

// A retry loop asks before every attempt: when the model's partition moves
// away during the receiver's outage, the loop stops and leaves the entry
// pending (not failed) for the new owner.
func TestDispatcherStopsRetryingWhenOwnershipMoves(t *testing.T) {
	recv := newFlaky(503, 503, 503, 503, 503)
	srv := httptest.NewServer(recv)
	defer srv.Close()
	st := openStore(t, t.TempDir())
	id := enqueueModel(t, st, "fraud")
	own := &ownedSet{m: map[string]bool{"fraud": true}}
	m := alerting.NewMetrics(prometheus.NewRegistry())
	waited := 0
	d := alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Logger: quiet, Owner: own, Metrics: m,
		Notifiers: map[string]alerting.Notifier{"hook": &alerting.Webhook{URL: srv.URL, Secret: recv.secret}},
		Sleep: func(ctx context.Context, _ time.Duration) bool {
			waited++
			if waited == 2 {
				own.set("fraud", false) // revoked during the second backoff
			}
			return true
		}})
	if err := d.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	if recv.calls != 2 || waited != 2 {
		t.Fatalf("%d attempts, %d waits; want 2 of each, then none once the partition moved", recv.calls, waited)
	}
	n, ok, err := st.Notification(t.Context(), id)
	if err != nil || !ok || n.Status != drift.NotificationPending {
		t.Fatalf("entry %+v, %v, %v: want still pending", n, ok, err)
	}
	if got := testutil.ToFloat64(m.Notifications().WithLabelValues("hook", "failed")); got != 0 {
		t.Errorf("counted %v failed, want 0", got)
	}
	if got := testutil.ToFloat64(m.Notifications().WithLabelValues("hook", "retried")); got != 2 {
		t.Errorf("counted %v retried, want 2", got)
	}
	// The new owner, reading the same outbox, sends it once the receiver
	// is back.
	recv.mu.Lock()
	recv.fail = nil
	recv.mu.Unlock()
	d2 := alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Logger: quiet, Owner: &ownedSet{m: map[string]bool{"fraud": true}},
		Notifiers: map[string]alerting.Notifier{"hook": &alerting.Webhook{URL: srv.URL, Secret: recv.secret}}})
	if err := d2.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(recv.got) != 1 || recv.got[id] == nil {
		t.Fatalf("accepted %d deliveries, want %s once", len(recv.got), id)
	}
	if n, _, _ := st.Notification(t.Context(), id); n.Status != drift.NotificationSent {
		t.Errorf("entry %+v: want sent", n)
	}
}

// WakeAll makes a running dispatcher read the outbox at once, without
// waiting for its poll: the instance has just taken a model over.
func TestDispatcherWakeAllOnTakeOver(t *testing.T) {
	got := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Idempotency-Key")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	st := openStore(t, t.TempDir())
	id := enqueueModel(t, st, "fraud")
	own := &ownedSet{m: map[string]bool{}, asked: make(chan string, 1)}
	d := alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Logger: quiet, Owner: own, Poll: time.Hour,
		Notifiers: map[string]alerting.Notifier{"hook": &alerting.Webhook{URL: srv.URL, Secret: []byte("s")}}})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-own.asked // the first read skipped it: not ours yet
	own.set("fraud", true)
	d.WakeAll()
	select {
	case key := <-got:
		if key != id {
			t.Fatalf("sent %s, want %s", key, id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("not sent after WakeAll (the poll is an hour)")
	}
}
