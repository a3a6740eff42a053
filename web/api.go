package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/ingest"
	"github.com/driftmon/driftmon/storage"
)

// Store is what the API, the view and the silence endpoints read and
// write of storage (storage.Store is one). It may answer with errors
// wrapping storage.ErrUnavailable while storage is not connected yet.
type Store interface {
	Results(ctx context.Context, q storage.ResultQuery) ([]drift.Result, error)
	Windows(ctx context.Context, model string, from, to time.Time) ([]*drift.WindowSummary, error)
	Models(ctx context.Context) ([]string, error)
	Ping(ctx context.Context) error
	Alerts(ctx context.Context, q storage.AlertQuery) ([]drift.AlertRecord, error)
	Silences(ctx context.Context, since time.Time) ([]drift.Silence, error)
	SaveSilence(ctx context.Context, s drift.Silence) error
}

// Config is what a Server serves and how it guards it.
type Config struct {
	Store    Store
	Gatherer prometheus.Gatherer
	// Token is the bearer token; "" leaves reads open and refuses every
	// change (silences).
	Token         string
	TokenForReads bool
	Logger        *slog.Logger
	// References returns a model's file reference for the view's
	// histograms; nil (or a nil result) compares with the previous window.
	References func(model string) *drift.Reference
	// Limits bound connections, requests and time per route.
	Limits Limits
	// Registerer takes the HTTP side's own metrics (refused requests,
	// open and evicted connections); nil keeps them unregistered.
	Registerer prometheus.Registerer
}

// Server is driftmon's HTTP side: /metrics, /healthz, /readyz, the JSON
// API under /api/v1, the silences, the view at / and /alerts, and the
// API's OpenAPI document at /openapi.json.
type Server struct {
	store         Store
	gatherer      prometheus.Gatherer
	mu            sync.Mutex
	consumerReady func() bool // nil until the consumer exists
	token         string      // bearer token for the API; "" disables the check
	tokenForReads bool
	log           *slog.Logger
	now           func() time.Time // nil means time.Now; the default window span ends now
	references    func(model string) *drift.Reference
	limits        Limits
	registerer    prometheus.Registerer
	guardOnce     sync.Once
	guardState    *guarded // see guarded
}

// New returns a Server; SetConsumerReady tells it when Kafka is joined.
func New(cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	g := cfg.Gatherer
	if g == nil {
		g = prometheus.NewRegistry()
	}
	return &Server{store: cfg.Store, gatherer: g, token: cfg.Token, tokenForReads: cfg.TokenForReads, log: log,
		references: cfg.References, limits: cfg.Limits, registerer: cfg.Registerer}
}

// guarded returns the limits' shared state, made on first use (tests
// build a Server without New).
func (s *Server) guarded() *guarded {
	s.guardOnce.Do(func() { s.guardState = newGuarded(s.limits, s.registerer) })
	return s.guardState
}

// Handler serves every route.
func (s *Server) Handler() http.Handler { return s.routes(true) }

// ProbeHandler serves /metrics, /healthz and /readyz only: the routes of
// a listener for probes and scrapers (http.metrics_listen).
func (s *Server) ProbeHandler() http.Handler { return s.routes(false) }

// routeSpec is one route of the service: its pattern as http.ServeMux
// reads it, what a request may take of the service there, its handler, and
// whether the probe listener serves it too.
type routeSpec struct {
	pattern string
	limits  *route
	handler http.Handler
	probe   bool
}

// routeTable lists every route the service serves, in one place: routes
// registers them, and the OpenAPI document's test holds the document to
// exactly these patterns.
func (s *Server) routeTable() []routeSpec {
	g := s.guarded()
	lim := g.limits
	// /healthz has no limit of its own: it costs nothing, and a liveness
	// probe refused for being busy would restart a healthy process.
	probe := &route{budget: lim.ProbeTimeout}
	read := &route{budget: lim.APITimeout, gate: g.api}
	slow := &route{budget: lim.SlowTimeout, gate: g.api}
	return []routeSpec{
		{"GET /healthz", probe, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("ok\n"))
		}), true},
		{"GET /readyz", &route{budget: lim.ProbeTimeout, gate: g.ready}, http.HandlerFunc(s.ready), true},
		{"GET /metrics", &route{budget: lim.MetricsTimeout, gate: g.metrics},
			promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{}), true},
		{"GET /openapi.json", probe, http.HandlerFunc(serveOpenAPI), false},
		{"GET /api/v1/models", read, s.read(s.models), false},
		{"GET /api/v1/results", read, s.read(s.results), false},
		{"GET /api/v1/windows", slow, s.read(s.windows), false},
		{"GET /api/v1/alerts", read, s.read(s.alerts), false},
		{"GET /api/v1/silences", read, s.read(s.silences), false},
		{"GET /alerts", read, s.read(s.alertsHTML), false},
		{"GET /{$}", slow, s.read(s.view), false},
		{"POST /api/v1/silences", &route{budget: lim.APITimeout, gate: g.api, maxBody: maxSilenceBody},
			s.mutate(s.createSilence), false},
		{"DELETE /api/v1/silences/{id}", read, s.mutate(s.expireSilence), false},
	}
}

