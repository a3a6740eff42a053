package alerting

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/drift"
)

// Store is what the engine needs of storage: the alert history, each
// model version's rule state, the outbox it fills and the silences.
type Store interface {
	WriteAlerts(ctx context.Context, rs []drift.AlertRecord) error
	SaveAlertState(ctx context.Context, key string, state []byte, version uint64) error
	AlertState(ctx context.Context, key string) (state []byte, ok bool, err error)
	WriteNotifications(ctx context.Context, ns []drift.Notification) error
	Silences(ctx context.Context, since time.Time) ([]drift.Silence, error)
}

// EngineConfig wires an Engine.
type EngineConfig struct {
	Alerting config.AlertingConfig
	Store    Store
	Metrics  *Metrics
	// Models are the configured model names, whose firing gauges start at
	// zero.
	Models []string
	// Reference describes a model's reference for retraining payloads.
	Reference func(model string) string
	// Wake is told of each receiver with new outbox entries (the
	// dispatcher's Wake).
	Wake   func(receiver string)
	Logger *slog.Logger
}

// Engine evaluates the rules on each window and enqueues what must be
// told. It is safe for concurrent use; windows of one model must come in
// order, as one partition delivers them.
type Engine struct {
	cfg       EngineConfig
	rules     []config.RuleConfig
	receivers map[string]config.ReceiverConfig
	log       *slog.Logger

	mu     sync.Mutex
	states map[string]*modelState // by stateKey
}

// NewEngine returns an Engine for cfg's rules and receivers.
func NewEngine(cfg EngineConfig) *Engine {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Reference == nil {
		cfg.Reference = func(string) string { return "" }
	}
	e := &Engine{cfg: cfg, rules: cfg.Alerting.Rules, receivers: map[string]config.ReceiverConfig{},
		log: cfg.Logger, states: map[string]*modelState{}}
	for _, r := range cfg.Alerting.Receivers {
		e.receivers[r.Name] = r
	}
	if cfg.Metrics != nil {
		for _, m := range cfg.Models {
			for _, r := range e.rules {
				if modelMatch(r, m) {
					cfg.Metrics.firing.WithLabelValues(m, r.Name).Set(0)
				}
			}
		}
	}
	return e
}

// modelState is one model version's rule state, stored as one JSON
// document so that a window's changes land in storage at once.
type modelState struct {
	// LastSeq is the newest window evaluated: a window replayed after a
	// crash (or rewritten by late events) is not counted twice.
	LastSeq   int64                `json:"last_seq"`
	Evaluated bool                 `json:"evaluated"`
	Alerts    map[string]*instance `json:"alerts"` // by fingerprint
	// LastRetraining is, per retraining receiver, when it was last called
	// for this model.
	LastRetraining map[string]time.Time `json:"last_retraining"`
	Version        uint64               `json:"version"`
}

// instance is one alert: a rule applied to one feature and method.
type instance struct {
	Rule        string       `json:"rule"`
	Family      drift.Family `json:"family"`
	Feature     string       `json:"feature"`
	Method      string       `json:"method"`
	State       string       `json:"state"`
	Matching    int          `json:"matching"`     // consecutive matching windows
	NotMatching int          `json:"not_matching"` // consecutive windows without, while firing
	Last        drift.Result `json:"last"`         // the latest matching result
	StartedAt   time.Time    `json:"started_at"`
	FirstWindow time.Time    `json:"first_window"`
	FiredAt     time.Time    `json:"fired_at,omitzero"`
	// Told is every receiver that heard it fire, with the message that
	// told it, and when it was last told.
	Told         map[string]string `json:"told"`
	LastNotified time.Time         `json:"last_notified,omitzero"`
	// Tick marks an alert on a result decided on a tick, outside any
	// window (freshness): a closing window that lacks it says nothing
	// about it.
	Tick bool `json:"tick,omitempty"`
}

func stateKey(model, version string) string { return model + "\x00" + version }

// Forget drops what the engine holds in memory of a model's alert states,
// every version's. An instance calls it when the model's partition moves
// away: if the model comes back later, its states are read again from
// storage, where the instance that owned it meanwhile left them, rather
// than taken from a copy that missed those windows.
func (e *Engine) Forget(model string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	prefix := stateKey(model, "")
	for k := range e.states {
		if strings.HasPrefix(k, prefix) {
			delete(e.states, k)
		}
	}
}

