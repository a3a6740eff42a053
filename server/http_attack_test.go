package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/server"
	"github.com/driftmon/driftmon/web"
)

// Sizes of the attack on the service's HTTP port: each attacker holds one
// connection at a time and opens another attackPace after the service
// closed it, so the pressure lasts as long as the attack does.
const (
	attackMaxConns = 32 // http.max_connections
	attackMaxReqs  = 8  // http.max_requests
	idleAttackers  = 80 // one request, then the keep-alive connection held open
	// Requests declaring a body of 1,000 bytes and sending none: half on
	// GET /api/v1/models, half on POST /api/v1/silences with the token
	// (a client that has it, whose handler waits for the body).
	slowAttackers = 40
	attackPace    = 250 * time.Millisecond
	// The API's budget, short so that the slow bodies the silences
	// handler waits for end soon: they hold their connection at most
	// attackAPIBudget and web's 5 s of grace.
	attackAPIBudget = 2 * time.Second
	// A wait that only a hang exceeds.
	hangAfter = 60 * time.Second
	// The probes' requirement.
	probeWithin = time.Second
)

// attackStats is what the attackers saw.
type attackStats struct {
	mu sync.Mutex
	// opened counts connections; idleClosed the idle ones the service
	// closed while the attack went on; outcomes the slow-body requests'
	// answers ("GET 413", "POST 503", "POST closed at its deadline":
	// unanswered, after the API's budget, ...).
	opened, idleClosed int
	outcomes           map[string]int
	// held is the longest a slow-body request of each method waited for
	// its answer and its connection's close; hung counts those that
	// waited hangAfter.
	held map[string]time.Duration
	hung int
}

func (s *attackStats) add(f func(*attackStats)) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
}