func (s *Server) routes(api bool) http.Handler {
	mux := http.NewServeMux()
	routes := map[string]*route{}
	for _, rt := range s.routeTable() {
		if api || rt.probe {
			mux.Handle(rt.pattern, rt.handler)
			routes[rt.pattern] = rt.limits
		}
	}
	// Unknown routes and methods get the probes' budget: their answer
	// is Go's 404 or 405.
	return s.guard(mux, routes, &route{budget: s.guarded().limits.ProbeTimeout})
}

// ready answers 200 once Kafka (the consumer joined its group) and storage
// answer.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var problems []string
	s.mu.Lock()
	consumerReady := s.consumerReady
	s.mu.Unlock()
	if consumerReady == nil || !consumerReady() {
		problems = append(problems, "kafka: consumer group not joined")
	}
	if err := s.store.Ping(ctx); err != nil {
		// The error names the storage address: it goes to the log, not
		// to whoever probes.
		s.log.Warn("readiness: storage ping failed", "err", err)
		problems = append(problems, "storage: not answering")
	}
	if len(problems) > 0 {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "problems": problems})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ready": true})
}

// SetConsumerReady sets what /readyz asks whether the consumer joined its
// group.
func (s *Server) SetConsumerReady(f func() bool) {
	s.mu.Lock()
	s.consumerReady = f
	s.mu.Unlock()
}

func (s *Server) read(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// With reads protected, an empty token refuses every request
		// rather than letting everyone in (config refuses that setting;
		// this holds whatever builds the server).
		if s.tokenForReads && (s.token == "" || !s.authorised(r)) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
			return
		}
		err := h(w, r)
		if err == nil {
			return
		}
		var bad badRequest
		if errors.As(err, &bad) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": bad.msg})
			return
		}
		s.fail(w, r, err)
	})
}

// retryUnavailable is the Retry-After, in seconds, of a 503 for storage
// that is down or too slow: an outage is rarely over within a second, and
// the pipeline's own retries are at most 10 s apart.
const retryUnavailable = "5"