func modelMatch(r config.RuleConfig, model string) bool {
	for _, g := range r.Models {
		if ok, _ := path.Match(g, model); ok {
			return true
		}
	}
	return false
}

func globMatch(g, s string) bool {
	if g == "" {
		return true
	}
	ok, _ := path.Match(g, s)
	return ok
}

// observation is a rule's reading of one result.
type observation struct {
	res    drift.Result
	active bool
	key    string // fingerprint
	method string // the instance's method; "" for a feature's verdict
}

// observe lists what rule r sees in one window's results.
func observe(r config.RuleConfig, model, version string, results []drift.Result) []observation {
	var sel []drift.Result
	for _, res := range results {
		if (r.Match.Family == "" || res.Family == r.Match.Family) && globMatch(r.Match.Method, res.Method) &&
			globMatch(r.Match.Feature, res.Feature) {
			sel = append(sel, res)
		}
	}
	// With `drifted` and no method named, a feature's verdict is the row
	// of its decision method, which may change with the sample size: the
	// alert follows the feature, not the method. The rows that only
	// report (never drifted) are no observation of it, nor, where a
	// family's verdict row is there (concept's accuracy), the family's
	// other rows of the same feature. Rows of the families judged row by
	// row (quality) are each their own.
	verdict := r.Condition.Field == config.FieldDrifted && r.Match.Method == ""
	decided := map[[2]string]bool{}
	if verdict {
		for _, res := range sel {
			if res.Decision {
				decided[[2]string{string(res.Family), res.Feature}] = true
			}
		}
	}
	var out []observation
	for _, res := range sel {
		o := observation{res: res, method: res.Method}
		if verdict && (res.ReportOnly() || decided[[2]string{string(res.Family), res.Feature}]) {
			if !res.Decision {
				continue
			}
			o.method = ""
		}
		var applies bool
		if o.active, applies = conditionOn(r.Condition, res); !applies {
			continue
		}
		if r.Condition.Field == config.FieldDrifted && r.Match.Method != "" {
			// A method named: its own threshold comparison, the verdict
			// where it decides and, where it only reports, what it
			// would have said (its row is stored not drifted).
			o.active = detectors.Flagged(res)
		}
		o.key = fingerprint(r.Name, model, version, string(res.Family), res.Feature, o.method)
		out = append(out, o)
	}
	return out
}

func fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// change is an alert that moved this window, for the history and the
// messages.
type change struct {
	inst   *instance
	key    string
	rule   config.RuleConfig
	status string // the state the alert moved to
	repeat bool
}

