package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	vErrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/clickhouse"
	"github.com/driftmon/driftmon/storage/embedded"
)

// The OpenAPI document is checked with libopenapi-validator: it validates
// the document against the OpenAPI 3.1 schema, and requests and responses
// (status, headers, bodies) against the document with a JSON Schema
// 2020-12 validator, which is what a 3.1 document's schemas are.

// newOpenAPIValidator parses the embedded document, fails the test unless
// it is a valid OpenAPI 3.1 document, and returns a validator with
// options (format assertions always: date-time, int64).
func newOpenAPIValidator(t *testing.T, opts ...config.Option) validator.Validator {
	t.Helper()
	doc, err := libopenapi.NewDocument(openAPIDoc)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	v, errs := validator.NewValidator(doc, append(opts, config.WithFormatAssertions())...)
	if len(errs) > 0 {
		t.Fatalf("openapi.json: building the validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		t.Fatalf("openapi.json is not a valid OpenAPI document:\n%s", validationErrors(verrs))
	}
	return v
}

func validationErrors(errs []*vErrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  %s: %s\n", e.Message, e.Reason)
		for _, se := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "    at %s (%s): %s\n", se.FieldPath, se.KeywordLocation, se.Reason)
		}
	}
	return b.String()
}

// documentedOps reads the document's operations, as "METHOD /path", with
// the status codes each documents.
func documentedOps(t *testing.T) map[string][]string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	ops := map[string][]string{}
	for path, item := range doc.Paths {
		for method, op := range item {
			var codes []string
			for code := range op.Responses {
				codes = append(codes, code)
			}
			slices.Sort(codes)
			ops[strings.ToUpper(method)+" "+path] = codes
		}
	}
	return ops
}

// opOf turns a ServeMux pattern into the document's "METHOD /path": {$}
// (the exact path, no subtree) has no counterpart in OpenAPI, whose paths
// are exact anyway; {id} is written alike in both.
func opOf(pattern string) string { return strings.TrimSuffix(pattern, "{$}") }

// TestOpenAPIRoutes: the document lists exactly the routes the server
// registers, every method of every path.
func TestOpenAPIRoutes(t *testing.T) {
	newOpenAPIValidator(t)
	docOps := documentedOps(t)
	registered := map[string]bool{}
	for _, rt := range (&Server{}).routeTable() {
		op := opOf(rt.pattern)
		registered[op] = true
		if docOps[op] == nil {
			t.Errorf("route %q is registered but not in openapi.json", rt.pattern)
		}
	}
	for op := range docOps {
		if !registered[op] {
			t.Errorf("openapi.json documents %q, which the server does not register", op)
		}
	}
	if len(registered) == 0 {
		t.Error("the route table is empty")
	}
}

// apiCase is one request of the conformance test and the status it must
// get.
type apiCase struct {
	server       string // which of the backend's servers (see conformance)
	method, path string
	auth, body   string
	// declare, when set, is sent as the Content-Length of a body that is
	// never sent, over a raw connection: the service must answer without
	// waiting for it.
	declare int
	status  int
	// schemaRejects: the request breaks the document's own parameter or
	// body schema, so request validation must fail too, showing that the
	// document is no looser than the server. Off for 400s of rules a
	// schema cannot state (from before to, a glob that does not compile).
	schemaRejects bool
}

const openAPIToken = "t0ken"