// TestHTTPUnderAttack runs the service (in-process broker, embedded
// store) with http.max_connections 32 and http.max_requests 8, and holds
// 80 idle keep-alive connections and 40 slow-body requests against its
// HTTP port, each reopened as soon as the service closes it. While the
// attack holds, 1,000 events (ten count windows) are produced: every
// window must be closed and stored, /healthz must answer within a second
// on both listeners and /metrics on the attacked one, and the attacked
// listener must never hold more than its cap (one more while a new
// connection displaces an old one). The slow bodies must all be answered
// or closed, none left hanging: the GETs at once (413), the POSTs beyond
// the API's requests at once at once (503), those that reached the
// handler after the API's budget and grace; the attack holds until
// those have ended.
func TestHTTPUnderAttack(t *testing.T) {
	broker := testenv.StartBroker(t, 1, "predictions", "labels", "driftmon-dead-letter")
	dir := t.TempDir()
	t.Setenv("DRIFTMON_ATTACK_TEST_TOKEN", "t0ken")
	cfgPath := filepath.Join(dir, "driftmon.yaml")
	err := os.WriteFile(cfgPath, fmt.Appendf(nil, `kafka:
  brokers: [%q]
  group_id: attack-test
  checkpoint_interval: 300ms
  session_timeout: 6s
  heartbeat_interval: 500ms
storage:
  backend: embedded
  embedded: {path: %q}
http:
  listen: "127.0.0.1:0"
  token_env: DRIFTMON_ATTACK_TEST_TOKEN
  max_connections: %d
  max_requests: %d
models:
  - name: m
    window: {events: 100}
    reference: {previous: true}
    features:
      x: numeric
`, broker, filepath.Join(dir, "data"), attackMaxConns, attackMaxReqs), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr, maddr := ln.Addr().String(), mln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, cfg, server.Options{Listener: ln, MetricsListener: mln,
			Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
			TickInterval: 100 * time.Millisecond, HeartbeatInterval: 300 * time.Millisecond,
			SessionTimeout: 6 * time.Second, RebalanceTimeout: 2 * time.Second,
			HTTPLimits: web.Limits{APITimeout: attackAPIBudget}})
	}()
	t.Cleanup(func() { cancel(); <-done })

	// Probes and scrapes open a connection each, as a kubelet does.
	probe := &http.Client{Timeout: probeWithin, Transport: &http.Transport{DisableKeepAlives: true}}
	testenv.WaitFor(t, 30*time.Second, "/readyz", func() (bool, error) {
		resp, err := probe.Get("http://" + addr + "/readyz")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})

	stats := &attackStats{outcomes: map[string]int{}, held: map[string]time.Duration{}}
	attackCtx, stopAttack := context.WithCancel(context.Background())
	var attackers sync.WaitGroup
	for i := range idleAttackers {
		attackers.Go(func() { holdIdle(attackCtx, addr, stats, i) })
	}
	for i := range slowAttackers {
		attackers.Go(func() { slowBody(attackCtx, addr, stats, i%2 == 0) })
	}
	defer func() { stopAttack(); attackers.Wait() }()

	// The probes, every 100 ms on both listeners while the attack holds.
	type probeResult struct {
		target string
		took   time.Duration
		err    error
	}
	var probes []probeResult
	var probesMu sync.Mutex
	probeCtx, stopProbes := context.WithCancel(context.Background())
	var probing sync.WaitGroup
	for _, target := range []string{"http://" + addr + "/healthz", "http://" + maddr + "/healthz"} {
		probing.Go(func() {
			for probeCtx.Err() == nil {
				start := time.Now()
				resp, err := probe.Get(target)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				probesMu.Lock()
				probes = append(probes, probeResult{target, time.Since(start), err})
				probesMu.Unlock()
				select {
				case <-probeCtx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		})
	}

	// scrape reads the attacked listener's /metrics, which must answer
	// within probeWithin too, and keeps the largest open-connection count
	// seen.
	maxOpen := 0.0
	var scrapes int
	var scrapeErrs []error
	scrape := func() (map[string]float64, error) {
		m, err := scrapeMetrics(probe, "http://"+addr+"/metrics")
		scrapes++
		if err != nil {
			scrapeErrs = append(scrapeErrs, err)
		}
		maxOpen = max(maxOpen, m[`driftmon_http_connections_open{listener="http"}`])
		return m, err
	}
	// The attack has taken hold once the cap has displaced connections
	// many times over.
	testenv.WaitFor(t, 60*time.Second, "connections displaced at the cap", func() (bool, error) {
		m, err := scrape()
		return m[`driftmon_http_connections_evicted_total{listener="http"}`] >= 4*attackMaxConns, err
	})

	// Ten windows of 100 events, produced and consumed under attack.
	const events, windows = 1000, 10
	w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: "predictions", BatchTimeout: time.Millisecond}
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	msgs := make([]kafka.Message, events)
	for i := range msgs {
		b, _ := json.Marshal(map[string]any{"model": "m", "id": "e" + strconv.Itoa(i),
			"timestamp": base.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano),
			"features":  map[string]any{"x": float64(i % 17)}})
		msgs[i] = kafka.Message{Key: []byte("m"), Value: b}
	}
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	w.Close()
	testenv.WaitFor(t, 90*time.Second, "ten windows stored under attack", func() (bool, error) {
		m, err := scrape()
		return m[`driftmon_windows_closed_total{model="m"}`] >= windows, err
	})
	// The attack holds until the slow POSTs that reached their handler
	// (one per request the API runs at once) have been closed after the
	// API's budget and grace, scraped meanwhile.
	testenv.WaitFor(t, hangAfter, "slow-body POSTs ended by the service", func() (bool, error) {
		_, err := scrape()
		stats.mu.Lock()
		defer stats.mu.Unlock()
		return stats.outcomes["POST closed at its deadline"] >= attackMaxReqs, err
	})
	stopProbes()
	probing.Wait()
	stopAttack()
	attackers.Wait()

	// What the probes saw.
	var slowest time.Duration
	for _, p := range probes {
		if p.err != nil {
			t.Errorf("probe %s under attack: %v (after %s)", p.target, p.err, p.took.Round(time.Millisecond))
		}
		slowest = max(slowest, p.took)
	}
	if len(probes) < 10 {
		t.Errorf("%d probes, want at least 10 while the attack held", len(probes))
	}
	if len(scrapeErrs) > 0 {
		t.Errorf("%d of %d scrapes of /metrics under attack failed: %v", len(scrapeErrs), scrapes, scrapeErrs)
	}
	if maxOpen > attackMaxConns+1 {
		t.Errorf("the attacked listener held %v connections, want at most %d (+1 while displacing)", maxOpen, attackMaxConns)
	}

	// What the attackers saw.
	stats.mu.Lock()
	defer stats.mu.Unlock()
	t.Logf("attack: %d connections opened, %d idle ones closed by the service, slow bodies %v, longest held %v, hung %d",
		stats.opened, stats.idleClosed, stats.outcomes, stats.held, stats.hung)
	t.Logf("probes: %d, slowest %s; scrapes of /metrics: %d; most connections open on the attacked listener: %v",
		len(probes), slowest.Round(time.Millisecond), scrapes, maxOpen)
	if stats.hung > 0 {
		t.Errorf("%d slow-body requests were neither answered nor closed within %s", stats.hung, hangAfter)
	}
	for _, o := range []string{"GET 413", "POST 503", "POST closed at its deadline"} {
		if stats.outcomes[o] == 0 {
			t.Errorf("no slow-body request ended %q: %v", o, stats.outcomes)
		}
	}
	// Bounds far from what the service gives, and far from what it would
	// give if it waited for the bodies: the GETs are answered at once
	// (waiting, they would hold attackAPIBudget and 5 s of grace), the
	// POSTs end after attackAPIBudget and the grace (waiting for ever
	// before).
	if d := stats.held["GET"]; d > 3*time.Second {
		t.Errorf("a slow-body GET held its connection %s, want it answered and closed at once", d)
	}
	if d, most := stats.held["POST"], 2*(attackAPIBudget+5*time.Second); d > most {
		t.Errorf("a slow-body POST held its connection %s, want it closed after the API budget and grace (at most %s)", d, most)
	}
	if stats.idleClosed == 0 || stats.opened < 4*attackMaxConns {
		t.Errorf("%d connections opened, %d idle ones closed: the attack did not reach the cap", stats.opened, stats.idleClosed)
	}

	// Every window is stored whole.
	resp, err := probe.Get("http://" + addr + "/api/v1/windows?model=m")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Windows []struct {
			Events uint64 `json:"events"`
		} `json:"windows"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("windows after the attack: %d, %v", resp.StatusCode, err)
	}
	n := 0
	for _, w := range body.Windows {
		if w.Events == events/windows {
			n++
		}
	}
	if n != windows {
		t.Errorf("%d stored windows of %d events (%d windows in all), want %d", n, events/windows, len(body.Windows), windows)
	}
}

// holdIdle makes one request per connection and then leaves the
// connection open, idle, until the service closes it; then it opens
// another.
func holdIdle(ctx context.Context, addr string, stats *attackStats, i int) {
	var d net.Dialer
	pause(ctx, time.Duration(i)*attackPace/idleAttackers) // a staggered start
	for ctx.Err() == nil {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			pause(ctx, attackPace)
			continue
		}
		stats.add(func(s *attackStats) { s.opened++ })
		stop := context.AfterFunc(ctx, func() { c.Close() })
		br := bufio.NewReader(c)
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil {
			if resp, err := http.ReadResponse(br, nil); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				// Idle from here on: a read ends when the service closes
				// the connection (or the attack ends).
				_, err = br.ReadByte()
				if ctx.Err() == nil && err != nil {
					stats.add(func(s *attackStats) { s.idleClosed++ })
				}
			}
		}
		stop()
		c.Close()
		pause(ctx, attackPace)
	}
}

// slowBody sends a request declaring a 1,000-byte body and sends no body,
// then waits for the answer and for the connection's close.
func slowBody(ctx context.Context, addr string, stats *attackStats, post bool) {
	method, req := "GET", "GET /api/v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
	if post {
		method = "POST"
		req = "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0ken\r\n" +
			"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
	}
	var d net.Dialer
	for ctx.Err() == nil {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			pause(ctx, attackPace)
			continue
		}
		stats.add(func(s *attackStats) { s.opened++ })
		stop := context.AfterFunc(ctx, func() { c.Close() })
		start := time.Now()
		c.SetReadDeadline(start.Add(hangAfter))
		br := bufio.NewReader(c)
		outcome := method + " closed"
		if _, err := io.WriteString(c, req); err == nil {
			if resp, err := http.ReadResponse(br, nil); err == nil {
				outcome = method + " " + strconv.Itoa(resp.StatusCode)
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			_, err = io.Copy(io.Discard, br) // until the service closes it
			if errors.Is(err, os.ErrDeadlineExceeded) {
				stats.add(func(s *attackStats) { s.hung++ })
			}
		}
		held := time.Since(start)
		if outcome == method+" closed" && held >= attackAPIBudget {
			outcome = method + " closed at its deadline"
		}
		stop()
		c.Close()
		if ctx.Err() == nil {
			stats.add(func(s *attackStats) {
				s.outcomes[outcome]++
				s.held[method] = max(s.held[method], held)
			})
		}
		pause(ctx, attackPace)
	}
}

// pause waits d unless ctx ends first, and reports whether it did not.
func pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// scrapeMetrics reads the series of a /metrics page by name and labels.
func scrapeMetrics(c *http.Client, url string) (map[string]float64, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}
