package demo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/driftmon/driftmon/alerting"
)

// demoAlerting is the demo's alerting section: a rule on every covariate
// verdict, sent to a signed webhook and a retraining webhook, both served
// by the demo's own receiver. The secret is in a file, as in production.
func demoAlerting(receiverURL, secretFile string) string {
	return fmt.Sprintf(`alerting:
  external_url: "http://127.0.0.1"
  receivers:
    - name: demo-receiver
      webhook: {url: %q, secret_file: %q}
    - name: retrain
      webhook: {url: %q, secret_file: %q, retraining: true, cooldown: 24h}
  rules:
    - name: feature-drift
      models: ["*"]
      match: {family: covariate}
      condition: drifted
      for: 2
      keep_firing_for: 1
      severity: warning
      receivers: [demo-receiver, retrain]
`, receiverURL+"/alerts", secretFile, receiverURL+"/retrain", secretFile)
}

// demoReceiver is a webhook receiver that checks each signature and prints
// what it got: what a team's own endpoint would do.
type demoReceiver struct {
	pr     *demoPrinter
	secret []byte
	srv    *http.Server
	url    string

	mu   sync.Mutex
	seen map[string]bool // idempotency keys, so a retry is not shown twice
}

func startDemoReceiver(dir string, pr *demoPrinter) (*demoReceiver, string, error) {
	secret := []byte(strings.ToLower(strconv.FormatInt(time.Now().UnixNano(), 36)))
	secretFile := filepath.Join(dir, "webhook-secret")
	if err := os.WriteFile(secretFile, secret, 0o600); err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	r := &demoReceiver{pr: pr, secret: secret, url: "http://" + ln.Addr().String(), seen: map[string]bool{}}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go r.srv.Serve(ln)
	return r, secretFile, nil
}

func (r *demoReceiver) close() { r.srv.Close() }

func (r *demoReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	ts := req.Header.Get(alerting.HeaderTimestamp)
	mac := hmac.New(sha256.New, r.secret)
	mac.Write([]byte(ts + "." + string(body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(req.Header.Get(alerting.HeaderSignature))) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var m alerting.Message
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	key := req.Header.Get(alerting.HeaderIdempotency)
	r.mu.Lock()
	dup := r.seen[key]
	r.seen[key] = true
	r.mu.Unlock()
	if !dup {
		r.pr.delivery(req.URL.Path, key, &m)
	}
	w.WriteHeader(http.StatusNoContent)
}

// alert prints a message alerting enqueued.
func (p *demoPrinter) alert(m alerting.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.enqueued++
	if p.json {
		b, _ := json.Marshal(map[string]any{"type": "alert", "receiver": m.Receiver, "id": m.ID, "status": m.Status,
			"model": m.Model, "window_seq": m.Window.Seq, "alerts": demoAlertList(m)})
		fmt.Fprintln(p.out, string(b))
		return
	}
	var parts []string
	for _, a := range m.Alerts {
		parts = append(parts, fmt.Sprintf("%s %s (%s %.3f vs %.3f)", a.Feature, a.Status, a.Method, a.Statistic, a.Threshold))
	}
	fmt.Fprintf(p.out, "alert  %-8s window %d %s to %s: %s\n", m.Model, m.Window.Seq, strings.ToUpper(m.Status), m.Receiver,
		strings.Join(parts, ", "))
}

// delivery prints a notification the demo's receiver accepted.
func (p *demoPrinter) delivery(path, key string, m *alerting.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delivered++
	if p.json {
		line := map[string]any{"type": "delivery", "path": path, "idempotency_key": key, "status": m.Status,
			"model": m.Model, "window_seq": m.Window.Seq, "signature": "verified", "alerts": demoAlertList(*m)}
		if m.Retraining != nil {
			line["retraining"] = m.Retraining
		}
		b, _ := json.Marshal(line)
		fmt.Fprintln(p.out, string(b))
		return
	}
	what := fmt.Sprintf("%d alert(s) %s", len(m.Alerts), m.Status)
	if m.Retraining != nil {
		what = fmt.Sprintf("retrain %s on %v, windows %s to %s, reference %s", m.Model, m.Retraining.DriftedFeatures,
			m.Retraining.From.Format("15:04"), m.Retraining.To.Format("15:04"), m.Retraining.Reference)
	}
	fmt.Fprintf(p.out, "receiver %s got %s (signature verified, key %s)\n", path, what, key[:12])
}

func demoAlertList(m alerting.Message) []map[string]any {
	out := []map[string]any{}
	for _, a := range m.Alerts {
		out = append(out, map[string]any{"rule": a.Rule, "feature": a.Feature, "status": a.Status, "method": a.Method,
			"statistic": a.Statistic, "threshold": a.Threshold})
	}
	return out
}

// waitDelivered waits until the receiver has every enqueued message, or
// until the deadline.
func (p *demoPrinter) waitDelivered(deadline time.Time) bool {
	for {
		p.mu.Lock()
		done := p.delivered >= p.enqueued
		p.mu.Unlock()
		if done {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
