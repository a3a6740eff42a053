package alerting_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driftmon/driftmon/alerting"
	"github.com/driftmon/driftmon/drift"
)

// slackAPI implements chat.postMessage as Slack does, enough for
// slack-go: a bot token, a form post, an answer with the channel and ts.
type slackAPI struct {
	mu    sync.Mutex
	posts []slackPost
	// answers, when set, are returned (status, body) before accepting.
	answers []func(w http.ResponseWriter)
}

type slackPost struct {
	channel, text, threadTS, token string
	blocks                         []map[string]any
	ts                             string
}

func (s *slackAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/chat.postMessage" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.answers) > 0 {
		a := s.answers[0]
		s.answers = s.answers[1:]
		a(w)
		return
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token == "" {
		token = r.PostForm.Get("token")
	}
	if token != "xoxb-test" {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	p := slackPost{channel: r.PostForm.Get("channel"), text: r.PostForm.Get("text"),
		threadTS: r.PostForm.Get("thread_ts"), token: token, ts: fmt.Sprintf("1700000000.%06d", len(s.posts)+1)}
	if err := json.Unmarshal([]byte(r.PostForm.Get("blocks")), &p.blocks); err != nil {
		http.Error(w, "blocks: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.posts = append(s.posts, p)
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "C0ALERTS", "ts": p.ts})
}

// blockText flattens the blocks' texts, to look for what a reader needs.
func blockText(blocks []map[string]any) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if t, ok := x["text"].(string); ok {
				b.WriteString(t + "\n")
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	for _, bl := range blocks {
		walk(bl)
	}
	return b.String()
}

func TestSlackBotTokenThreadsResolution(t *testing.T) {
	api := &slackAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	st := openStore(t, t.TempDir())
	r := rule("feature-drift", 1, 0, "slack")
	cfg := newAlerting(r)
	cfg.DashboardURL = "http://grafana.example/d/driftmon"
	e := alerting.NewEngine(alerting.EngineConfig{Store: st, Logger: quiet, Alerting: cfg})
	w0, w1 := window(0), window(1)
	process(t, e, w0, []drift.Result{verdict(w0, "amount", true), verdict(w0, "country", true)}, w0.End)
	process(t, e, w1, []drift.Result{verdict(w1, "amount", false), verdict(w1, "country", false)}, w1.End)
	d := alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Logger: quiet,
		Notifiers: map[string]alerting.Notifier{"slack": &alerting.Slack{Token: "xoxb-test", Channel: "#ml-alerts", APIURL: srv.URL}}})
	if err := d.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(api.posts) != 2 {
		t.Fatalf("%d posts, want a firing and a resolution", len(api.posts))
	}
	fire, res := api.posts[0], api.posts[1]
	if fire.channel != "#ml-alerts" || fire.threadTS != "" {
		t.Errorf("firing posted to %q in thread %q", fire.channel, fire.threadTS)
	}
	text := blockText(fire.blocks)
	for _, want := range []string{"fraud (version 7)", "Window 0: 2026-11-22 04:00:00Z to 2026-11-22 04:05:00Z",
		"`amount`", "`country`", "psi = 0.3 vs threshold 0.2", "FIRING",
		"<http://grafana.example/d/driftmon|Dashboard>", "<http://driftmon.example/alerts?model=fraud|Alerts>"} {
		if !strings.Contains(text, want) {
			t.Errorf("firing blocks lack %q:\n%s", want, text)
		}
	}
	if fire.blocks[0]["type"] != "header" {
		t.Errorf("first block %v, want a header", fire.blocks[0])
	}
	// The resolution replies in the firing message's thread, in the
	// channel Slack answered with.
	if res.threadTS != fire.ts || res.channel != "C0ALERTS" {
		t.Errorf("resolution in channel %q thread %q, want C0ALERTS thread %q", res.channel, res.threadTS, fire.ts)
	}
	if rt := blockText(res.blocks); !strings.Contains(rt, "resolved") || !strings.Contains(rt, "`amount`") {
		t.Errorf("resolution blocks:\n%s", rt)
	}
}