// Process evaluates the rules on one stored window: it updates the alert
// states, enqueues the notifications in the outbox and records every state
// change in the history, in that order, so that a crash between the steps
// replays the window into the same notification IDs. now is the wall
// clock, for repeat intervals, cooldowns and silences; the alerts' own
// times are the window's, so that a replay writes the same rows.
//
// A nil w hands over results decided on a tick rather than in a window
// (freshness); see processTick.
func (e *Engine) Process(ctx context.Context, w *drift.WindowSummary, results []drift.Result, now time.Time) ([]Message, error) {
	if len(e.rules) == 0 {
		return nil, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if w == nil {
		return e.processTick(ctx, results, now)
	}
	key := stateKey(w.Model, w.ModelVersion)
	st, err := e.state(ctx, key)
	if err != nil {
		return nil, err
	}
	if st.Evaluated && w.Seq <= st.LastSeq {
		return nil, nil
	}
	at := w.End.UTC()
	// Alerts of a rule no longer configured would otherwise stay in the
	// state for good: nothing evaluates them any more.
	for k, inst := range st.Alerts {
		if !slices.ContainsFunc(e.rules, func(r config.RuleConfig) bool { return r.Name == inst.Rule }) {
			e.log.Info("alert of a removed rule dropped", "rule", inst.Rule, "model", w.Model, "feature", inst.Feature)
			delete(st.Alerts, k)
		}
	}
	var changes []change
	for _, r := range e.rules {
		if !modelMatch(r, w.Model) {
			continue
		}
		seen := map[string]bool{}
		for _, o := range observe(r, w.Model, w.ModelVersion, results) {
			if seen[o.key] {
				continue
			}
			seen[o.key] = true
			changes = append(changes, step(st, r, o, at, now)...)
		}
		// An alert whose feature is absent from this window counts as not
		// matching.
		for _, k := range sortedKeys(st.Alerts) {
			inst := st.Alerts[k]
			if inst.Rule == r.Name && !seen[k] && !inst.Tick {
				changes = append(changes, step(st, r, observation{key: k, res: inst.Last, method: inst.Method}, at, now)...)
			}
		}
	}
	silences, err := e.cfg.Store.Silences(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("alerting %s: read silences: %w", w.Model, err)
	}
	msgs, notes := e.messages(st, w, changes, silences, now)
	records := history(w, changes, now)
	st.LastSeq, st.Evaluated = w.Seq, true
	st.Version = max(uint64(now.UnixMilli()), st.Version+1)
	doc, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("alerting %s: encode state: %w", w.Model, err)
	}
	if err := e.cfg.Store.WriteNotifications(ctx, notes); err != nil {
		delete(e.states, key) // reload what storage holds on the retry
		return nil, fmt.Errorf("alerting %s: enqueue: %w", w.Model, err)
	}
	if err := e.cfg.Store.WriteAlerts(ctx, records); err != nil {
		delete(e.states, key)
		return nil, fmt.Errorf("alerting %s: alert history: %w", w.Model, err)
	}
	if err := e.cfg.Store.SaveAlertState(ctx, key, doc, st.Version); err != nil {
		delete(e.states, key)
		return nil, fmt.Errorf("alerting %s: save state: %w", w.Model, err)
	}
	e.gauges(st, w.Model)
	for _, c := range changes {
		if c.status == drift.AlertFiring && !c.repeat || c.status == drift.AlertResolved {
			e.log.Info("alert "+c.status, "rule", c.rule.Name, "model", w.Model, "model_version", w.ModelVersion,
				"family", c.inst.Family, "feature", c.inst.Feature, "window", w.Seq)
		}
	}
	if e.cfg.Wake != nil {
		for _, n := range notes {
			e.cfg.Wake(n.Receiver)
		}
	}
	return msgs, nil
}

// processTick evaluates the rules on results decided on a tick, one model
// version's at a time. They step only their own alerts: no window closed,
// so the other alerts stand. The pipeline hands a result over when it
// changes (a model goes quiet, or sends again); the same failure handed
// over again (a restart detects the same silence, keyed by the same
// window) does not step its alert twice, so `for` counts silences, not
// ticks.
func (e *Engine) processTick(ctx context.Context, results []drift.Result, now time.Time) ([]Message, error) {
	var out []Message
	for len(results) > 0 {
		r0 := results[0]
		var group, rest []drift.Result
		for _, r := range results {
			if r.Model == r0.Model && r.ModelVersion == r0.ModelVersion {
				group = append(group, r)
			} else {
				rest = append(rest, r)
			}
		}
		results = rest
		msgs, err := e.tick(ctx, r0.Model, r0.ModelVersion, group, now)
		if err != nil {
			return out, err
		}
		out = append(out, msgs...)
	}
	return out, nil
}

