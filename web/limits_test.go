package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// answerWithin is how long a test waits for an answer the service must
// give at once: generous, since only a hang may exceed it.
const answerWithin = 10 * time.Second

// serveLimited serves api's routes as the service does: its http.Server
// on its connection-capped listener.
func serveLimited(t *testing.T, api *Server) (addr string, reg *prometheus.Registry, l *limitListener) {
	t.Helper()
	reg = prometheus.NewRegistry()
	api.log = slog.New(slog.DiscardHandler)
	api.gatherer, api.registerer = reg, reg
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.HTTPServer(api.Handler())
	l = api.Listener(ln, "http").(*limitListener)
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), reg, l
}

// dial opens a connection and sends raw (an HTTP request, or a part).
func dial(t *testing.T, addr, raw string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if raw != "" {
		if _, err := io.WriteString(c, raw); err != nil {
			t.Fatal(err)
		}
	}
	return c, bufio.NewReader(c)
}

// answer reads one response from c, failing the test after d.
func answer(t *testing.T, c net.Conn, br *bufio.Reader, d time.Duration) (*http.Response, string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v", d, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return resp, string(b)
}

// closedByServer reports whether the server closed c (a read ends in EOF
// or a reset rather than data or the deadline).
func closedByServer(c net.Conn, br *bufio.Reader, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := br.ReadByte()
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

// TestHTTPBodyCaps: a route takes at most the body it reads, none for
// every route but POST /api/v1/silences. A request with a larger declared
// body, sent or not, is answered 413 at once and its connection closed,
// instead of the server waiting for the body. So is one refused for its
// token before its body is read.
func TestHTTPBodyCaps(t *testing.T) {
	addr, reg, _ := serveLimited(t, &Server{store: apiStore(t), token: "t0ken"})
	cases := []struct {
		name, raw string
		status    int
		close     bool
	}{
		{"healthz, declared body never sent", "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", 413, true},
		{"api read, declared body never sent", "GET /api/v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", 413, true},
		{"metrics with a body", "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 413, true},
		{"unknown route, declared body", "GET /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", 413, true},
		{"healthz, chunked body never ended", "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 413, true},
		{"silence over 64 KiB", "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0ken\r\nContent-Length: 65537\r\n\r\n", 413, true},
		{"silence without token, body never sent", "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", 401, true},
		{"healthz, empty body", "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 200, false},
		{"healthz", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 200, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, br := dial(t, addr, tc.raw)
			resp, body := answer(t, c, br, answerWithin)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tc.status)
			}
			if resp.Close != tc.close {
				t.Errorf("connection closes after the answer: %v, want %v", resp.Close, tc.close)
			}
			if tc.close && !closedByServer(c, br, answerWithin) {
				t.Errorf("connection still open")
			}
		})
	}
	if got := counterValue(t, reg, "driftmon_http_requests_refused_total", "body"); got != 6 {
		t.Errorf("refused for their body: %v, want 6", got)
	}
}

// counterValue is the value of counter name in reg, of the series with
// the given reason label ("" for one without).
func counterValue(t *testing.T, reg *prometheus.Registry, name, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			got := ""
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "reason" {
					got = lp.GetValue()
				}
			}
			if got == reason {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no %s{reason=%q}", name, reason)
	return 0
}

// gaugeValue is the value of gauge name in reg, of its one series.
func gaugeValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s with one series", name)
	return 0
}

// waitIdle waits until n of l's connections are idle: Go reports a
// connection idle after its client may have read the answer.
func waitIdle(t *testing.T, l *limitListener, n int) {
	t.Helper()
	deadline := time.Now().Add(answerWithin)
	for {
		l.mu.Lock()
		idle := l.idle.Len()
		l.mu.Unlock()
		if idle == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d idle connections, want %d", idle, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// blockingStore holds every Models call until release is closed or the
// request's context ends; entered hears of each call.
type blockingStore struct {
	failingReader
	entered chan struct{}
	release chan struct{}
}

func newBlockingStore() *blockingStore {
	return &blockingStore{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (b *blockingStore) Models(ctx context.Context) ([]string, error) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
		return []string{"m"}, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("models: %w", ctx.Err())
	}
}

func (b *blockingStore) Ping(context.Context) error { return nil }

func (b *blockingStore) waitEntered(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-b.entered:
		case <-time.After(answerWithin):
			t.Fatalf("fewer than %d handlers reached storage", n)
		}
	}
}

// TestHTTPBusy: with the API's requests at once at their limit, another
// API request is a 503 with Retry-After at once, and /healthz, /readyz
// and /metrics still answer.
func TestHTTPBusy(t *testing.T) {
	store := newBlockingStore()
	api := &Server{store: store, limits: Limits{MaxRequests: 2}}
	api.consumerReady = func() bool { return true }
	addr, reg, _ := serveLimited(t, api)
	base := "http://" + addr
	held := make(chan int, 2)
	for range 2 {
		go func() {
			resp, err := http.Get(base + "/api/v1/models")
			if err != nil {
				held <- 0
				return
			}
			resp.Body.Close()
			held <- resp.StatusCode
		}()
	}
	store.waitEntered(t, 2)

	status, hdr, body, raw := get(t, base, "/api/v1/models", "")
	if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") != retryBusy {
		t.Errorf("API at its limit: %d Retry-After %q (%s), want 503 and %s", status, hdr.Get("Retry-After"), raw, retryBusy)
	}
	if msg, _ := body["error"].(string); !strings.HasPrefix(msg, "busy") {
		t.Errorf("error %q, want busy", msg)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if status, _ := getPage(t, base+p, ""); status != http.StatusOK {
			t.Errorf("GET %s while the API is busy: %d, want 200", p, status)
		}
	}
	if got := counterValue(t, reg, "driftmon_http_requests_refused_total", "busy"); got != 1 {
		t.Errorf("refused as busy: %v, want 1", got)
	}
	close(store.release)
	for range 2 {
		if s := <-held; s != http.StatusOK {
			t.Errorf("held request: %d, want 200", s)
		}
	}
	if status, _, _, raw := get(t, base, "/api/v1/models", ""); status != http.StatusOK {
		t.Errorf("after the held requests: %d (%s), want 200", status, raw)
	}
}