// openAPICases exercise every documented operation and response of the
// servers conformance builds. "{created}" stands for the id of the silence
// the case before created.
func openAPICases() []apiCase {
	bearer := "Bearer " + openAPIToken
	good := `{"matchers": {"model": "m", "feature": "x*"}, "duration": "2h", "created_by": "ana", "comment": "known"}`
	cases := []apiCase{
		{server: "open", method: "GET", path: "/healthz", status: 200},
		{server: "open", method: "GET", path: "/readyz", status: 200},
		{server: "tokenless", method: "GET", path: "/readyz", status: 503},
		{server: "open", method: "GET", path: "/metrics", status: 200},
		{server: "open", method: "GET", path: "/openapi.json", status: 200},
		{server: "locked", method: "GET", path: "/openapi.json", status: 200},

		{server: "open", method: "GET", path: "/api/v1/models", status: 200},
		{server: "locked", method: "GET", path: "/api/v1/models", status: 401},
		{server: "locked", method: "GET", path: "/api/v1/models", auth: bearer, status: 200},
		{server: "closed", method: "GET", path: "/api/v1/models", status: 500},

		{server: "open", method: "GET", path: "/api/v1/results?model=m", status: 200},
		{server: "open", method: "GET", path: "/api/v1/results?model=m&order=asc&limit=2&family=covariate&feature=x&method=ks", status: 200},
		{server: "open", method: "GET", path: "/api/v1/results?model=m&limit=1", status: 200}, // truncated
		{server: "open", method: "GET", path: "/api/v1/results?model=m&from=2026-03-01T00:00:00Z&to=2026-03-01T00:02:00Z", status: 200},
		{server: "open", method: "GET", path: "/api/v1/results", status: 400, schemaRejects: true},
		{server: "open", method: "GET", path: "/api/v1/results?model=m&order=sideways", status: 400, schemaRejects: true},
		{server: "open", method: "GET", path: "/api/v1/results?model=m&limit=0", status: 400, schemaRejects: true},
		{server: "open", method: "GET", path: "/api/v1/results?model=m&family=odd", status: 400, schemaRejects: true},
		{server: "open", method: "GET", path: "/api/v1/results?model=m%20x", status: 400, schemaRejects: true},
		{server: "open", method: "GET", path: "/api/v1/results?model=m&from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", status: 400},
		{server: "locked", method: "GET", path: "/api/v1/results?model=m", status: 401},
		{server: "closed", method: "GET", path: "/api/v1/results?model=m", status: 500},

		{server: "open", method: "GET", path: "/api/v1/windows?model=m", status: 200},
		{server: "open", method: "GET", path: "/api/v1/windows?model=m&from=2026-03-01T00:00:00Z&to=2026-03-01T00:01:30Z", status: 200},
		{server: "open", method: "GET", path: "/api/v1/windows", status: 400, schemaRejects: true},
		{server: "open", method: "GET", path: "/api/v1/windows?model=m&from=yesterday", status: 400, schemaRejects: true},
		{server: "open", method: "GET", path: "/api/v1/windows?model=m&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", status: 400},
		{server: "locked", method: "GET", path: "/api/v1/windows?model=m", status: 401},
		{server: "closed", method: "GET", path: "/api/v1/windows?model=m", status: 500},

		{server: "open", method: "GET", path: "/api/v1/alerts", status: 200},
		{server: "open", method: "GET", path: "/api/v1/alerts?model=m&rule=feature-drift&state=firing&limit=5", status: 200},
		{server: "open", method: "GET", path: "/api/v1/alerts?state=odd", status: 400, schemaRejects: true},
		{server: "open", method: "GET", path: "/api/v1/alerts?limit=1001", status: 400, schemaRejects: true},
		{server: "locked", method: "GET", path: "/api/v1/alerts", status: 401},
		{server: "closed", method: "GET", path: "/api/v1/alerts", status: 500},

		{server: "open", method: "POST", path: "/api/v1/silences", auth: bearer, body: good, status: 201},
		{server: "open", method: "GET", path: "/api/v1/silences", status: 200},
		{server: "open", method: "DELETE", path: "/api/v1/silences/{created}", auth: bearer, status: 200},
		{server: "open", method: "GET", path: "/api/v1/silences?all=true", status: 200},
		{server: "open", method: "DELETE", path: "/api/v1/silences/nope", auth: bearer, status: 404},
		{server: "open", method: "POST", path: "/api/v1/silences", auth: bearer, body: `{"matchers": {"model": "m"}, "duration": "2h"}`,
			status: 400, schemaRejects: true},
		{server: "open", method: "POST", path: "/api/v1/silences", auth: bearer, body: `{"matchers": {"model": "m"}, "duration": "1h", "created_by": "ana", "x": 1}`,
			status: 400, schemaRejects: true},
		{server: "open", method: "POST", path: "/api/v1/silences", auth: bearer, body: `{"matchers": {"model": "[m"}, "duration": "1h", "created_by": "ana"}`,
			status: 400},
		{server: "open", method: "POST", path: "/api/v1/silences", body: good, status: 401},
		{server: "open", method: "DELETE", path: "/api/v1/silences/nope", auth: "Bearer wrong", status: 401},
		{server: "tokenless", method: "POST", path: "/api/v1/silences", auth: bearer, body: good, status: 403},
		{server: "tokenless", method: "DELETE", path: "/api/v1/silences/nope", auth: bearer, status: 403},
		{server: "locked", method: "GET", path: "/api/v1/silences", status: 401},
		{server: "closed", method: "GET", path: "/api/v1/silences", status: 500},
		{server: "closed", method: "POST", path: "/api/v1/silences", auth: bearer, body: good, status: 500},
		{server: "closed", method: "DELETE", path: "/api/v1/silences/nope", auth: bearer, status: 500},
		{server: "open", method: "POST", path: "/api/v1/silences", auth: bearer, declare: maxSilenceBody + 1, status: 413},

		{server: "open", method: "GET", path: "/", status: 200},
		{server: "open", method: "GET", path: "/?model=m&feature=c&seq=1", status: 200},
		{server: "open", method: "GET", path: "/?seq=x", status: 400, schemaRejects: true},
		{server: "locked", method: "GET", path: "/", status: 401},
		{server: "closed", method: "GET", path: "/", status: 500},

		{server: "open", method: "GET", path: "/alerts", status: 200},
		{server: "open", method: "GET", path: "/alerts?model=m", status: 200},
		{server: "open", method: "GET", path: "/alerts?model=..%2Fx%20y", status: 400, schemaRejects: true},
		{server: "locked", method: "GET", path: "/alerts", status: 401},
		{server: "closed", method: "GET", path: "/alerts", status: 500},
	}
	// Every route but POST /api/v1/silences reads no body: one declared
	// is refused before the handler.
	for _, rt := range (&Server{}).routeTable() {
		if rt.pattern == "POST /api/v1/silences" {
			continue
		}
		method, path, _ := strings.Cut(opOf(rt.pattern), " ")
		path = strings.ReplaceAll(path, "{id}", "nope")
		cases = append(cases, apiCase{server: "open", method: method, path: path, auth: bearer, declare: 1, status: 413})
	}
	return cases
}

