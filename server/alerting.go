package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/driftmon/driftmon/alerting"
	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/monitor"
	"github.com/driftmon/driftmon/retry"
	"github.com/driftmon/driftmon/storage"
)

// alerter runs alerting inside serve: the engine as a pipeline observer,
// the dispatcher beside the consumer.
type alerter struct {
	ctx        context.Context
	engine     *alerting.Engine
	dispatcher *alerting.Dispatcher
	onMessage  func(alerting.Message)
	log        *slog.Logger
}

// newAlerter returns nil when the config has no rules. The dispatcher sends
// only the notifications of the models own holds, and reads the outbox
// again whenever it takes one.
func newAlerter(ctx context.Context, cfg *config.Config, st storage.AlertStore, m *alerting.Metrics, own *owners,
	opt Options, models *monitor.Models, log *slog.Logger) *alerter {
	if len(cfg.Alerting.Rules) == 0 {
		return nil
	}
	d := alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Notifiers: notifiers(cfg.Alerting),
		Metrics: m, Logger: log, Owner: own, Poll: opt.DispatchPoll})
	own.onTake(d.WakeAll)
	names := make([]string, len(cfg.Models))
	for i, mc := range cfg.Models {
		names[i] = mc.Name
	}
	e := alerting.NewEngine(alerting.EngineConfig{Alerting: cfg.Alerting, Store: st, Metrics: m, Models: names,
		Reference: func(model string) string {
			if mm := models.Get(model); mm != nil {
				return mm.Source.String()
			}
			return ""
		},
		Wake: d.Wake, Logger: log})
	own.onRelease(e.Forget)
	return &alerter{ctx: ctx, engine: e, dispatcher: d, onMessage: opt.Alerts, log: log}
}

// observe is a pipeline.Observer: the window is durable, so its alerts
// are evaluated now, retrying through a storage outage (the partition
// waits, as it does for the window's own writes) until ctx ends. A nil w
// hands over results decided on a tick (freshness), as the engine takes
// them.
func (a *alerter) observe(w *drift.WindowSummary, results []drift.Result) {
	model, seq := "", int64(-1)
	switch {
	case w != nil:
		model, seq = w.Model, w.Seq
	case len(results) > 0:
		model = results[0].Model
	}
	var msgs []alerting.Message
	err := retry.Do(a.ctx, func(ctx context.Context) error {
		m, err := a.engine.Process(ctx, w, results, time.Now())
		if errors.Is(err, storage.ErrInvalid) {
			return retry.Stop(err)
		}
		msgs = m
		return err
	}, func(err error) {
		a.log.Error("alerting: storage unavailable; retrying", "model", model, "window", seq, "err", err)
	})
	if err != nil {
		if a.ctx.Err() == nil {
			a.log.Error("alerting: window not evaluated", "model", model, "window", seq, "err", err)
		}
		return
	}
	if a.onMessage != nil {
		for _, m := range msgs {
			a.onMessage(m)
		}
	}
}

func (a *alerter) run(ctx context.Context) error { return a.dispatcher.Run(ctx) }

// notifiers builds one Notifier per configured receiver.
func notifiers(ac config.AlertingConfig) map[string]alerting.Notifier {
	client := &http.Client{Timeout: 15 * time.Second}
	out := map[string]alerting.Notifier{}
	for _, r := range ac.Receivers {
		switch {
		case r.Slack != nil:
			out[r.Name] = &alerting.Slack{Token: r.Slack.Token.Value(), Channel: r.Slack.Channel,
				APIURL: r.Slack.APIURL, WebhookURL: r.Slack.WebhookURL.Value(), Client: client}
		case r.Webhook != nil:
			out[r.Name] = &alerting.Webhook{URL: r.Webhook.URL, Secret: []byte(r.Webhook.Secret.Value()), Client: client}
		}
	}
	return out
}