// TestHTTPTimeout: a request whose route's budget runs out is a 503 with
// Retry-After; storage's context ends with it.
func TestHTTPTimeout(t *testing.T) {
	store := newBlockingStore()
	addr, _, _ := serveLimited(t, &Server{store: store, limits: Limits{APITimeout: 100 * time.Millisecond}})
	status, hdr, body, raw := get(t, "http://"+addr, "/api/v1/models", "")
	if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") != retryUnavailable {
		t.Errorf("out of time: %d Retry-After %q (%s), want 503 and %s", status, hdr.Get("Retry-After"), raw, retryUnavailable)
	}
	if body["error"] != "timed out" || body["request_id"] == "" {
		t.Errorf("body %s, want timed out with a request id", raw)
	}
}

// TestHTTPConnectionCap: at the cap, a new connection displaces the one
// idle longest, else the one that has sent nothing for longest; a
// connection with a request in progress is never closed for it, and a new
// one waits for it to end.
func TestHTTPConnectionCap(t *testing.T) {
	const healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	t.Run("idle first", func(t *testing.T) {
		addr, reg, l := serveLimited(t, &Server{store: apiStore(t), limits: Limits{MaxConnections: 3}})
		var conns []net.Conn
		var readers []*bufio.Reader
		for range 3 {
			c, br := dial(t, addr, healthz)
			answer(t, c, br, answerWithin)
			conns, readers = append(conns, c), append(readers, br)
			waitIdle(t, l, len(conns))
		}
		// A connection that has sent nothing yet, then a fourth client.
		silent, silentR := dial(t, addr, "")
		c, br := dial(t, addr, healthz)
		if resp, _ := answer(t, c, br, answerWithin); resp.StatusCode != http.StatusOK {
			t.Fatalf("new client at the cap: %d, want 200", resp.StatusCode)
		}
		// The silent one displaced the first idle one, the new client
		// the second.
		for i, want := range []bool{true, true, false} {
			if got := closedByServer(conns[i], readers[i], time.Second); got != want {
				t.Errorf("idle connection %d closed: %v, want %v", i, got, want)
			}
		}
		if closedByServer(silent, silentR, 100*time.Millisecond) {
			t.Errorf("the silent connection was closed while idle ones were left")
		}
		if got := counterValue(t, reg, "driftmon_http_connections_evicted_total", ""); got != 2 {
			t.Errorf("evicted: %v, want 2", got)
		}
		if got := gaugeValue(t, reg, "driftmon_http_connections_open"); got != 3 {
			t.Errorf("open: %v, want 3", got)
		}
	})
	t.Run("then silent ones", func(t *testing.T) {
		addr, _, _ := serveLimited(t, &Server{store: apiStore(t), limits: Limits{MaxConnections: 2}})
		first, firstR := dial(t, addr, "")
		second, secondR := dial(t, addr, "GET /heal") // half a request line
		c, br := dial(t, addr, healthz)
		if resp, _ := answer(t, c, br, answerWithin); resp.StatusCode != http.StatusOK {
			t.Fatalf("new client at the cap: %d, want 200", resp.StatusCode)
		}
		if !closedByServer(first, firstR, answerWithin) {
			t.Errorf("the oldest silent connection is still open")
		}
		if closedByServer(second, secondR, 100*time.Millisecond) {
			t.Errorf("the younger silent connection was closed")
		}
	})
	t.Run("requests in progress kept", func(t *testing.T) {
		store := newBlockingStore()
		addr, _, _ := serveLimited(t, &Server{store: store, limits: Limits{MaxConnections: 2, MaxRequests: 2}})
		const models = "GET /api/v1/models HTTP/1.1\r\nHost: x\r\n\r\n"
		c1, r1 := dial(t, addr, models)
		c2, r2 := dial(t, addr, models)
		store.waitEntered(t, 2)
		c3, r3 := dial(t, addr, healthz)
		// A correct server cannot answer before a request ends; a wrong
		// one would, and this catches it.
		c3.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if _, err := r3.ReadByte(); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("third connection served or closed (%v) while both requests were in progress", err)
		}
		r3.UnreadByte()
		close(store.release)
		for i, cr := range []struct {
			c net.Conn
			r *bufio.Reader
		}{{c1, r1}, {c2, r2}, {c3, r3}} {
			if resp, body := answer(t, cr.c, cr.r, answerWithin); resp.StatusCode != http.StatusOK {
				t.Errorf("connection %d: %d (%s), want 200", i+1, resp.StatusCode, body)
			}
		}
	})
}

// TestHTTPProbeHandler: the probes' listener serves /metrics, /healthz
// and /readyz, and nothing of the API.
func TestHTTPProbeHandler(t *testing.T) {
	api := &Server{store: apiStore(t), log: slog.New(slog.DiscardHandler), gatherer: prometheus.NewRegistry()}
	api.consumerReady = func() bool { return true }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.HTTPServer(api.ProbeHandler())
	go srv.Serve(api.Listener(ln, "metrics"))
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String()
	for p, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200,
		"/api/v1/models": 404, "/": 404, "/alerts": 404} {
		if status, body := getPage(t, base+p, ""); status != want {
			t.Errorf("GET %s: %d (%.100s), want %d", p, status, body, want)
		}
	}
}
