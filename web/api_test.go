package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/embedded"
)

// apiBase is where windowsOf's windows start: minute-long windows 0, 1, 2
// start at apiBase, apiBase+1m, apiBase+2m.
var apiBase = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// apiStore opens an embedded store holding windowsOf's three windows of
// model m (50 events each) and, per window, three results: x/ks, x/psi and
// c/psi, all covariate.
func apiStore(t *testing.T) *embedded.Store {
	t.Helper()
	abc := []string{"a", "b", "c"}
	ws := testenv.WindowsOf(t, []float64{0, 0, 0}, [][]string{abc, abc, abc}, 50)
	if len(ws) != 3 {
		t.Fatalf("%d windows, want 3", len(ws))
	}
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	for i, w := range ws {
		var res []drift.Result
		for _, fm := range [][2]string{{"x", "ks"}, {"x", "psi"}, {"c", "psi"}} {
			res = append(res, drift.Result{Model: "m", Family: drift.Covariate, Feature: fm[0], Method: fm[1],
				WindowSeq: w.Seq, WindowStart: w.Start, WindowEnd: w.End, NReference: 50, NCurrent: 50})
		}
		if err := store.WriteWindow(context.Background(), w, res, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

// newAPI serves api over HTTP; the clock stands 2 hours after apiBase
// unless api sets one.
func newAPI(t *testing.T, api *Server) (base string, logs *testenv.SyncBuffer) {
	t.Helper()
	logs = &testenv.SyncBuffer{}
	api.log = slog.New(slog.NewTextHandler(logs, nil))
	api.gatherer = prometheus.NewRegistry()
	if api.now == nil {
		api.now = func() time.Time { return apiBase.Add(2 * time.Hour) }
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return srv.URL, logs
}

// get fetches path with an optional Authorization header and decodes a
// JSON body into a generic map.
func get(t *testing.T, base, path, auth string) (int, http.Header, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("GET %s: %d, body %q is not a JSON object: %v", path, resp.StatusCode, raw, err)
	}
	return resp.StatusCode, resp.Header, body, string(raw)
}

func count(body map[string]any, key string) int {
	list, _ := body[key].([]any)
	return len(list)
}

// TestHTTPAPIBadRequests: every malformed or out-of-bounds parameter is a
// 400 whose error names the parameter, before storage is asked.
func TestHTTPAPIBadRequests(t *testing.T) {
	base, _ := newAPI(t, &Server{store: apiStore(t)})
	long := strings.Repeat("a", 129)
	q := url.QueryEscape
	cases := []struct {
		name, path, param string
	}{
		{"results without model", "/api/v1/results", "model"},
		{"results with empty model", "/api/v1/results?model=&feature=x", "model"},
		{"results model with space", "/api/v1/results?model=" + q("m x"), "model"},
		{"results model with quote", "/api/v1/results?model=" + q("m' OR 1=1 --"), "model"},
		{"results model with colon", "/api/v1/results?model=" + q("m:x"), "model"},
		{"results model of 129 bytes", "/api/v1/results?model=" + long, "model"},
		{"results feature with space", "/api/v1/results?model=m&feature=" + q("x y"), "feature"},
		{"results feature with slash", "/api/v1/results?model=m&feature=" + q("../x"), "feature"},
		{"results feature of 129 bytes", "/api/v1/results?model=m&feature=" + long, "feature"},
		{"results method with quote", "/api/v1/results?model=m&method=" + q("ks'"), "method"},
		{"results method of 129 bytes", "/api/v1/results?model=m&method=" + long, "method"},
		{"results unknown family", "/api/v1/results?model=m&family=covariates", "family"},
		{"results family in capitals", "/api/v1/results?model=m&family=Covariate", "family"},
		{"results model_version not UTF-8", "/api/v1/results?model=m&model_version=%ff", "model_version"},
		{"results model_version of 257 bytes", "/api/v1/results?model=m&model_version=" + strings.Repeat("v", 257), "model_version"},
		{"results limit 0", "/api/v1/results?model=m&limit=0", "limit"},
		{"results limit -1", "/api/v1/results?model=m&limit=-1", "limit"},
		{"results limit not a number", "/api/v1/results?model=m&limit=ten", "limit"},
		{"results limit 10001", "/api/v1/results?model=m&limit=10001", "limit"},
		{"results limit beyond int", "/api/v1/results?model=m&limit=99999999999999999999", "limit"},
		{"results from not RFC 3339", "/api/v1/results?model=m&from=2026-03-01", "from"},
		{"results to not RFC 3339", "/api/v1/results?model=m&to=yesterday", "to"},
		{"results from equal to to", "/api/v1/results?model=m&from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z", "from"},
		{"results unknown order", "/api/v1/results?model=m&order=newest", "order"},
		{"results order in capitals", "/api/v1/results?model=m&order=DESC", "order"},
		{"windows without model", "/api/v1/windows", "model"},
		{"windows model with space", "/api/v1/windows?model=" + q("m x"), "model"},
		{"windows model of 129 bytes", "/api/v1/windows?model=" + long, "model"},
		{"windows from not RFC 3339", "/api/v1/windows?model=m&from=now", "from"},
		{"windows to not RFC 3339", "/api/v1/windows?model=m&to=1700000000", "to"},
		{"windows from after to", "/api/v1/windows?model=m&from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "from"},
		// 31 days and one second.
		{"windows span over 31 days", "/api/v1/windows?model=m&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:01Z", "from, to"},
		// from alone runs to now (apiBase+2h): 59 days.
		{"windows from alone too far back", "/api/v1/windows?model=m&from=2026-01-01T00:00:00Z", "from, to"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body, raw := get(t, base, tc.path, "")
			if status != http.StatusBadRequest {
				t.Fatalf("status %d (body %s), want 400", status, raw)
			}
			msg, _ := body["error"].(string)
			if !strings.HasPrefix(msg, tc.param+":") {
				t.Errorf("error %q should start with %q", msg, tc.param+":")
			}
		})
	}
}

// TestHTTPAPIQueries: valid queries over the three stored windows (nine
// results, three per window).
func TestHTTPAPIQueries(t *testing.T) {
	base, _ := newAPI(t, &Server{store: apiStore(t)})
	cases := []struct {
		path, key string
		want      int
		truncated bool
	}{
		{"/api/v1/results?model=m", "results", 9, false},
		// Rows left out past the limit are said to be.
		{"/api/v1/results?model=m&limit=2", "results", 2, true},
		{"/api/v1/results?model=m&limit=8", "results", 8, true},
		{"/api/v1/results?model=m&limit=9", "results", 9, false},
		{"/api/v1/results?model=m&limit=10000", "results", 9, false},
		{"/api/v1/results?model=m&feature=x", "results", 6, false},
		{"/api/v1/results?model=m&feature=x&method=ks&family=covariate", "results", 3, false},
		{"/api/v1/results?model=m&family=quality", "results", 0, false},
		{"/api/v1/results?model=m&feature=" + url.QueryEscape("ns:x-1.y_2"), "results", 0, false},
		{"/api/v1/results?model=other", "results", 0, false},
		// window_start in [apiBase+1m, apiBase+2m): window 1 only.
		{"/api/v1/results?model=m&from=2026-03-01T00:01:00Z&to=2026-03-01T00:02:00Z", "results", 3, false},
		// Default span: the 24 hours before now (apiBase+2h).
		{"/api/v1/windows?model=m", "windows", 3, false},
		{"/api/v1/windows?model=m&from=2026-03-01T00:01:00Z", "windows", 2, false},
		// to alone: the 24 hours before it, which end before window 2.
		{"/api/v1/windows?model=m&to=2026-03-01T00:02:00Z", "windows", 2, false},
		// Exactly 31 days is allowed.
		{"/api/v1/windows?model=m&from=2026-02-01T00:00:00Z&to=2026-03-04T00:00:00Z", "windows", 3, false},
		{"/api/v1/windows?model=other", "windows", 0, false},
		{"/api/v1/models", "models", 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			status, _, body, raw := get(t, base, tc.path, "")
			if status != http.StatusOK {
				t.Fatalf("status %d (body %s), want 200", status, raw)
			}
			if got := count(body, tc.key); got != tc.want {
				t.Errorf("%d %s, want %d (body %s)", got, tc.key, tc.want, raw)
			}
			if got, _ := body["truncated"].(bool); got != tc.truncated {
				t.Errorf("truncated %v, want %v (body %s)", got, tc.truncated, raw)
			}
			if _, ok := body["truncated"]; ok && !tc.truncated {
				t.Errorf("truncated set on a complete answer: %s", raw)
			}
		})
	}
}

// TestHTTPAPIResultsOrder: results come newest window first by default
// (order=desc), oldest first with order=asc, and a limit keeps the end
// the order starts with.
func TestHTTPAPIResultsOrder(t *testing.T) {
	base, _ := newAPI(t, &Server{store: apiStore(t)})
	starts := func(body map[string]any) []string {
		var out []string
		for _, r := range body["results"].([]any) {
			out = append(out, r.(map[string]any)["window_start"].(string))
		}
		return out
	}
	w := func(i int) string { return apiBase.Add(time.Duration(i) * time.Minute).Format(time.RFC3339) }
	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{w(2), w(2), w(2), w(1), w(1), w(1), w(0), w(0), w(0)}},
		{"&order=desc", []string{w(2), w(2), w(2), w(1), w(1), w(1), w(0), w(0), w(0)}},
		{"&order=asc", []string{w(0), w(0), w(0), w(1), w(1), w(1), w(2), w(2), w(2)}},
		{"&limit=4", []string{w(2), w(2), w(2), w(1)}},
		{"&limit=4&order=asc", []string{w(0), w(0), w(0), w(1)}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			status, _, body, raw := get(t, base, "/api/v1/results?model=m"+tc.query, "")
			if status != http.StatusOK {
				t.Fatalf("status %d (body %s), want 200", status, raw)
			}
			if got := starts(body); !slices.Equal(got, tc.want) {
				t.Errorf("window starts %v, want %v", got, tc.want)
			}
		})
	}
	// Within a window the rows keep their feature, method order.
	_, _, body, _ := get(t, base, "/api/v1/results?model=m&limit=3", "")
	var fm []string
	for _, r := range body["results"].([]any) {
		m := r.(map[string]any)
		fm = append(fm, m["feature"].(string)+"/"+m["method"].(string))
	}
	if want := []string{"c/psi", "x/ks", "x/psi"}; !slices.Equal(fm, want) {
		t.Errorf("newest window's rows %v, want %v", fm, want)
	}
}