// busyCases are requests to every route that takes a place among the
// API's requests at once, while the only place is held: each is a 503.
func busyCases() []apiCase {
	bearer := "Bearer " + openAPIToken
	var cases []apiCase
	for _, rt := range (&Server{}).routeTable() {
		method, path, _ := strings.Cut(opOf(rt.pattern), " ")
		switch rt.pattern {
		case "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json":
			continue // their own limits, or none
		case "GET /api/v1/results", "GET /api/v1/windows":
			path += "?model=m"
		case "DELETE /api/v1/silences/{id}":
			path = strings.ReplaceAll(path, "{id}", "nope")
		}
		c := apiCase{server: "busy", method: method, path: path, auth: bearer, status: 503}
		if method == "POST" {
			c.body = `{"matchers": {"model": "m"}, "duration": "1h", "created_by": "ana"}`
		}
		cases = append(cases, c)
	}
	return cases
}

// downCases read storage that went away after it was opened: every route
// that reads it is a 503, not a 500.
func downCases() []apiCase {
	var cases []apiCase
	for _, c := range busyCases() {
		c.server = "down"
		cases = append(cases, c)
	}
	return cases
}

// heldCollector collects nothing until release is closed, and tells
// waiting of each scrape it holds: /metrics is gathered from memory at
// once, and its places among the scrapes at once can be held no other
// way. It describes nothing, so a registry takes it unchecked.
type heldCollector struct {
	waiting, release chan struct{}
}

func (c *heldCollector) Describe(chan<- *prometheus.Desc) {}

func (c *heldCollector) Collect(chan<- prometheus.Metric) {
	c.waiting <- struct{}{}
	<-c.release
}

// openAPIBackend is a store of one backend for the conformance test:
// seeded, plus one that fails as a closed store does (a 500) and, where
// the backend has a server to lose, one whose server went away (a 503).
type openAPIBackend struct {
	name string
	open func(t *testing.T) (seeded, closed, down Store)
}

