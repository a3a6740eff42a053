package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage/embedded"
)

func send(t *testing.T, method, url, auth, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
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
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: body %q: %v", method, url, raw, err)
	}
	return resp.StatusCode, out
}

func TestAlertsAPI(t *testing.T) {
	st, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := apiBase.Add(time.Hour)
	recs := []drift.AlertRecord{
		{Rule: "feature-drift", Fingerprint: "a", Model: "fraud", ModelVersion: "7", Family: drift.Covariate, Feature: "amount",
			Method: "psi", State: drift.AlertFiring, Severity: "warning", Value: 0.519106500610649, StartedAt: at, UpdatedAt: at, FiredAt: at,
			Message:   "firing: amount drifted (psi = 0.519106500610649, threshold 0.05467202135679898) in window 2026-01-01T02:30:00Z",
			Receivers: []string{"ml-oncall"}, Version: 1},
		{Rule: "feature-drift", Fingerprint: "b", Model: "churn", State: drift.AlertResolved, Severity: "warning",
			StartedAt: at, UpdatedAt: at, FiredAt: at, ResolvedAt: at, Version: 1},
	}
	if err := st.WriteAlerts(t.Context(), recs); err != nil {
		t.Fatal(err)
	}
	base, _ := newAPI(t, &Server{store: st})
	tests := []struct {
		path   string
		status int
		n      int
	}{
		{"/api/v1/alerts", 200, 2},
		{"/api/v1/alerts?model=fraud", 200, 1},
		{"/api/v1/alerts?state=resolved", 200, 1},
		{"/api/v1/alerts?limit=1", 200, 1},
		{"/api/v1/alerts?state=odd", 400, 0},
		{"/api/v1/alerts?model=no%20spaces", 400, 0},
		{"/api/v1/alerts?limit=0", 400, 0},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			status, _, body, raw := get(t, base, tc.path, "")
			if status != tc.status || count(body, "alerts") != tc.n {
				t.Fatalf("status %d, %d alerts (%s); want %d, %d", status, count(body, "alerts"), raw, tc.status, tc.n)
			}
		})
	}
	resp, err := http.Get(base + "/alerts?model=fraud")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `<td><a href="/?model=fraud&amp;feature=amount">amount</a></td>`) || strings.Contains(string(page), "churn") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("HTML view: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	// The value and the message's numbers to four significant digits
	// (0.519106500610649 -> 0.5191, 0.05467202135679898 -> 0.05467), the
	// window's time as it was, and the way back to the model's overview.
	for _, want := range []string{"<td>0.5191</td>", "(psi = 0.5191, threshold 0.05467) in window 2026-01-01T02:30:00Z",
		`<a href="/?model=fraud">`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("/alerts lacks %s", want)
		}
	}
	if strings.Contains(string(page), "0.519106") {
		t.Errorf("/alerts prints a float's 16 digits")
	}
	_, _, body, _ := get(t, base, "/api/v1/alerts?model=fraud", "")
	a := body["alerts"].([]any)[0].(map[string]any)
	if a["state"] != "firing" || a["feature"] != "amount" || a["resolved_at"] != nil || a["receivers"].([]any)[0] != "ml-oncall" {
		t.Errorf("alert %v", a)
	}
}

func TestSilencesAPI(t *testing.T) {
	st, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const token = "Bearer t0ken"
	base, _ := newAPI(t, &Server{store: st, token: "t0ken"})
	good := `{"matchers": {"model": "fraud", "feature": "amount*"}, "duration": "2h", "created_by": "ana", "comment": "known"}`
	tests := []struct {
		name, auth, body string
		status           int
	}{
		{"no token", "", good, 401},
		{"wrong token", "Bearer nope", good, 401},
		{"no matchers", token, `{"duration": "2h", "created_by": "ana"}`, 400},
		{"no author", token, `{"matchers": {"model": "fraud"}, "duration": "2h"}`, 400},
		{"no end", token, `{"matchers": {"model": "fraud"}, "created_by": "ana"}`, 400},
		{"bad glob", token, `{"matchers": {"model": "[x"}, "duration": "1h", "created_by": "ana"}`, 400},
		{"unknown field", token, `{"matchers": {"model": "x"}, "duration": "1h", "created_by": "ana", "x": 1}`, 400},
		{"created", token, good, 201},
	}
	var id string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := send(t, http.MethodPost, base+"/api/v1/silences", tc.auth, tc.body)
			if status != tc.status {
				t.Fatalf("status %d (%v), want %d", status, body, tc.status)
			}
			if status == 201 {
				id, _ = body["id"].(string)
				if body["created_by"] != "ana" || body["active"] != true {
					t.Errorf("created %v", body)
				}
			}
		})
	}
	if id == "" {
		t.Fatal("no silence created")
	}
	if _, _, body, _ := get(t, base, "/api/v1/silences", ""); count(body, "silences") != 1 {
		t.Fatalf("listed %v, want the one silence", body)
	}
	if status, _ := send(t, http.MethodDelete, base+"/api/v1/silences/"+id, "", ""); status != 401 {
		t.Fatalf("expire without token: %d, want 401", status)
	}
	status, body := send(t, http.MethodDelete, base+"/api/v1/silences/"+id, token, "")
	if status != 200 || body["active"] != false {
		t.Fatalf("expire: %d %v", status, body)
	}
	if status, _ := send(t, http.MethodDelete, base+"/api/v1/silences/nope", token, ""); status != 404 {
		t.Errorf("expire unknown: %d, want 404", status)
	}
	// The scheme is case-insensitive: past the token check, the unknown
	// silence is a 404.
	if status, _ := send(t, http.MethodDelete, base+"/api/v1/silences/nope", "bearer t0ken", ""); status != 404 {
		t.Errorf("expire with scheme \"bearer\": %d, want 404", status)
	}
	if _, _, body, _ := get(t, base, "/api/v1/silences", ""); count(body, "silences") != 0 {
		t.Errorf("after expiry, listed %v", body)
	}
	if _, _, body, _ := get(t, base, "/api/v1/silences?all=true", ""); count(body, "silences") != 1 {
		t.Errorf("all=true listed %v, want the expired one kept", body)
	}

	// Without a configured token, mutations are refused outright.
	open, _ := newAPI(t, &Server{store: st})
	if status, _ := send(t, http.MethodPost, open+"/api/v1/silences", "", good); status != 403 {
		t.Errorf("no token configured: %d, want 403", status)
	}
}