func (e *Engine) tick(ctx context.Context, model, version string, results []drift.Result, now time.Time) ([]Message, error) {
	key := stateKey(model, version)
	st, err := e.state(ctx, key)
	if err != nil {
		return nil, err
	}
	// The alerts' times are the tick's: no window end says when a silence
	// was noticed or ended. A pseudo window carries the identity the
	// messages and the history need: the results' window from its start,
	// until now.
	at := now.UTC()
	w := &drift.WindowSummary{Model: model, ModelVersion: version, Seq: results[0].WindowSeq,
		Start: results[0].WindowStart.UTC(), End: at}
	var changes []change
	for _, r := range e.rules {
		if !modelMatch(r, model) {
			continue
		}
		for _, o := range observe(r, model, version, results) {
			if inst := st.Alerts[o.key]; inst != nil && o.active && inst.Last.WindowStart.Equal(o.res.WindowStart) {
				continue // the same failure again
			}
			cs := step(st, r, o, at, now)
			if inst := st.Alerts[o.key]; inst != nil {
				inst.Tick = true
			}
			changes = append(changes, cs...)
		}
	}
	if len(changes) == 0 {
		return nil, nil
	}
	silences, err := e.cfg.Store.Silences(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("alerting %s: read silences: %w", model, err)
	}
	// Firing and resolving may happen in the same window: the message IDs
	// tell them apart by status and by the measured silence, which a
	// retry of the same hand-over repeats.
	salt := results[0].WindowStart.UTC().Format(time.RFC3339) + "/" + strconv.FormatFloat(results[0].Statistic, 'g', -1, 64)
	msgs, notes := e.messagesSalted(st, w, changes, silences, now, salt)
	records := history(w, changes, now)
	st.Version = max(uint64(now.UnixMilli()), st.Version+1)
	doc, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("alerting %s: encode state: %w", model, err)
	}
	if err := e.cfg.Store.WriteNotifications(ctx, notes); err != nil {
		delete(e.states, key)
		return nil, fmt.Errorf("alerting %s: enqueue: %w", model, err)
	}
	if err := e.cfg.Store.WriteAlerts(ctx, records); err != nil {
		delete(e.states, key)
		return nil, fmt.Errorf("alerting %s: alert history: %w", model, err)
	}
	if err := e.cfg.Store.SaveAlertState(ctx, key, doc, st.Version); err != nil {
		delete(e.states, key)
		return nil, fmt.Errorf("alerting %s: save state: %w", model, err)
	}
	e.gauges(st, model)
	for _, c := range changes {
		if c.status == drift.AlertFiring && !c.repeat || c.status == drift.AlertResolved {
			e.log.Info("alert "+c.status, "rule", c.rule.Name, "model", model, "model_version", version,
				"family", c.inst.Family, "feature", c.inst.Feature, "method", c.inst.Method)
		}
	}
	if e.cfg.Wake != nil {
		for _, n := range notes {
			e.cfg.Wake(n.Receiver)
		}
	}
	return msgs, nil
}

// state returns key's state, loading it on first use.
func (e *Engine) state(ctx context.Context, key string) (*modelState, error) {
	if st := e.states[key]; st != nil {
		return st, nil
	}
	st := &modelState{Alerts: map[string]*instance{}, LastRetraining: map[string]time.Time{}}
	doc, ok, err := e.cfg.Store.AlertState(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("alerting: load state: %w", err)
	}
	if ok {
		if err := json.Unmarshal(doc, st); err != nil {
			return nil, fmt.Errorf("alerting: decode state: %w", err)
		}
		if st.Alerts == nil {
			st.Alerts = map[string]*instance{}
		}
		if st.LastRetraining == nil {
			st.LastRetraining = map[string]time.Time{}
		}
	}
	e.states[key] = st
	return st, nil
}