// TestOpenAPIConformance: every documented operation answers against a
// real handler over HTTP, backed by each real store; every answer, errors
// included, validates against the document; every documented response of
// every operation is seen at least once.
func TestOpenAPIConformance(t *testing.T) {
	// Strict mode: a response property or header the document does not
	// declare is an error, so a field the server adds without documenting
	// it fails the test. /openapi.json is this document, whose own
	// objects the document does not spell out: it is validated without
	// strict mode, and compared with the file byte for byte.
	strict := newOpenAPIValidator(t, config.WithStrictMode())
	lax := newOpenAPIValidator(t)
	backends := []openAPIBackend{
		{name: "embedded", open: func(t *testing.T) (Store, Store, Store) {
			st, err := embedded.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			closed, err := embedded.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			closed.Close()
			return st, closed, nil
		}},
		{name: "clickhouse", open: func(t *testing.T) (Store, Store, Store) {
			addr, db, _ := testenv.ClickHouseDB(t)
			open := func(addr string) *clickhouse.Store {
				st, err := clickhouse.Open(t.Context(), clickhouse.Options{Addr: []string{addr}, Database: db})
				if err != nil {
					t.Fatalf("open ClickHouse at %s: %v", addr, err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
			st := open(addr)
			closed := open(addr)
			closed.Close()
			p := testenv.StartTCPProxy(t, addr)
			down := open(p.Addr())
			p.Cut()
			return st, closed, down
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			seeded, closed, down := b.open(t)
			seedOpenAPIStore(t, seeded.(storage.Store))
			servers := map[string]*Server{
				"open":      {store: seeded, token: openAPIToken, consumerReady: func() bool { return true }},
				"locked":    {store: seeded, token: openAPIToken, tokenForReads: true},
				"tokenless": {store: seeded},
				"closed":    {store: closed, token: openAPIToken},
				// One place, and budgets that outlast the test: the request
				// holding the place ends only when the test closes it.
				"busy": {store: seeded, token: openAPIToken,
					limits: Limits{MaxRequests: 1, APITimeout: time.Hour, SlowTimeout: time.Hour}},
			}
			if down != nil {
				servers["down"] = &Server{store: down, token: openAPIToken}
			}
			bases := map[string]string{}
			for name, s := range servers {
				if name != "busy" {
					bases[name], _ = newAPI(t, s)
				}
			}
			// The busy server's scrapes are held by its gatherer (newAPI
			// would replace it).
			held := &heldCollector{waiting: make(chan struct{}, maxMetricsRequests), release: make(chan struct{})}
			heldReg := prometheus.NewRegistry()
			heldReg.MustRegister(held)
			busy := servers["busy"]
			busy.log, busy.gatherer, busy.now = slog.New(slog.DiscardHandler), heldReg, servers["open"].now
			busySrv := httptest.NewServer(busy.Handler())
			t.Cleanup(busySrv.Close)
			bases["busy"] = busySrv.URL
			docOps := documentedOps(t)
			seen := map[string]bool{}
			created := ""
			check := func(c apiCase) {
				t.Helper()
				c.path = strings.ReplaceAll(c.path, "{created}", created)
				name := fmt.Sprintf("%s %s %s", c.server, c.method, c.path)
				req, resp, raw := doCase(t, bases[c.server], c)
				if resp.StatusCode != c.status {
					t.Errorf("%s: status %d (%.300s), want %d", name, resp.StatusCode, raw, c.status)
					return
				}
				op := c.method + " " + docPath(c.path)
				if !slices.Contains(docOps[op], strconv.Itoa(resp.StatusCode)) {
					t.Errorf("%s: status %d is not documented for %s (only %v)", name, resp.StatusCode, op, docOps[op])
				}
				v := strict
				if docPath(c.path) == "/openapi.json" {
					v = lax
					if resp.StatusCode == http.StatusOK && !bytes.Equal(raw, openAPIDoc) {
						t.Errorf("%s: the body is not openapi.json as embedded", name)
					}
				}
				if ok, errs := v.ValidateHttpResponse(req, resp); !ok {
					t.Errorf("%s: %d answer does not validate against openapi.json:\n%s  body: %.500s", name, resp.StatusCode, validationErrors(errs), raw)
				}
				if c.declare == 0 {
					ok, errs := v.ValidateHttpRequest(caseRequest(t, bases[c.server], c))
					switch {
					case c.status < 300 && !ok:
						t.Errorf("%s: the server took a request openapi.json rejects:\n%s", name, validationErrors(errs))
					case c.schemaRejects && ok:
						t.Errorf("%s: openapi.json accepts a request the server refuses (%s)", name, raw)
					}
				}
				if c.method == "POST" && resp.StatusCode == http.StatusCreated {
					var sl struct{ ID string }
					if err := json.Unmarshal(raw, &sl); err != nil || sl.ID == "" {
						t.Fatalf("%s: created silence %s has no id (%v)", name, raw, err)
					}
					created = sl.ID
				}
				seen[fmt.Sprintf("%s %d", op, resp.StatusCode)] = true
			}
			for _, c := range openAPICases() {
				check(c)
			}
			if down != nil {
				for _, c := range downCases() {
					check(c)
				}
			}
			// The busy server's one place is held by a request whose body
			// never comes; its handler waits for it until the connection
			// closes.
			hold, _ := dialRaw(t, bases["busy"], "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+openAPIToken+
				"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
			testenv.WaitFor(t, 2*time.Minute, "the held request to take the busy server's place", func() (bool, error) {
				resp, err := http.Get(bases["busy"] + "/api/v1/models")
				if err != nil {
					return false, err
				}
				resp.Body.Close()
				return resp.StatusCode == http.StatusServiceUnavailable, nil
			})
			for _, c := range busyCases() {
				check(c)
			}
			hold.Close()
			// Every place of /metrics held, another scrape is a 503.
			scraped := make(chan error, maxMetricsRequests)
			for range maxMetricsRequests {
				go func() {
					resp, err := http.Get(bases["busy"] + "/metrics")
					if err == nil {
						resp.Body.Close()
					}
					scraped <- err
				}()
			}
			for range maxMetricsRequests {
				select {
				case <-held.waiting:
				case <-time.After(2 * time.Minute):
					t.Fatal("the held scrapes never reached the gatherer")
				}
			}
			check(apiCase{server: "busy", method: "GET", path: "/metrics", status: 503})
			close(held.release)
			for range maxMetricsRequests {
				if err := <-scraped; err != nil {
					t.Errorf("held scrape: %v", err)
				}
			}

			for op, codes := range docOps {
				for _, code := range codes {
					key := op + " " + code
					if !seen[key] {
						t.Errorf("openapi.json documents %s, which no case provoked", key)
					}
				}
			}
		})
	}
}

// docPath maps a request path to the document's path it matches.
func docPath(p string) string {
	p, _, _ = strings.Cut(p, "?")
	if strings.HasPrefix(p, "/api/v1/silences/") {
		return "/api/v1/silences/{id}"
	}
	return p
}

func caseRequest(t *testing.T, base string, c apiCase) *http.Request {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// doCase sends c and returns its request (for the validator to find the
// operation by), the response with its body readable again, and the body.
func doCase(t *testing.T, base string, c apiCase) (*http.Request, *http.Response, []byte) {
	t.Helper()
	req := caseRequest(t, base, c)
	var resp *http.Response
	var err error
	if c.declare > 0 {
		raw := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Length: %d\r\n\r\n", c.method, c.path, c.auth, c.declare)
		conn, br := dialRaw(t, base, raw)
		conn.SetReadDeadline(time.Now().Add(answerWithin))
		resp, err = http.ReadResponse(br, req)
	} else {
		resp, err = http.DefaultClient.Do(req)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", c.method, c.path, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	return req, resp, raw
}

// dialRaw opens a connection to base's server and sends raw.
func dialRaw(t *testing.T, base, raw string) (net.Conn, *bufio.Reader) {
	t.Helper()
	return dial(t, strings.TrimPrefix(base, "http://"), raw)
}

// seedOpenAPIStore writes windowsOf's three windows of model m with a
// decision row per feature (one with a p-value), a report-only row and the
// window's dataset row, and two alerts, so that every list the API
// returns has members whose every field is checked.
func seedOpenAPIStore(t *testing.T, st storage.Store) {
	t.Helper()
	abc := []string{"a", "b", "c"}
	ws := testenv.WindowsOf(t, []float64{0, 0, 0}, [][]string{abc, abc, abc}, 50)
	ctx := context.Background()
	p := 0.04
	for i, w := range ws {
		row := func(fam drift.Family, feature, method string) drift.Result {
			return drift.Result{Model: "m", Family: fam, Feature: feature, Method: method, WindowSeq: w.Seq,
				WindowStart: w.Start, WindowEnd: w.End, NReference: 50, NCurrent: 50, Statistic: 0.2, Threshold: 0.1}
		}
		ks := row(drift.Covariate, "x", "ks")
		ks.PValue, ks.Decision, ks.Drifted = &p, true, true
		psi := row(drift.Covariate, "c", "psi")
		psi.Decision, psi.ThresholdSource = true, "calibrated:bootstrap"
		ds := row(drift.Dataset, "", "drifted_share")
		ds.Decision, ds.Drifted = true, true
		res := []drift.Result{ks, row(drift.Covariate, "x", "psi"), psi, ds}
		if err := st.WriteWindow(ctx, w, res, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	at := apiBase.Add(time.Hour)
	alerts := []drift.AlertRecord{
		{Rule: "feature-drift", Fingerprint: "a", Model: "m", ModelVersion: "7", Family: drift.Covariate, Feature: "x",
			Method: "ks", State: drift.AlertFiring, Severity: "warning", Value: 0.2, StartedAt: at, UpdatedAt: at, FiredAt: at,
			Message: "firing: x drifted", Receivers: []string{"ml-oncall"}, Version: 1},
		{Rule: "feature-drift", Fingerprint: "b", Model: "m", State: drift.AlertResolved, Severity: "warning",
			StartedAt: at, UpdatedAt: at, FiredAt: at, ResolvedAt: at, Version: 1},
	}
	if err := st.WriteAlerts(ctx, alerts); err != nil {
		t.Fatal(err)
	}
}