// TestHTTPAPIWindowsShape: windows carry counts and means, in seq order,
// and never sketches or samples.
func TestHTTPAPIWindowsShape(t *testing.T) {
	base, _ := newAPI(t, &Server{store: apiStore(t)})
	status, _, body, raw := get(t, base, "/api/v1/windows?model=m", "")
	if status != http.StatusOK {
		t.Fatalf("status %d (body %s), want 200", status, raw)
	}
	for _, banned := range []string{"sketch", "sample", "bin_counts", "categories"} {
		if strings.Contains(raw, banned) {
			t.Errorf("body mentions %q: %.300s", banned, raw)
		}
	}
	ws, _ := body["windows"].([]any)
	for i, w := range ws {
		m, _ := w.(map[string]any)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"events", "features", "late", "model", "model_version", "seq", "window_end", "window_start"}; !slices.Equal(keys, want) {
			t.Errorf("window %d keys %v, want %v", i, keys, want)
		}
		// Windows are numbered by minutes since 1970 (windowsOf's base).
		if seq, want := m["seq"], float64(apiBase.Unix()/60+int64(i)); seq != want {
			t.Errorf("window %d: seq %v, want %v", i, seq, want)
		}
		if ev := m["events"]; ev != float64(50) {
			t.Errorf("window %d: %v events, want 50", i, ev)
		}
		fs, _ := m["features"].([]any)
		for _, f := range fs {
			fm, _ := f.(map[string]any)
			if fm["count"] != float64(50) {
				t.Errorf("window %d feature %v: count %v, want 50", i, fm["name"], fm["count"])
			}
			if _, hasMean := fm["mean"].(float64); hasMean != (fm["name"] == "x") {
				t.Errorf("window %d feature %v: mean %v; only numeric x has one", i, fm["name"], fm["mean"])
			}
		}
	}
}

