package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/driftmon/driftmon/alerting"
	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/ingest"
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
	opt serveOptions, log *slog.Logger) *alerter {
	if len(cfg.Alerting.Rules) == 0 {
		return nil
	}
	d := alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Notifiers: notifiers(cfg.Alerting),
		Metrics: m, Logger: log, Owner: own, Poll: opt.DispatchPoll})
	own.onTake(d.WakeAll)
	models := make([]string, len(cfg.Models))
	for i, mc := range cfg.Models {
		models[i] = mc.Name
	}
	e := alerting.NewEngine(alerting.EngineConfig{Alerting: cfg.Alerting, Store: st, Metrics: m, Models: models,
		Reference: func(model string) string { return describeReference(cfg.Model(model)) },
		Wake:      d.Wake, Logger: log})
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

// describeReference says what a model's windows are compared with, for
// retraining payloads.
func describeReference(mc *config.ModelConfig) string {
	switch {
	case mc == nil:
		return ""
	case mc.Reference.File != "":
		return "file:" + filepath.Base(mc.Reference.File)
	case mc.Reference.Window != nil:
		return "window:" + mc.Reference.Window.From.UTC().Format(time.RFC3339) + "/" + mc.Reference.Window.To.UTC().Format(time.RFC3339)
	}
	return "previous"
}

// alertReader is what the alerts and silences endpoints use of storage.
type alertReader interface {
	Alerts(ctx context.Context, q storage.AlertQuery) ([]drift.AlertRecord, error)
	Silences(ctx context.Context, since time.Time) ([]drift.Silence, error)
	SaveSilence(ctx context.Context, s drift.Silence) error
}

func (p *pendingStore) alertStore() (storage.AlertStore, error) {
	s, err := p.get()
	if err != nil {
		return nil, err
	}
	as, ok := s.(storage.AlertStore)
	if !ok {
		return nil, fmt.Errorf("%T keeps no alerts: %w", s, storage.ErrUnavailable)
	}
	return as, nil
}

func (p *pendingStore) Alerts(ctx context.Context, q storage.AlertQuery) ([]drift.AlertRecord, error) {
	as, err := p.alertStore()
	if err != nil {
		return nil, err
	}
	return as.Alerts(ctx, q)
}

func (p *pendingStore) Silences(ctx context.Context, since time.Time) ([]drift.Silence, error) {
	as, err := p.alertStore()
	if err != nil {
		return nil, err
	}
	return as.Silences(ctx, since)
}

func (p *pendingStore) SaveSilence(ctx context.Context, s drift.Silence) error {
	as, err := p.alertStore()
	if err != nil {
		return err
	}
	return as.SaveSilence(ctx, s)
}

// mutate guards an endpoint that changes state: it always needs the
// bearer token, and without a configured token it is refused outright.
func (s *apiServer) mutate(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	inner := s.read(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.token == "" {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "set http.token_env or http.token_file to enable this endpoint"})
			return
		}
		if !s.authorised(r) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
			return
		}
		inner.ServeHTTP(w, r)
	})
}

func (s *apiServer) alertStore() (alertReader, error) {
	ar, ok := s.store.(alertReader)
	if !ok {
		return nil, fmt.Errorf("the store keeps no alerts: %w", storage.ErrUnavailable)
	}
	return ar, nil
}

