package alerting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/driftmon/driftmon/drift"
)

// Notifier delivers one message to one receiver. It returns what later
// messages need of the receiver's answer (a Slack thread) and, on failure,
// an error; a *DeliveryError says whether to retry. Notifiers do not retry
// themselves: the Dispatcher does.
type Notifier interface {
	Notify(ctx context.Context, m *Message, prior Prior) (response string, err error)
}

// Prior looks up an earlier notification's stored response, by ID.
type Prior func(ctx context.Context, id string) (response string, ok bool, err error)

// DeliveryError is a failed delivery, classified.
type DeliveryError struct {
	// Retry is false when the receiver refused the message as such (a 4xx
	// other than 429): sending it again cannot help.
	Retry bool
	// After is the receiver's Retry-After, zero when it gave none.
	After time.Duration
	// Status is the HTTP status, zero when there was no answer.
	Status int
	// Answer is the start of the receiver's answer, for the log.
	Answer string
	Err    error
}

func (e *DeliveryError) Error() string {
	switch {
	case e.Status != 0 && e.Answer != "":
		return fmt.Sprintf("status %d: %s", e.Status, e.Answer)
	case e.Status != 0:
		return fmt.Sprintf("status %d", e.Status)
	}
	return e.Err.Error()
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// Outbox is what the dispatcher needs of storage.
type Outbox interface {
	WriteNotifications(ctx context.Context, ns []drift.Notification) error
	PendingNotifications(ctx context.Context) ([]drift.Notification, error)
	Notification(ctx context.Context, id string) (n drift.Notification, ok bool, err error)
}

// Owner says whether this instance owns a model: holds the partition its
// events are keyed to, and so writes its windows and sends its alerts.
type Owner interface {
	Owns(model string) bool
}

// DispatcherConfig wires a Dispatcher.
type DispatcherConfig struct {
	Outbox    Outbox
	Notifiers map[string]Notifier
	// Owner, when set, limits the dispatcher to the models this instance
	// owns. Every instance of a consumer group reads the one outbox; were
	// each to send every entry, a notification pending while its receiver
	// is down would be retried, and at last sent, by all of them (Slack
	// has no idempotency key and would post it twice). Nil sends every
	// model's entries: one instance, or a one-shot tool.
	Owner   Owner
	Metrics *Metrics
	Logger  *slog.Logger
	// MinBackoff and MaxBackoff bound the wait between attempts (defaults
	// 1 s and 5 min); a Retry-After longer than MaxBackoff is honoured.
	MinBackoff, MaxBackoff time.Duration
	// Poll is how often the outbox is read without a wake-up (default
	// 30 s): entries another instance left, or a wake-up lost to a crash.
	Poll time.Duration
	// Timeout bounds one attempt (default 10 s).
	Timeout time.Duration
	// Sleep waits d or until ctx ends (false then); tests replace it to
	// see the waits without waiting.
	Sleep func(ctx context.Context, d time.Duration) bool
	Now   func() time.Time
}

// Dispatcher sends the outbox's pending notifications, in order per
// receiver: a resolution never overtakes the message it replies to. One
// goroutine serves each receiver, so a receiver that is down holds up only
// its own queue.
type Dispatcher struct {
	cfg DispatcherConfig
	log *slog.Logger
	// wake is written only by NewDispatcher; afterwards every goroutine
	// only reads it, so it needs no lock.
	wake map[string]chan struct{}
}

// NewDispatcher returns a Dispatcher; Run starts it.
func NewDispatcher(cfg DispatcherConfig) *Dispatcher {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 30 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	d := &Dispatcher{cfg: cfg, log: cfg.Logger, wake: map[string]chan struct{}{}}
	for name := range cfg.Notifiers {
		d.wake[name] = make(chan struct{}, 1)
		if cfg.Metrics != nil {
			cfg.Metrics.initReceiver(name)
		}
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// WakeAll tells every receiver's worker to read the outbox again: this
// instance took over a model, whose pending entries are now its to send.
func (d *Dispatcher) WakeAll() {
	for name := range d.wake {
		d.Wake(name)
	}
}

// Wake tells receiver's worker that new entries wait.
func (d *Dispatcher) Wake(receiver string) {
	if c := d.wake[receiver]; c != nil {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// Run serves every receiver until ctx ends. It starts with what the
// outbox holds, so notifications left pending by a restart are sent.
func (d *Dispatcher) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for name := range d.cfg.Notifiers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.serve(ctx, name)
		}()
	}
	wg.Wait()
	return nil
}

// Drain sends every pending entry once through its receiver's queue and
// returns when none is left that can be sent now: for tests and for
// one-shot tools.
func (d *Dispatcher) Drain(ctx context.Context) error {
	for name := range d.cfg.Notifiers {
		if err := d.drain(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func (d *Dispatcher) serve(ctx context.Context, name string) {
	t := time.NewTicker(d.cfg.Poll)
	defer t.Stop()
	for {
		if err := d.drain(ctx, name); err != nil && ctx.Err() == nil {
			d.log.Error("outbox unavailable; retrying", "receiver", name, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake[name]:
		case <-t.C:
		}
	}
}

// drain sends name's pending entries in order, those of models this
// instance owns; the others stay pending for their owner.
func (d *Dispatcher) drain(ctx context.Context, name string) error {
	pending, err := d.cfg.Outbox.PendingNotifications(ctx)
	if err != nil {
		return err
	}
	for _, n := range pending {
		if n.Receiver != name {
			continue
		}
		if err := d.deliver(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// deliver sends n until it is sent or refused, or ctx ends; the outcome is
// stored before deliver returns. An error means storage or ctx failed.
// Ownership is asked before every attempt: a retry loop stops, leaving n
// pending, when the model's partition moves to another instance (which
// then sends it) during a receiver's outage.
func (d *Dispatcher) deliver(ctx context.Context, n drift.Notification) error {
	notifier := d.cfg.Notifiers[n.Receiver]
	log := d.log.With("receiver", n.Receiver, "notification", n.ID)
	var m Message
	if err := json.Unmarshal(n.Payload, &m); err != nil {
		// Nothing will ever decode it: mark it failed, not pending forever.
		n.LastError = "undecodable payload"
		return d.finish(ctx, n, drift.NotificationFailed)
	}
	prior := func(ctx context.Context, id string) (string, bool, error) {
		p, ok, err := d.cfg.Outbox.Notification(ctx, id)
		if err != nil || !ok || p.Status != drift.NotificationSent {
			return "", false, err
		}
		return p.Response, true, nil
	}
	wait := d.cfg.MinBackoff
	for tried := false; ; tried = true {
		if d.cfg.Owner != nil && !d.cfg.Owner.Owns(m.Model) {
			if tried {
				log.Info("model's partition moved to another instance; it sends the notification", "model", m.Model)
			}
			return nil
		}
		actx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
		start := time.Now()
		resp, err := notifier.Notify(actx, &m, prior)
		cancel()
		n.Attempts++
		if d.cfg.Metrics != nil {
			d.cfg.Metrics.latency.WithLabelValues(n.Receiver).Observe(time.Since(start).Seconds())
		}
		if err == nil {
			d.count(n.Receiver, resultSent)
			n.Response, n.LastError = resp, ""
			log.Info("notification sent", "attempts", n.Attempts)
			return d.finish(ctx, n, drift.NotificationSent)
		}
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: it stays pending
		}
		n.LastError = err.Error()
		var de *DeliveryError
		if errors.As(err, &de) && !de.Retry {
			d.count(n.Receiver, resultFailed)
			log.Error("notification refused; not retrying", "status", de.Status, "answer", de.Answer, "attempts", n.Attempts)
			return d.finish(ctx, n, drift.NotificationFailed)
		}
		d.count(n.Receiver, resultRetried)
		// Exponential with jitter, so that receivers coming back are not
		// hit by every instance at once; the receiver's own Retry-After
		// wins when it names one.
		delay := wait/2 + rand.N(wait/2+1)
		if de != nil && de.After > 0 {
			delay = de.After
		}
		wait = min(2*wait, d.cfg.MaxBackoff)
		log.Warn("notification failed; retrying", "err", err, "attempts", n.Attempts, "in", delay)
		if !d.cfg.Sleep(ctx, delay) {
			return ctx.Err()
		}
	}
}

func (d *Dispatcher) count(receiver, result string) {
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.notifications.WithLabelValues(receiver, result).Inc()
	}
}

// finish stores n's outcome, retrying through a storage outage: a
// delivery not marked done would be sent again.
func (d *Dispatcher) finish(ctx context.Context, n drift.Notification, status string) error {
	n.Status = status
	n.Version = max(uint64(d.cfg.Now().UnixMilli()), n.Version+1)
	wait := d.cfg.MinBackoff
	for {
		err := d.cfg.Outbox.WriteNotifications(ctx, []drift.Notification{n})
		if err == nil {
			return nil
		}
		d.log.Error("outbox: cannot mark notification; retrying", "notification", n.ID, "err", err)
		if !d.cfg.Sleep(ctx, wait) {
			return ctx.Err()
		}
		wait = min(2*wait, d.cfg.MaxBackoff)
	}
}