// TestHTTPAPIToken: with reads protected, a request needs
// "Bearer <token>", the scheme in any case, the token exactly;
// unprotected reads need nothing.
func TestHTTPAPIToken(t *testing.T) {
	store := apiStore(t)
	cases := []struct {
		name          string
		token         string
		tokenForReads bool
		auth          string
		want          int
	}{
		{"open reads, no header", "s3cret", false, "", http.StatusOK},
		{"open reads, wrong token", "s3cret", false, "Bearer nope", http.StatusOK},
		{"protected, no header", "s3cret", true, "", http.StatusUnauthorized},
		{"protected, wrong token", "s3cret", true, "Bearer nope", http.StatusUnauthorized},
		{"protected, token prefix", "s3cret", true, "Bearer s3cre", http.StatusUnauthorized},
		{"protected, token without scheme", "s3cret", true, "s3cret", http.StatusUnauthorized},
		{"protected, basic scheme", "s3cret", true, "Basic s3cret", http.StatusUnauthorized},
		{"protected, right token", "s3cret", true, "Bearer s3cret", http.StatusOK},
		{"protected, scheme in lower case", "s3cret", true, "bearer s3cret", http.StatusOK},
		{"protected, scheme in capitals", "s3cret", true, "BEARER s3cret", http.StatusOK},
		{"protected, two spaces", "s3cret", true, "Bearer  s3cret", http.StatusOK},
		{"protected, token in other case", "s3cret", true, "Bearer S3CRET", http.StatusUnauthorized},
		{"protected, scheme glued to token", "s3cret", true, "Bearers3cret", http.StatusUnauthorized},
		{"protected, token and more", "s3cret", true, "Bearer s3cret x", http.StatusUnauthorized},
		{"protected without a token refuses all", "", true, "Bearer ", http.StatusUnauthorized},
	}
	paths := []string{"/api/v1/models", "/api/v1/results?model=m", "/api/v1/windows?model=m"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base, _ := newAPI(t, &Server{store: store, token: tc.token, tokenForReads: tc.tokenForReads})
			for _, p := range paths {
				status, hdr, _, raw := get(t, base, p, tc.auth)
				if status != tc.want {
					t.Errorf("GET %s: status %d (body %s), want %d", p, status, raw, tc.want)
				}
				if status == http.StatusUnauthorized && hdr.Get("WWW-Authenticate") != "Bearer" {
					t.Errorf("GET %s: 401 without WWW-Authenticate: Bearer", p)
				}
			}
		})
	}
}

