package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/server/servertest"
)

// TestMetricsAllMethods runs the service with and without metrics.all_methods
// and scrapes /metrics once a window has closed: by default only the
// decision method (psi) has a statistic series per feature; with the key
// set, the reported methods (ks, jensen_shannon, wasserstein) have theirs
// too. The drifted gauge is one per feature either way.
func TestMetricsAllMethods(t *testing.T) {
	for _, all := range []bool{false, true} {
		t.Run(fmt.Sprintf("all_methods=%v", all), func(t *testing.T) {
			broker := testenv.StartBroker(t, 1, "predictions", "labels", "driftmon-dead-letter")
			dir := t.TempDir()
			const window = time.Minute
			cfgPath := testConfig(t, dir, broker,
				fmt.Sprintf("  backend: embedded\n  embedded: {path: %q}", filepath.Join(dir, "data")), "127.0.0.1:0", window)
			f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(f, "metrics:\n  all_methods: %v\n", all)
			f.Close()
			cfg, err := config.Load(cfgPath)
			if err != nil {
				t.Fatal(err)
			}

			events, _ := testStream(150, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), window)
			w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: "predictions", BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll}
			msgs := make([]kafka.Message, len(events))
			for i, e := range events {
				msgs[i] = kafka.Message{Key: []byte("m"), Value: e}
			}
			if err := w.WriteMessages(context.Background(), msgs...); err != nil {
				t.Fatal(err)
			}
			w.Close()

			addr, _ := servertest.Start(t, cfg)

			var body string
			testenv.WaitFor(t, 30*time.Second, "a closed window in /metrics", func() (bool, error) {
				resp, err := http.Get("http://" + addr + "/metrics")
				if err != nil {
					return false, err
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				body = string(b)
				return strings.Contains(body, `driftmon_windows_closed_total{model="m"}`), err
			})
			methods := map[string]bool{}
			drifted := 0
			for _, line := range strings.Split(body, "\n") {
				if !strings.Contains(line, `feature="x"`) || !strings.Contains(line, `family="covariate"`) {
					continue
				}
				switch {
				case strings.HasPrefix(line, "driftmon_drift_statistic{"):
					_, rest, _ := strings.Cut(line, `method="`)
					m, _, _ := strings.Cut(rest, `"`)
					methods[m] = true
				case strings.HasPrefix(line, "driftmon_drift_drifted{"):
					drifted++
				}
			}
			// The decision method's, by default: numbers are decided by
			// jensen_shannon.
			want := map[string]bool{"jensen_shannon": true}
			if all {
				want = map[string]bool{"psi": true, "ks": true, "jensen_shannon": true, "wasserstein": true}
			}
			if len(methods) != len(want) {
				t.Errorf("statistic series of x for methods %v, want %v", methods, want)
			}
			for m := range want {
				if !methods[m] {
					t.Errorf("no statistic series of x for %s; have %v", m, methods)
				}
			}
			if drifted != 1 {
				t.Errorf("%d drifted series for x, want 1", drifted)
			}
		})
	}
}