// step moves one alert by one window: the state machine of Prometheus's
// alerting rules, counted in windows rather than time.
func step(st *modelState, r config.RuleConfig, o observation, at, now time.Time) []change {
	inst := st.Alerts[o.key]
	if inst == nil {
		if !o.active {
			return nil
		}
		inst = &instance{Rule: r.Name, Family: o.res.Family, Feature: o.res.Feature, Method: o.method,
			State: drift.AlertPending, StartedAt: at, FirstWindow: o.res.WindowStart.UTC(), Told: map[string]string{}}
		st.Alerts[o.key] = inst
	}
	if o.active {
		inst.Last = o.res
	}
	c := change{inst: inst, key: o.key, rule: r}
	switch inst.State {
	case drift.AlertPending:
		if !o.active {
			inst.State = drift.AlertInactive
			delete(st.Alerts, o.key)
			c.status = drift.AlertInactive
			return []change{c}
		}
		inst.Matching++
		if inst.Matching >= r.For {
			inst.State, inst.FiredAt = drift.AlertFiring, at
			c.status = drift.AlertFiring
			return []change{c}
		}
		if inst.Matching == 1 {
			c.status = drift.AlertPending
			return []change{c}
		}
	case drift.AlertFiring:
		if o.active {
			inst.Matching++
			inst.NotMatching = 0
			if !inst.LastNotified.IsZero() && now.Sub(inst.LastNotified) >= r.RepeatInterval {
				c.status, c.repeat = drift.AlertFiring, true
				return []change{c}
			}
			return nil
		}
		inst.NotMatching++
		if inst.NotMatching > r.KeepFiringFor {
			inst.State = drift.AlertResolved
			delete(st.Alerts, o.key)
			c.status = drift.AlertResolved
			return []change{c}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// labels are what silences match: the alert's identity and the rule's own
// labels.
func labels(c change, model, version string) map[string]string {
	l := map[string]string{"rule": c.rule.Name, "model": model, "model_version": version,
		"family": string(c.inst.Family), "feature": c.inst.Feature, "method": c.inst.Method, "severity": c.rule.Severity}
	for k, v := range c.rule.Labels {
		if _, ok := l[k]; !ok {
			l[k] = v
		}
	}
	return l
}

func silenced(silences []drift.Silence, l map[string]string, now time.Time) bool {
	for _, s := range silences {
		if !s.Active(now) {
			continue
		}
		all := true
		for k, g := range s.Matchers {
			if !globMatch(g, l[k]) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// messages groups the window's changes into one message per receiver.
func (e *Engine) messages(st *modelState, w *drift.WindowSummary, changes []change, silences []drift.Silence, now time.Time) ([]Message, []drift.Notification) {
	return e.messagesSalted(st, w, changes, silences, now, "")
}

// messagesSalted is messages with salt (and each message's status) in the
// message IDs when salt is set: a pseudo window of a tick does not name
// one moment the way a window does.
func (e *Engine) messagesSalted(st *modelState, w *drift.WindowSummary, changes []change, silences []drift.Silence, now time.Time, salt string) ([]Message, []drift.Notification) {
	byReceiver := map[string]*Message{}
	var order []string
	at := w.End.UTC()
	for _, c := range changes {
		if c.status != drift.AlertFiring && c.status != drift.AlertResolved {
			continue
		}
		l := labels(c, w.Model, w.ModelVersion)
		if silenced(silences, l, now) {
			e.log.Info("alert silenced", "rule", c.rule.Name, "model", w.Model, "feature", c.inst.Feature, "state", c.status)
			continue
		}
		for _, name := range c.rule.Receivers {
			rc := e.receivers[name]
			retrain := rc.Webhook != nil && rc.Webhook.Retraining
			firedIn, told := c.inst.Told[name]
			switch {
			case c.status == drift.AlertResolved && !told:
				continue // it never heard of the alert
			case retrain && (c.status != drift.AlertFiring || c.repeat):
				continue // retraining starts on firing only
			}
			m := byReceiver[name]
			if m == nil {
				m = &Message{ID: messageID(name, w), Receiver: name, Status: drift.AlertResolved,
					Model: w.Model, ModelVersion: w.ModelVersion,
					Window: Window{Seq: w.Seq, Start: w.Start.UTC(), End: w.End.UTC()}, Links: e.links(w.Model)}
				byReceiver[name] = m
				order = append(order, name)
			}
			a := alertOf(c, l)
			if c.status == drift.AlertFiring {
				m.Status = drift.AlertFiring
			} else {
				a.ResolvedAt, a.FiredIn = at, firedIn
			}
			m.Alerts = append(m.Alerts, a)
		}
	}
	var msgs []Message
	var notes []drift.Notification
	for _, name := range order {
		m := byReceiver[name]
		if salt != "" {
			m.ID = fingerprint(m.ID, salt, m.Status) + m.ID[16:]
		}
		rc := e.receivers[name]
		if rc.Webhook != nil && rc.Webhook.Retraining {
			if last, ok := st.LastRetraining[name]; ok && now.Sub(last) < rc.Webhook.Cooldown {
				e.log.Info("retraining cooldown: not calling", "receiver", name, "model", w.Model,
					"last", last, "cooldown", rc.Webhook.Cooldown)
				continue
			}
			st.LastRetraining[name] = now
			m.Retraining = e.retraining(st, m)
		}
		// Who was told, for the history and for threading resolutions.
		for _, a := range m.Alerts {
			if inst := st.Alerts[a.Fingerprint]; inst != nil && a.Status == drift.AlertFiring {
				if _, ok := inst.Told[name]; !ok || !a.Repeat {
					inst.Told[name] = m.ID
				}
				inst.LastNotified = now
			}
		}
		payload, err := json.Marshal(m)
		if err != nil {
			// Only NaN could fail, and results hold none; skip rather than
			// block the window.
			e.log.Error("alerting: encode message", "receiver", name, "err", err)
			continue
		}
		msgs = append(msgs, *m)
		notes = append(notes, drift.Notification{ID: m.ID, Receiver: name, CreatedAt: at,
			Status: drift.NotificationPending, Payload: payload, Version: 1})
	}
	return msgs, notes
}

func alertOf(c change, l map[string]string) Alert {
	r := c.inst.Last
	return Alert{Rule: c.rule.Name, Fingerprint: c.key, Status: c.status, Severity: c.rule.Severity, Labels: l,
		Family: string(c.inst.Family), Feature: c.inst.Feature, Method: r.Method, Condition: c.rule.Condition.String(),
		Statistic: r.Statistic, Threshold: r.Threshold, PValue: r.PValue, Drifted: r.Drifted,
		StartedAt: c.inst.StartedAt, FiredAt: c.inst.FiredAt, Repeat: c.repeat}
}

// messageID is the idempotency key: one message per receiver, model
// version and window, the same however often the window is replayed.
func messageID(receiver string, w *drift.WindowSummary) string {
	return fingerprint(receiver, w.Model, w.ModelVersion, strconv.FormatInt(w.Seq, 10),
		strconv.FormatInt(w.Start.UnixNano(), 10)) + fingerprint(receiver, w.Model)[:16]
}

func (e *Engine) links(model string) Links {
	var l Links
	l.Dashboard = e.cfg.Alerting.DashboardURL
	if base := e.cfg.Alerting.ExternalURL; base != "" {
		q := url.Values{"model": {model}}.Encode()
		l.View = base + "/alerts?" + q
		l.Alerts = base + "/api/v1/alerts?" + q
		l.Results = base + "/api/v1/results?" + q
	}
	return l
}

func (e *Engine) retraining(st *modelState, m *Message) *Retraining {
	rt := &Retraining{To: m.Window.End, Reference: e.cfg.Reference(m.Model)}
	var rules []string
	for _, a := range m.Alerts {
		if a.Feature != "" && !slices.Contains(rt.DriftedFeatures, a.Feature) {
			rt.DriftedFeatures = append(rt.DriftedFeatures, a.Feature)
		}
		if !slices.Contains(rules, a.Rule) {
			rules = append(rules, a.Rule)
		}
		if inst := st.Alerts[a.Fingerprint]; inst != nil && (rt.From.IsZero() || inst.FirstWindow.Before(rt.From)) {
			rt.From = inst.FirstWindow
		}
	}
	if rt.From.IsZero() {
		rt.From = m.Window.Start
	}
	slices.Sort(rt.DriftedFeatures)
	rt.Reason = fmt.Sprintf("%d alert(s) firing on %s (rules %v)", len(m.Alerts), m.Model, rules)
	if rt.DriftedFeatures == nil {
		rt.DriftedFeatures = []string{}
	}
	return rt
}

// history turns the window's changes into alerts-table rows.
func history(w *drift.WindowSummary, changes []change, now time.Time) []drift.AlertRecord {
	var out []drift.AlertRecord
	for _, c := range changes {
		if c.repeat {
			continue
		}
		inst := c.inst
		r := drift.AlertRecord{Rule: c.rule.Name, Fingerprint: c.key, Model: w.Model, ModelVersion: w.ModelVersion,
			Family: inst.Family, Feature: inst.Feature, Method: inst.Last.Method, State: c.status,
			Severity: c.rule.Severity, Value: inst.Last.Statistic, StartedAt: inst.StartedAt, UpdatedAt: now.UTC(),
			FiredAt: inst.FiredAt, Message: describe(c), Receivers: sortedKeys(inst.Told)}
		if c.status == drift.AlertResolved || c.status == drift.AlertInactive {
			r.ResolvedAt = w.End.UTC()
		}
		r.Version = uint64(now.UnixMilli())
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b drift.AlertRecord) int { return cmp.Compare(a.Fingerprint, b.Fingerprint) })
	return out
}

// describe says why, in the words of the rule.
func describe(c change) string {
	r := c.inst.Last
	what := r.Feature
	if what == "" {
		what = string(r.Family)
	}
	return fmt.Sprintf("%s: %s %s (%s = %g, threshold %g) in window %s",
		c.status, what, c.rule.Condition, r.Method, r.Statistic, r.Threshold, r.WindowStart.UTC().Format(time.RFC3339))
}

func (e *Engine) gauges(st *modelState, model string) {
	if e.cfg.Metrics == nil {
		return
	}
	counts := map[string]int{}
	for _, inst := range st.Alerts {
		if inst.State == drift.AlertFiring {
			counts[inst.Rule]++
		}
	}
	for _, r := range e.rules {
		if modelMatch(r, model) {
			e.cfg.Metrics.firing.WithLabelValues(model, r.Name).Set(float64(counts[r.Name]))
		}
	}
}