// failingReader fails every read with an error naming a storage address
// and credentials, as a driver's dial error does: errSecret, which says
// storage is unavailable, unless err is set.
type failingReader struct{ err error }

const secretAddr = "clickhouse://driftmon:hunter2@10.9.8.7:9440/prod"

var errSecret = fmt.Errorf("read results: dial tcp %s: connection refused: %w", secretAddr, storage.ErrUnavailable)

// errBroken is a storage failure that is no outage (a query the server
// refuses, a row that does not decode).
var errBroken = fmt.Errorf("read results from %s: code 60: table does not exist", secretAddr)

func (f failingReader) fail() error {
	if f.err != nil {
		return f.err
	}
	return errSecret
}

func (f failingReader) Results(context.Context, storage.ResultQuery) ([]drift.Result, error) {
	return nil, f.fail()
}
func (f failingReader) Windows(context.Context, string, time.Time, time.Time) ([]*drift.WindowSummary, error) {
	return nil, f.fail()
}
func (f failingReader) Models(context.Context) ([]string, error) { return nil, f.fail() }
func (f failingReader) Ping(context.Context) error               { return f.fail() }
func (f failingReader) Alerts(context.Context, storage.AlertQuery) ([]drift.AlertRecord, error) {
	return nil, f.fail()
}
func (f failingReader) Silences(context.Context, time.Time) ([]drift.Silence, error) {
	return nil, f.fail()
}
func (f failingReader) SaveSilence(context.Context, drift.Silence) error { return f.fail() }

// TestHTTPAPIInternalErrors: a storage failure is an answer with a
// generic message and a request id, the log has the id with the real
// error. Storage that is unavailable is a 503 with a Retry-After on every
// route that reads it, the view included; any other failure is a 500.
func TestHTTPAPIInternalErrors(t *testing.T) {
	paths := []string{"/api/v1/results?model=m", "/api/v1/windows?model=m", "/api/v1/models",
		"/api/v1/alerts", "/api/v1/silences", "/", "/alerts"}
	for _, tc := range []struct {
		name       string
		err        error
		status     int
		retryAfter string
	}{
		{"unavailable", errSecret, http.StatusServiceUnavailable, retryUnavailable},
		{"broken", errBroken, http.StatusInternalServerError, ""},
	} {
		base, logs := newAPI(t, &Server{store: failingReader{err: tc.err}})
		for _, p := range paths {
			t.Run(tc.name+" "+p, func(t *testing.T) {
				status, hdr, body, raw := get(t, base, p, "")
				if status != tc.status {
					t.Fatalf("status %d (body %s), want %d", status, raw, tc.status)
				}
				if got := hdr.Get("Retry-After"); got != tc.retryAfter {
					t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
				}
				for _, secret := range []string{"10.9.8.7", "hunter2", "clickhouse://", "dial tcp", "code 60"} {
					if strings.Contains(raw, secret) {
						t.Errorf("body %s reveals %q", raw, secret)
					}
				}
				id, _ := body["request_id"].(string)
				if id == "" || hdr.Get("X-Request-Id") != id {
					t.Fatalf("request_id %q, X-Request-Id %q: want the same non-empty id", id, hdr.Get("X-Request-Id"))
				}
				var line string
				for _, l := range strings.Split(logs.String(), "\n") {
					if strings.Contains(l, "request_id="+id) {
						line = l
					}
				}
				if !strings.Contains(line, secretAddr) {
					t.Errorf("no log line with request_id=%s and the error; log:\n%s", id, logs.String())
				}
			})
		}
	}
	base, _ := newAPI(t, &Server{store: failingReader{}})
	t.Run("/readyz", func(t *testing.T) {
		status, _, _, raw := get(t, base, "/readyz", "")
		if status != http.StatusServiceUnavailable {
			t.Errorf("status %d, want 503", status)
		}
		if strings.Contains(raw, "10.9.8.7") || strings.Contains(raw, "hunter2") {
			t.Errorf("body %s reveals the storage address", raw)
		}
	})
}