type apiAlert struct {
	Rule         string     `json:"rule"`
	Fingerprint  string     `json:"fingerprint"`
	Model        string     `json:"model"`
	ModelVersion string     `json:"model_version"`
	Family       string     `json:"family"`
	Feature      string     `json:"feature"`
	Method       string     `json:"method"`
	State        string     `json:"state"`
	Severity     string     `json:"severity"`
	Value        float64    `json:"value"`
	StartedAt    time.Time  `json:"started_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	FiredAt      *time.Time `json:"fired_at"`
	ResolvedAt   *time.Time `json:"resolved_at"`
	Message      string     `json:"message"`
	Receivers    []string   `json:"receivers"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

const maxAlerts = 1000

// alerts serves the alert history: GET /api/v1/alerts?model=&rule=&state=&limit=
func (s *apiServer) alerts(w http.ResponseWriter, r *http.Request) error {
	ar, err := s.alertStore()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	model, err := param(q, "model", false, ingest.ValidModelName, "1 to 128 of [A-Za-z0-9_.-]")
	if err != nil {
		return err
	}
	aq := storage.AlertQuery{Model: model, Rule: q.Get("rule"), State: q.Get("state"), Limit: maxAlerts}
	switch aq.State {
	case "", drift.AlertPending, drift.AlertFiring, drift.AlertResolved, drift.AlertInactive:
	default:
		return badRequest{"state: want pending, firing, resolved or inactive"}
	}
	if len(aq.Rule) > 256 || !utf8.ValidString(aq.Rule) {
		return badRequest{"rule: invalid name"}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAlerts {
			return badRequest{fmt.Sprintf("limit: want 1 to %d", maxAlerts)}
		}
		aq.Limit = n
	}
	recs, err := ar.Alerts(r.Context(), aq)
	if err != nil {
		return err
	}
	out := make([]apiAlert, len(recs))
	for i, a := range recs {
		out[i] = apiAlert{Rule: a.Rule, Fingerprint: a.Fingerprint, Model: a.Model, ModelVersion: a.ModelVersion,
			Family: string(a.Family), Feature: a.Feature, Method: a.Method, State: a.State, Severity: a.Severity,
			Value: a.Value, StartedAt: a.StartedAt, UpdatedAt: a.UpdatedAt, FiredAt: optTime(a.FiredAt),
			ResolvedAt: optTime(a.ResolvedAt), Message: a.Message, Receivers: a.Receivers}
		if out[i].Receivers == nil {
			out[i].Receivers = []string{}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": out})
	return nil
}

type apiSilence struct {
	ID        string            `json:"id"`
	Matchers  map[string]string `json:"matchers"`
	StartsAt  time.Time         `json:"starts_at"`
	EndsAt    time.Time         `json:"ends_at"`
	CreatedBy string            `json:"created_by"`
	Comment   string            `json:"comment"`
	CreatedAt time.Time         `json:"created_at"`
	Active    bool              `json:"active"`
}

func newAPISilence(sl drift.Silence, now time.Time) apiSilence {
	return apiSilence{ID: sl.ID, Matchers: sl.Matchers, StartsAt: sl.StartsAt, EndsAt: sl.EndsAt,
		CreatedBy: sl.CreatedBy, Comment: sl.Comment, CreatedAt: sl.CreatedAt, Active: sl.Active(now)}
}

// labelNameRE is Prometheus's rule for label names, as rules' labels
// follow it.
var labelNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// silenceLabels are the labels a silence may match (alerting's labels()).
var silenceLabels = map[string]bool{"rule": true, "model": true, "model_version": true, "family": true,
	"feature": true, "method": true, "severity": true}

// silences lists silences: GET /api/v1/silences (all=true includes ended
// ones).
func (s *apiServer) silences(w http.ResponseWriter, r *http.Request) error {
	ar, err := s.alertStore()
	if err != nil {
		return err
	}
	now := s.clock()
	since := now
	if r.URL.Query().Get("all") == "true" {
		since = time.Time{}
	}
	sls, err := ar.Silences(r.Context(), since)
	if err != nil {
		return err
	}
	out := make([]apiSilence, len(sls))
	for i, sl := range sls {
		out[i] = newAPISilence(sl, now)
	}
	writeJSON(w, http.StatusOK, map[string]any{"silences": out})
	return nil
}

// createSilence: POST /api/v1/silences {"matchers": {...}, "starts_at"?,
// "ends_at" or "duration", "created_by", "comment"}.
func (s *apiServer) createSilence(w http.ResponseWriter, r *http.Request) error {
	ar, err := s.alertStore()
	if err != nil {
		return err
	}
	var in struct {
		Matchers  map[string]string `json:"matchers"`
		StartsAt  time.Time         `json:"starts_at"`
		EndsAt    time.Time         `json:"ends_at"`
		Duration  string            `json:"duration"`
		CreatedBy string            `json:"created_by"`
		Comment   string            `json:"comment"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return badRequest{"body: " + err.Error()}
	}
	now := s.clock().UTC().Truncate(time.Second)
	if len(in.Matchers) == 0 {
		return badRequest{"matchers: name at least one label (rule, model, model_version, family, feature, method, severity)"}
	}
	for k, v := range in.Matchers {
		if !silenceLabels[k] && !labelNameRE.MatchString(k) {
			return badRequest{fmt.Sprintf("matchers: invalid label %q", k)}
		}
		if len(v) > 256 || !utf8.ValidString(v) || !validGlob(v) {
			return badRequest{fmt.Sprintf("matchers.%s: invalid glob", k)}
		}
	}
	if strings.TrimSpace(in.CreatedBy) == "" || len(in.CreatedBy) > 256 {
		return badRequest{"created_by: required (who silences, for the audit trail)"}
	}
	if len(in.Comment) > 4096 {
		return badRequest{"comment: at most 4096 bytes"}
	}
	if in.StartsAt.IsZero() {
		in.StartsAt = now
	}
	if in.Duration != "" {
		d, err := time.ParseDuration(in.Duration)
		if err != nil || d <= 0 || !in.EndsAt.IsZero() {
			return badRequest{"duration: want a positive Go duration such as 2h, and no ends_at"}
		}
		in.EndsAt = in.StartsAt.Add(d)
	}
	if !in.EndsAt.After(in.StartsAt) || !in.EndsAt.After(now) {
		return badRequest{"ends_at: required, after starts_at and in the future (or give duration)"}
	}
	sl := drift.Silence{ID: strings.ToLower(rand.Text()), Matchers: in.Matchers, StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(),
		CreatedBy: in.CreatedBy, Comment: in.Comment, CreatedAt: now, Version: uint64(s.clock().UnixMilli())}
	if err := ar.SaveSilence(r.Context(), sl); err != nil {
		if errors.Is(err, storage.ErrInvalid) {
			return badRequest{err.Error()}
		}
		return err
	}
	s.log.Info("silence created", "id", sl.ID, "by", sl.CreatedBy, "matchers", sl.Matchers, "ends_at", sl.EndsAt)
	writeJSON(w, http.StatusCreated, newAPISilence(sl, s.clock()))
	return nil
}

// expireSilence: DELETE /api/v1/silences/{id} ends the silence now; it
// stays listed (all=true) for the audit trail.
func (s *apiServer) expireSilence(w http.ResponseWriter, r *http.Request) error {
	ar, err := s.alertStore()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	sls, err := ar.Silences(r.Context(), time.Time{})
	if err != nil {
		return err
	}
	for _, sl := range sls {
		if sl.ID != id {
			continue
		}
		now := s.clock().UTC().Truncate(time.Second)
		if sl.EndsAt.After(now) {
			// A silence that had not started yet ends where it starts.
			sl.EndsAt = now
			if sl.StartsAt.After(now) {
				sl.EndsAt = sl.StartsAt
			}
			sl.Version = max(uint64(s.clock().UnixMilli()), sl.Version+1)
			if err := ar.SaveSilence(r.Context(), sl); err != nil {
				return err
			}
			s.log.Info("silence expired", "id", sl.ID)
		}
		writeJSON(w, http.StatusOK, newAPISilence(sl, s.clock()))
		return nil
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "no silence " + strconv.Quote(id)})
	return nil
}

func validGlob(g string) bool {
	_, err := filepath.Match(g, "")
	return err == nil
}