// fail answers a request whose handler failed. Storage errors name
// servers, databases and file paths: the client gets an id to quote, the
// log gets the error. Storage that is down (not connected yet, or not
// answering) or a request out of its route's time is a 503 with a
// Retry-After, so that clients and proxies retry rather than report a
// bug.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	id := rand.Text()
	w.Header().Set("X-Request-Id", id)
	switch {
	case errors.Is(r.Context().Err(), context.DeadlineExceeded):
		// The route's budget ran out (storage too slow): as for an
		// outage, the client may retry.
		s.log.Warn("api request: out of time", "request_id", id, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", retryUnavailable)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "timed out", "request_id": id})
		return
	case r.Context().Err() != nil:
		s.log.Info("api request abandoned by the client", "request_id", id, "path", r.URL.Path, "err", err)
	case errors.Is(err, storage.ErrUnavailable):
		s.log.Warn("api request: storage unavailable", "request_id", id, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", retryUnavailable)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "storage unavailable", "request_id": id})
		return
	default:
		s.log.Error("api request failed", "request_id", id, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error", "request_id": id})
}

func (s *Server) authorised(r *http.Request) bool {
	if s.token == "" {
		return true
	}
	// The scheme is case-insensitive (RFC 9110, 11.1) and may be
	// followed by more than one space (RFC 6750's 1*SP); the token is
	// compared in constant time.
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	token = strings.TrimLeft(token, " ")
	return subtle.ConstantTimeCompare([]byte(token), []byte(s.token)) == 1
}

type badRequest struct{ msg string }

func (b badRequest) Error() string { return b.msg }

func (s *Server) models(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.store.Models(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": ms})
	return nil
}

// Bounds on what one request may ask of storage and memory.
const (
	defaultResultLimit = 1000
	maxResultLimit     = 10000
	// Windows are read with their sketches and samples (up to
	// DefaultSampleSize values per numeric feature each), so the span
	// and the count are both bounded.
	defaultWindowSpan = 24 * time.Hour
	maxWindowSpan     = 31 * 24 * time.Hour
	maxWindows        = 1000
	maxVersionBytes   = 256
)

// nameRE is the config's rule for feature names; method names follow it.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,128}$`)

var families = []drift.Family{drift.Covariate, drift.Prior, drift.Concept, drift.Quality, drift.Dataset}

// param returns query parameter key, "" when absent, or a badRequest
// naming the key when it is required and absent or fails valid. Names
// reach SQL (as parameters) and the logs: nothing unchecked does.
func param(q url.Values, key string, required bool, valid func(string) bool, want string) (string, error) {
	v := q.Get(key)
	switch {
	case v == "" && required:
		return "", badRequest{key + ": required"}
	case v == "":
		return "", nil
	case !valid(v):
		return "", badRequest{key + ": want " + want}
	}
	return v, nil
}

func validFamily(f string) bool { return slices.Contains(families, drift.Family(f)) }

func validVersion(v string) bool { return len(v) <= maxVersionBytes && utf8.ValidString(v) }

// results lists a model's drift results, newest window first unless
// order=asc: at most limit rows, with "truncated": true when more matched.
func (s *Server) results(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	// Without a model every filter is optional, and no filter at all
	// reads the whole table: that is not an API operation.
	model, err := param(q, "model", true, ingest.ValidModelName, "1 to 128 of [A-Za-z0-9_.-]")
	if err != nil {
		return err
	}
	version, err := param(q, "model_version", false, validVersion, "at most 256 bytes of UTF-8")
	if err != nil {
		return err
	}
	family, err := param(q, "family", false, validFamily, "one of covariate, prior, concept, quality, dataset")
	if err != nil {
		return err
	}
	feature, err := param(q, "feature", false, nameRE.MatchString, "1 to 128 of [A-Za-z0-9_.:-]")
	if err != nil {
		return err
	}
	method, err := param(q, "method", false, nameRE.MatchString, "1 to 128 of [A-Za-z0-9_.:-]")
	if err != nil {
		return err
	}
	from, to, err := timeRange(q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	limit := defaultResultLimit
	if l := q.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit <= 0 || limit > maxResultLimit {
			return badRequest{fmt.Sprintf("limit: want an integer from 1 to %d", maxResultLimit)}
		}
	}
	// Newest first by default: a client asking for the latest verdicts
	// must not get the oldest ones with the newest cut off.
	var desc bool
	switch q.Get("order") {
	case "", "desc":
		desc = true
	case "asc":
	default:
		return badRequest{"order: want asc or desc"}
	}
	// One row more than the limit says whether rows were left out.
	res, err := s.store.Results(r.Context(), storage.ResultQuery{
		Model: model, ModelVersion: version, Family: drift.Family(family),
		Feature: feature, Method: method, From: from, To: to, Descending: desc, Limit: limit + 1,
	})
	if err != nil {
		return err
	}
	body := map[string]any{}
	if len(res) > limit {
		res = res[:limit]
		body["truncated"] = true
	}
	if res == nil {
		res = []drift.Result{}
	}
	body["results"] = res
	writeJSON(w, http.StatusOK, body)
	return nil
}

// apiWindow is a window as the API shows it: counts and means, never the
// sketches and samples.
type apiWindow struct {
	Model        string       `json:"model"`
	ModelVersion string       `json:"model_version"`
	Seq          int64        `json:"seq"`
	Start        time.Time    `json:"window_start"`
	End          time.Time    `json:"window_end"`
	Events       uint64       `json:"events"`
	Late         uint64       `json:"late"`
	Features     []apiFeature `json:"features"`
}

type apiFeature struct {
	Name    string            `json:"name"`
	Kind    drift.FeatureKind `json:"kind"`
	Count   uint64            `json:"count"`
	Missing uint64            `json:"missing"`
	Invalid uint64            `json:"invalid"`
	Mean    *float64          `json:"mean"`
}

func newAPIWindow(ws *drift.WindowSummary) apiWindow {
	// features is a list, never null, as the document promises.
	win := apiWindow{Model: ws.Model, ModelVersion: ws.ModelVersion, Seq: ws.Seq, Start: ws.Start, End: ws.End,
		Events: ws.Events, Late: ws.Late, Features: make([]apiFeature, 0, len(ws.Features))}
	for _, f := range ws.Features {
		ft := apiFeature{Name: f.Name, Kind: f.Kind, Count: f.Count, Missing: f.Missing, Invalid: f.Invalid}
		if f.Kind == drift.Numeric && f.Count > 0 {
			m := f.Mean()
			ft.Mean = &m
		}
		win.Features = append(win.Features, ft)
	}
	return win
}

// windows lists a model's windows starting in [from, to): by default the
// last 24 hours, at most 31 days. It returns the newest maxWindows of them,
// in seq order (oldest first, as storage orders them), with "truncated":
// true when older ones in the span were left out.
func (s *Server) windows(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	model, err := param(q, "model", true, ingest.ValidModelName, "1 to 128 of [A-Za-z0-9_.-]")
	if err != nil {
		return err
	}
	from, to, err := s.windowRange(q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	out, truncated, err := s.newestWindows(r.Context(), model, from, to, maxWindows)
	if err != nil {
		return err
	}
	body := map[string]any{"windows": out}
	if truncated {
		body["truncated"] = true
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// Chunks of newestWindows: each storage read aims at windowsPerRead
// windows, since each is decoded whole before it is reduced to counts.
const (
	windowsPerRead   = 32
	firstWindowChunk = 15 * time.Minute
	minWindowChunk   = time.Second
)

// newestWindows reads model's windows starting in [from, to) backwards in
// chunks, so that memory holds one chunk's decoded windows rather than the
// span's, and stops once it has more than limit. The chunk adapts to the
// density it finds (window lengths range from seconds to days).
func (s *Server) newestWindows(ctx context.Context, model string, from, to time.Time, limit int) (out []apiWindow, truncated bool, err error) {
	var chunks [][]apiWindow // newest chunk first
	n, chunk := 0, firstWindowChunk
	for end := to; end.After(from) && n <= limit; {
		start := end.Add(-chunk)
		if start.Before(from) {
			start = from
		}
		ws, err := s.store.Windows(ctx, model, start, end)
		if err != nil {
			return nil, false, err
		}
		c := make([]apiWindow, len(ws))
		for i, sum := range ws {
			c[i] = newAPIWindow(sum)
		}
		chunks = append(chunks, c)
		n += len(c)
		end = start
		switch {
		case len(ws) == 0:
			chunk *= 4
		default:
			chunk = min(chunk*windowsPerRead/time.Duration(len(ws)), 4*chunk)
		}
		chunk = min(max(chunk, minWindowChunk), maxWindowSpan)
	}
	out = make([]apiWindow, 0, n)
	for i := len(chunks) - 1; i >= 0; i-- {
		out = append(out, chunks[i]...)
	}
	if len(out) > limit {
		// Each chunk is in seq order and the chunks are in time order:
		// the oldest windows lead.
		out, truncated = out[len(out)-limit:], true
	}
	return out, truncated, nil
}

// windowRange reads the bounds of a window listing: to defaults to now,
// from to 24 hours before to; the span may not exceed 31 days.
func (s *Server) windowRange(fromS, toS string) (from, to time.Time, err error) {
	if from, err = parseTime("from", fromS); err != nil {
		return from, to, err
	}
	if to, err = parseTime("to", toS); err != nil {
		return from, to, err
	}
	if to.IsZero() {
		to = s.clock()
	}
	if from.IsZero() {
		from = to.Add(-defaultWindowSpan)
	}
	switch {
	case !from.Before(to):
		return from, to, badRequest{"from: must be before to"}
	case to.Sub(from) > maxWindowSpan:
		return from, to, badRequest{"from, to: span over 31 days"}
	}
	return from, to, nil
}

func (s *Server) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// timeRange parses optional RFC 3339 bounds; an absent one is open (zero).
func timeRange(fromS, toS string) (from, to time.Time, err error) {
	if from, err = parseTime("from", fromS); err != nil {
		return from, to, err
	}
	if to, err = parseTime("to", toS); err != nil {
		return from, to, err
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, badRequest{"from: must be before to"}
	}
	return from, to, nil
}

func parseTime(key, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, badRequest{key + ": want an RFC 3339 time"}
	}
	return t, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