func TestSlackErrors(t *testing.T) {
	tests := []struct {
		name      string
		answer    func(w http.ResponseWriter)
		wantPosts int
		wantState string
		wantWait  time.Duration
	}{
		{"rate limited, then posted", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		}, 1, drift.NotificationSent, 3 * time.Second},
		{"server error, then posted", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, 1, drift.NotificationSent, 0},
		{"channel_not_found is final", func(w http.ResponseWriter) {
			io.WriteString(w, `{"ok":false,"error":"channel_not_found"}`)
		}, 0, drift.NotificationFailed, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := &slackAPI{answers: []func(http.ResponseWriter){tc.answer}}
			srv := httptest.NewServer(api)
			defer srv.Close()
			st := openStore(t, t.TempDir())
			e := alerting.NewEngine(alerting.EngineConfig{Store: st, Logger: quiet, Alerting: newAlerting(rule("feature-drift", 1, 0, "slack"))})
			w := window(0)
			msgs := process(t, e, w, []drift.Result{verdict(w, "amount", true)}, w.End)
			var ws waits
			d := alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Logger: quiet,
				Sleep:     func(ctx context.Context, d time.Duration) bool { return ws.sleep(ctx, d) },
				Notifiers: map[string]alerting.Notifier{"slack": &alerting.Slack{Token: "xoxb-test", Channel: "#ml", APIURL: srv.URL}}})
			if err := d.Drain(t.Context()); err != nil {
				t.Fatal(err)
			}
			if len(api.posts) != tc.wantPosts {
				t.Fatalf("%d posts, want %d", len(api.posts), tc.wantPosts)
			}
			n, _, _ := st.Notification(t.Context(), msgs[0].ID)
			if n.Status != tc.wantState {
				t.Errorf("status %s, want %s (last error %q)", n.Status, tc.wantState, n.LastError)
			}
			if strings.Contains(n.LastError, "xoxb") {
				t.Errorf("the token leaked into the error: %q", n.LastError)
			}
			if tc.wantWait > 0 && (len(ws.d) != 1 || ws.d[0] != tc.wantWait) {
				t.Errorf("waits %v, want Slack's Retry-After %s", ws.d, tc.wantWait)
			}
		})
	}
}

func TestSlackIncomingWebhook(t *testing.T) {
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		got = append(got, m)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	st := openStore(t, t.TempDir())
	e := alerting.NewEngine(alerting.EngineConfig{Store: st, Logger: quiet, Alerting: newAlerting(rule("feature-drift", 1, 0, "slack"))})
	w := window(0)
	process(t, e, w, []drift.Result{verdict(w, "amount", true)}, w.End)
	d := alerting.NewDispatcher(alerting.DispatcherConfig{Outbox: st, Logger: quiet,
		Notifiers: map[string]alerting.Notifier{"slack": &alerting.Slack{WebhookURL: srv.URL + "/services/T0/B0/secret"}}})
	if err := d.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d posts, want 1", len(got))
	}
	blocks, _ := got[0]["blocks"].([]any)
	var bs []map[string]any
	for _, b := range blocks {
		bs = append(bs, b.(map[string]any))
	}
	if text := blockText(bs); !strings.Contains(text, "`amount`") || !strings.Contains(text, "fraud") {
		t.Errorf("webhook blocks:\n%s", text)
	}
}

// A webhook URL is a secret: an unreachable one must not show in errors.
func TestSlackWebhookURLNotInErrors(t *testing.T) {
	s := &alerting.Slack{WebhookURL: "http://127.0.0.1:1/services/T0/B0/topsecret"}
	_, err := s.Notify(t.Context(), &alerting.Message{Status: drift.AlertFiring}, nil)
	if err == nil || strings.Contains(err.Error(), "topsecret") {
		t.Fatalf("err = %v: want an error without the URL", err)
	}
}
