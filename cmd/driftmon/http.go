package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
)

// reader is what the HTTP API reads from storage.
type reader interface {
	Results(ctx context.Context, q storage.ResultQuery) ([]drift.Result, error)
	Windows(ctx context.Context, model string, from, to time.Time) ([]*drift.WindowSummary, error)
	Models(ctx context.Context) ([]string, error)
	Ping(ctx context.Context) error
}

type apiServer struct {
	store         reader
	gatherer      prometheus.Gatherer
	mu            sync.Mutex
	consumerReady func() bool // nil until the consumer exists
	token         string      // bearer token for the API; "" disables the check
	tokenForReads bool
	log           *slog.Logger
}

func (s *apiServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /api/v1/models", s.read(s.models))
	mux.Handle("GET /api/v1/results", s.read(s.results))
	mux.Handle("GET /api/v1/windows", s.read(s.windows))
	return mux
}

// ready answers 200 once Kafka (the consumer joined its group) and storage
// answer.
func (s *apiServer) ready(w http.ResponseWriter, r *http.Request) {
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
		problems = append(problems, "storage: "+err.Error())
	}
	if len(problems) > 0 {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "problems": problems})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ready": true})
}

func (s *apiServer) setConsumerReady(f func() bool) {
	s.mu.Lock()
	s.consumerReady = f
	s.mu.Unlock()
}

func (s *apiServer) read(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.tokenForReads && !s.authorised(r) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
			return
		}
		if err := h(w, r); err != nil {
			status := http.StatusInternalServerError
			var bad badRequest
			if errors.As(err, &bad) {
				status = http.StatusBadRequest
			} else {
				s.log.Error("api", "path", r.URL.Path, "err", err)
			}
			writeJSON(w, status, map[string]string{"error": err.Error()})
		}
	})
}

func (s *apiServer) authorised(r *http.Request) bool {
	if s.token == "" {
		return true
	}
	got := r.Header.Get("Authorization")
	want := "Bearer " + s.token
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

type badRequest struct{ msg string }

func (b badRequest) Error() string { return b.msg }

func (s *apiServer) models(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.store.Models(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": ms})
	return nil
}

func (s *apiServer) results(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, to, err := timeRange(q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	limit := 10000
	if l := q.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit <= 0 {
			return badRequest{"limit: want a positive integer"}
		}
	}
	res, err := s.store.Results(r.Context(), storage.ResultQuery{
		Model: q.Get("model"), ModelVersion: q.Get("model_version"), Family: drift.Family(q.Get("family")),
		Feature: q.Get("feature"), Method: q.Get("method"), From: from, To: to, Limit: limit,
	})
	if err != nil {
		return err
	}
	if res == nil {
		res = []drift.Result{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": res})
	return nil
}

func (s *apiServer) windows(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	model := q.Get("model")
	if model == "" {
		return badRequest{"model: required"}
	}
	from, to, err := timeRange(q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	ws, err := s.store.Windows(r.Context(), model, from, to)
	if err != nil {
		return err
	}
	type feature struct {
		Name    string            `json:"name"`
		Kind    drift.FeatureKind `json:"kind"`
		Count   uint64            `json:"count"`
		Missing uint64            `json:"missing"`
		Invalid uint64            `json:"invalid"`
		Mean    *float64          `json:"mean"`
	}
	type window struct {
		Model        string    `json:"model"`
		ModelVersion string    `json:"model_version"`
		Seq          int64     `json:"seq"`
		Start        time.Time `json:"window_start"`
		End          time.Time `json:"window_end"`
		Events       uint64    `json:"events"`
		Late         uint64    `json:"late"`
		Features     []feature `json:"features"`
	}
	out := []window{}
	for _, ws := range ws {
		win := window{Model: ws.Model, ModelVersion: ws.ModelVersion, Seq: ws.Seq, Start: ws.Start, End: ws.End,
			Events: ws.Events, Late: ws.Late}
		for _, f := range ws.Features {
			ft := feature{Name: f.Name, Kind: f.Kind, Count: f.Count, Missing: f.Missing, Invalid: f.Invalid}
			if f.Kind == drift.Numeric && f.Count > 0 {
				m := f.Mean()
				ft.Mean = &m
			}
			win.Features = append(win.Features, ft)
		}
		out = append(out, win)
	}
	writeJSON(w, http.StatusOK, map[string]any{"windows": out})
	return nil
}

// timeRange parses optional RFC 3339 bounds; the defaults cover all time.
func timeRange(fromS, toS string) (from, to time.Time, err error) {
	from, to = time.Unix(0, 0).UTC(), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	if fromS != "" {
		if from, err = time.Parse(time.RFC3339, fromS); err != nil {
			return from, to, badRequest{"from: want an RFC 3339 time"}
		}
	}
	if toS != "" {
		if to, err = time.Parse(time.RFC3339, toS); err != nil {
			return from, to, badRequest{"to: want an RFC 3339 time"}
		}
	}
	return from, to, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
