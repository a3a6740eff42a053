package web

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/ingest"
	"github.com/driftmon/driftmon/storage"
)

// mutate guards an endpoint that changes state: it always needs the
// bearer token, and without a configured token it is refused outright.
func (s *Server) mutate(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	inner := s.read(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.token == "" {
			closeUnread(w, r)
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "set http.token_env or http.token_file to enable this endpoint"})
			return
		}
		if !s.authorised(r) {
			closeUnread(w, r)
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
			return
		}
		inner.ServeHTTP(w, r)
	})
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
func (s *Server) alerts(w http.ResponseWriter, r *http.Request) error {
	ar := s.store
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

// apiSilence is a silence as the API shows it: every field it is stored
// with (its version too, which orders its edits), and whether it is active.
type apiSilence struct {
	drift.Silence
	// Active: the silence mutes matching alerts now.
	Active bool `json:"active"`
}

func newAPISilence(sl drift.Silence, now time.Time) apiSilence {
	return apiSilence{Silence: sl, Active: sl.Active(now)}
}

// labelNameRE is Prometheus's rule for label names, as rules' labels
// follow it.
var labelNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// silenceLabels are the labels a silence may match (alerting's labels()).
var silenceLabels = map[string]bool{"rule": true, "model": true, "model_version": true, "family": true,
	"feature": true, "method": true, "severity": true}

// silences lists silences: GET /api/v1/silences (all=true includes ended
// ones).
func (s *Server) silences(w http.ResponseWriter, r *http.Request) error {
	ar := s.store
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
func (s *Server) createSilence(w http.ResponseWriter, r *http.Request) error {
	ar := s.store
	var in struct {
		Matchers  map[string]string `json:"matchers"`
		StartsAt  time.Time         `json:"starts_at"`
		EndsAt    time.Time         `json:"ends_at"`
		Duration  string            `json:"duration"`
		CreatedBy string            `json:"created_by"`
		Comment   string            `json:"comment"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSilenceBody))
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
func (s *Server) expireSilence(w http.ResponseWriter, r *http.Request) error {
	ar := s.store
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
