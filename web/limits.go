package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Limits bound what HTTP clients may hold of the service: connections,
// handlers at once, time per route, request sizes. The service's port is
// usually open to a whole cluster network; without these, clients that
// open connections and never finish a request, or never close an idle
// one, exhaust the process's file descriptors, and storage writes fail
// with them. Zero fields take the defaults below.
type Limits struct {
	// MaxConnections is the number of connections open at once on each
	// listener. At the cap, a new connection displaces one that waits for
	// a request (see limitListener); one with a request in progress is
	// never closed for it.
	MaxConnections int
	// MaxRequests is the number of API and view requests handled at once;
	// beyond it a request is a 503 at once, which leaves storage and
	// memory to the pipeline and /healthz, /readyz and /metrics to their
	// own limits.
	MaxRequests int
	// ReadHeaderTimeout bounds reading a request's header, IdleTimeout
	// how long a keep-alive connection waits for its next request.
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
	// The budgets of the routes: a handler's context ends at its route's
	// budget, and reading the request and writing the answer must end
	// deadlineGrace after it.
	//
	// ProbeTimeout: /healthz, /readyz (which pings storage for at most 2
	// s) and unknown routes.
	ProbeTimeout time.Duration
	// MetricsTimeout: /metrics, gathered from memory; Prometheus's own
	// scrape timeout is 10 s by default.
	MetricsTimeout time.Duration
	// APITimeout: the API's reads of storage and the silence changes.
	APITimeout time.Duration
	// SlowTimeout: the view at /, which reads 48 windows whole with their
	// sketches, and /api/v1/windows, which reads up to 1,000 windows in
	// chunks; both take seconds on a busy ClickHouse.
	SlowTimeout time.Duration
}

// The default limits.
const (
	DefaultMaxConnections    = 512
	DefaultMaxRequests       = 32
	DefaultReadHeaderTimeout = 10 * time.Second
	// Longer than Prometheus's usual scrape intervals (up to a minute),
	// so that a scraper keeps its connection.
	DefaultIdleTimeout    = 2 * time.Minute
	DefaultProbeTimeout   = 5 * time.Second
	DefaultMetricsTimeout = 15 * time.Second
	DefaultAPITimeout     = 30 * time.Second
	DefaultSlowTimeout    = 60 * time.Second
)

// Fixed bounds.
const (
	// deadlineGrace is the time beyond a route's budget to write the
	// answer, an error included, to a client that reads it.
	deadlineGrace = 5 * time.Second
	// maxHeaderBytes bounds a request's header (Go's default is 1 MiB):
	// at the connection cap, headers alone could otherwise hold half a
	// gigabyte.
	maxHeaderBytes = 64 << 10
	// maxSilenceBody is the largest silence a client may send.
	maxSilenceBody = 64 << 10
	// Handlers at once of /readyz (each pings storage for up to 2 s) and
	// /metrics (each gathers and writes every series): a few probes and
	// scrapers at a time, whatever the API is doing.
	maxReadyRequests   = 8
	maxMetricsRequests = 4
	// retryBusy is the Retry-After, in seconds, of a 503 for a route at
	// its limit: handlers end within their budgets, most far sooner.
	retryBusy = "1"
)

func (l Limits) withDefaults() Limits {
	set := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	if l.MaxRequests <= 0 {
		l.MaxRequests = DefaultMaxRequests
	}
	set(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	set(&l.IdleTimeout, DefaultIdleTimeout)
	set(&l.ProbeTimeout, DefaultProbeTimeout)
	set(&l.MetricsTimeout, DefaultMetricsTimeout)
	set(&l.APITimeout, DefaultAPITimeout)
	set(&l.SlowTimeout, DefaultSlowTimeout)
	return l
}

// gate bounds the handlers of a route class running at once.
type gate chan struct{}

// enter takes a place, or reports that there is none: a request never
// queues for one, since a queue would hold its connection.
func (g gate) enter() bool {
	select {
	case g <- struct{}{}:
		return true
	default:
		return false
	}
}

func (g gate) leave() { <-g }

// route is what a request may take of the service on one route.
type route struct {
	budget time.Duration
	// maxBody is the largest body the route reads; 0 for routes that
	// read none.
	maxBody int64
	gate    gate // nil: none
}

// guarded is the state the route guard shares between handlers.
type guarded struct {
	limits Limits
	// The gates are shared by every handler of the server, whatever
	// listener serves it.
	api, ready, metrics gate
	refused             *prometheus.CounterVec
	evicted             *prometheus.CounterVec
	open                *prometheus.GaugeVec
}

func newGuarded(lim Limits, reg prometheus.Registerer) *guarded {
	lim = lim.withDefaults()
	g := &guarded{
		limits:  lim,
		api:     make(gate, lim.MaxRequests),
		ready:   make(gate, maxReadyRequests),
		metrics: make(gate, maxMetricsRequests),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftmon_http_requests_refused_total",
			Help: "HTTP requests refused before their handler: busy (the route's requests at once are at their limit) or body (a body larger than the route reads).",
		}, []string{"reason"}),
		evicted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftmon_http_connections_evicted_total",
			Help: "Connections waiting for a request that were closed to make room for a new one at http.max_connections, by listener.",
		}, []string{"listener"}),
		open: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "driftmon_http_connections_open",
			Help: "Connections open, by listener; each holds at most http.max_connections.",
		}, []string{"listener"}),
	}
	for _, r := range []string{"busy", "body"} {
		g.refused.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(g.refused, g.evicted, g.open)
	}
	return g
}

// guard serves mux's routes within their limits. It looks the route up
// before the handler runs, so that a request to any route, an unknown one
// included, has deadlines and a body cap.
func (s *Server) guard(mux *http.ServeMux, routes map[string]*route, fallback *route) http.Handler {
	g := s.guarded()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		rt := routes[pattern]
		if rt == nil {
			rt = fallback
		}
		// Without a read deadline, Go waits for a declared body for ever,
		// even to discard it after the handler; the server's ReadTimeout
		// cannot differ per route. The servers of tests that record
		// responses support neither deadline: nothing to bound there.
		rc := http.NewResponseController(w)
		dl := time.Now().Add(rt.budget + deadlineGrace)
		_ = rc.SetReadDeadline(dl)
		_ = rc.SetWriteDeadline(dl)
		if r.ContentLength > rt.maxBody || (r.ContentLength < 0 && rt.maxBody == 0) {
			g.refused.WithLabelValues("body").Inc()
			closeUnread(w, r)
			msg := "request body: this route reads none"
			if rt.maxBody > 0 {
				msg = fmt.Sprintf("request body: at most %d bytes", rt.maxBody)
			}
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": msg})
			return
		}
		if r.ContentLength != 0 {
			r.Body = http.MaxBytesReader(w, r.Body, rt.maxBody)
		}
		if rt.gate != nil {
			if !rt.gate.enter() {
				g.refused.WithLabelValues("busy").Inc()
				closeUnread(w, r)
				w.Header().Set("Retry-After", retryBusy)
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "busy: too many requests at once"})
				return
			}
			defer rt.gate.leave()
		}
		ctx, cancel := context.WithTimeout(r.Context(), rt.budget)
		defer cancel()
		mux.ServeHTTP(w, r.WithContext(ctx))
	})
}

// closeUnread closes the connection at once after an answer given before
// the request's body was read. Go would otherwise wait for the body to
// discard it (up to 256 KiB) before the next request, or, with the
// connection to be closed, before closing it: a read deadline that has
// passed ends that wait.
func closeUnread(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
		_ = http.NewResponseController(w).SetReadDeadline(time.Now())
	}
}