// memWindows is an in-memory reader of count-only windows, with storage's
// contract for Windows (start in [from, to), seq order). It records how
// many windows each read returned.
type memWindows struct {
	failingReader
	ws []*drift.WindowSummary

	mu    sync.Mutex
	reads []int
}

func (m *memWindows) Windows(_ context.Context, model string, from, to time.Time) ([]*drift.WindowSummary, error) {
	var out []*drift.WindowSummary
	for _, w := range m.ws {
		if w.Model == model && !w.Start.Before(from) && w.Start.Before(to) {
			out = append(out, w)
		}
	}
	m.mu.Lock()
	m.reads = append(m.reads, len(out))
	m.mu.Unlock()
	return out, nil
}

// TestHTTPAPIWindowsCap: over maxWindows windows in the span, the newest
// maxWindows come back in seq order, marked truncated, read in chunks of
// at most windowsPerRead windows.
func TestHTTPAPIWindowsCap(t *testing.T) {
	const n = 1500
	var ws []*drift.WindowSummary
	for i := range n {
		start := apiBase.Add(time.Duration(i) * time.Minute)
		ws = append(ws, &drift.WindowSummary{Model: "m", Seq: int64(i), Start: start, End: start.Add(time.Minute), Events: 1})
	}
	// now: the end of the last window, so the default 24 hours hold
	// windows 60 to 1499, 1440 of them.
	now := ws[n-1].End
	cases := []struct {
		name, path      string
		want, first     int
		truncated       bool
		readsAtMost     int
		readBatchAtMost int
	}{
		{name: "default span", path: "/api/v1/windows?model=m",
			want: maxWindows, first: n - maxWindows, truncated: true,
			// Reads of 15 windows (the first 15-minute chunk), then of
			// 32 (chunk 15m*32/15 = 32m): 15 + 31*32 = 1007 > 1000 after
			// 32 reads.
			readsAtMost: 32, readBatchAtMost: windowsPerRead},
		{name: "span holding exactly the cap", path: "/api/v1/windows?model=m&from=" + ws[n-maxWindows].Start.Format(time.RFC3339),
			want: maxWindows, first: n - maxWindows, truncated: false,
			readsAtMost: 33, readBatchAtMost: windowsPerRead},
		{name: "short span", path: "/api/v1/windows?model=m&from=" + ws[n-10].Start.Format(time.RFC3339),
			want: 10, first: n - 10, truncated: false, readsAtMost: 1, readBatchAtMost: 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mem := &memWindows{ws: ws}
			base, _ := newAPI(t, &Server{store: mem, now: func() time.Time { return now }})
			status, _, body, raw := get(t, base, tc.path, "")
			if status != http.StatusOK {
				t.Fatalf("status %d (body %.300s), want 200", status, raw)
			}
			list, _ := body["windows"].([]any)
			if len(list) != tc.want {
				t.Fatalf("%d windows, want %d", len(list), tc.want)
			}
			for i, w := range list {
				if seq := w.(map[string]any)["seq"]; seq != float64(tc.first+i) {
					t.Fatalf("window %d has seq %v, want %d (the newest, oldest first)", i, seq, tc.first+i)
				}
			}
			if got, _ := body["truncated"].(bool); got != tc.truncated {
				t.Errorf("truncated %v, want %v", got, tc.truncated)
			}
			if len(mem.reads) > tc.readsAtMost {
				t.Errorf("%d storage reads %v, want at most %d", len(mem.reads), mem.reads, tc.readsAtMost)
			}
			if m := slices.Max(mem.reads); m > tc.readBatchAtMost {
				t.Errorf("a storage read returned %d windows, want at most %d (reads %v)", m, tc.readBatchAtMost, mem.reads)
			}
		})
	}
}
