package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/datasets"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/server/servertest"
)

// labelledStream is a class model's predictions over windows of one
// minute, each window with its own share of right predictions, and the
// labels that go with them.
type labelledStream struct {
	preds  [][]byte
	labels [][]byte
	// correct and labelled count, per window seq, the labels that will be
	// joined: the test's own tally of the accuracy driftmon must report.
	correct, labelled map[int64]int
	late, duplicate   int
	unmatched         int
}

// newLabelledStream builds n predictions per window for the windows whose
// accuracies are given, with labels shuffled across all windows, some sent
// twice, some for predictions that never existed, and some arriving after
// the label delay.
func newLabelledStream(base time.Time, n int, accuracies []float64, delay time.Duration) *labelledStream {
	r := rand.New(rand.NewPCG(11, 12))
	s := &labelledStream{correct: map[int64]int{}, labelled: map[int64]int{}}
	type lab struct {
		id    string
		ts    time.Time
		label string
	}
	var labels []lab
	for w, acc := range accuracies {
		for i := 0; i < n; i++ {
			ts := base.Add(time.Duration(w)*time.Minute + time.Duration(i)*time.Minute/time.Duration(n))
			id := fmt.Sprintf("w%d-%d", w, i)
			pred := "a"
			if r.IntN(2) == 0 {
				pred = "b"
			}
			b, _ := json.Marshal(map[string]any{"model": "m", "id": id, "timestamp": ts.Format(time.RFC3339Nano),
				"features": map[string]any{"x": r.NormFloat64()}, "prediction": pred})
			s.preds = append(s.preds, b)
			truth := pred
			right := i < int(acc*float64(n)+0.5) // exact share, placed by index
			if !right {
				truth = map[string]string{"a": "b", "b": "a"}[pred]
			}
			seq := ts.UnixNano() / int64(time.Minute)
			switch {
			case i%50 == 7:
				// Beyond the delay: counted late, not joined.
				labels = append(labels, lab{id, ts.Add(delay + time.Hour), truth})
				s.late++
				continue
			case i%40 == 3:
				// Sent twice: the second is a duplicate.
				labels = append(labels, lab{id, ts.Add(time.Minute), truth})
				s.duplicate++
			}
			labels = append(labels, lab{id, ts.Add(10 * time.Minute), truth})
			s.labelled[seq]++
			if right {
				s.correct[seq]++
			}
		}
	}
	for i := 0; i < 5; i++ {
		labels = append(labels, lab{fmt.Sprintf("never-%d", i), base, "a"})
		s.unmatched++
	}
	r.Shuffle(len(labels), func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })
	for _, l := range labels {
		b, _ := json.Marshal(map[string]any{"model": "m", "id": l.id, "timestamp": l.ts.Format(time.RFC3339Nano), "label": l.label})
		s.labels = append(s.labels, b)
	}
	// A last prediction two windows on closes every labelled window.
	b, _ := json.Marshal(map[string]any{"model": "m", "id": "closer", "timestamp": base.Add(time.Duration(len(accuracies)+2) * time.Minute).Format(time.RFC3339Nano),
		"features": map[string]any{"x": 0}, "prediction": "a"})
	s.preds = append(s.preds, b)
	return s
}

// writeClassReference writes a reference of a class model whose
// predictions are right 90% of the time.
func writeClassReference(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(13, 14))
	w := csv.NewWriter(f)
	w.Write([]string{"x", "prediction", "label"})
	for i := 0; i < 4000; i++ {
		pred := "a"
		if r.IntN(2) == 0 {
			pred = "b"
		}
		label := pred
		if i%10 == 0 {
			label = map[string]string{"a": "b", "b": "a"}[pred]
		}
		w.Write([]string{strconv.FormatFloat(r.NormFloat64(), 'g', -1, 64), pred, label})
	}
	w.Flush()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func produceTo(t *testing.T, broker, topic string, values [][]byte) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: topic, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer w.Close()
	msgs := make([]kafka.Message, len(values))
	for i, v := range values {
		msgs[i] = kafka.Message{Key: []byte("m"), Value: v}
	}
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
}

// TestLabelJoin runs serve on a stream whose labels come
// after the windows closed, shuffled across windows, some twice, some late
// and some for no prediction, half of them sent before their predictions;
// on ClickHouse and on the embedded store. Each window's accuracy row must
// be the test's own tally (correct / joined labels), the per-outcome label
// counters must match, and the label distribution rows must be there.
func TestLabelJoin(t *testing.T) {
	for _, tc := range []struct {
		name, backend string
		// labelsYAML bounds the join: by default every prediction stays
		// in memory; with a memory of 10, the labels join through the
		// raw prediction log in storage.
		labelsYAML string
	}{
		{"clickhouse", "clickhouse", "{wait: 3s}"},
		{"embedded", "embedded", "{wait: 3s}"},
		{"clickhouse_rawlog", "clickhouse", "{wait: 8s, max_buffered: 10}"},
	} {
		backend := tc.backend
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var storageYAML string
			if backend == "clickhouse" {
				addr, db, _ := testenv.ClickHouseDB(t)
				storageYAML = fmt.Sprintf("  backend: clickhouse\n  clickhouse: {addr: [%q], database: %s}", addr, db)
			} else {
				storageYAML = fmt.Sprintf("  backend: embedded\n  embedded: {path: %q}", filepath.Join(dir, "data"))
			}
			broker := testenv.StartBroker(t, 1, "predictions", "labels", "driftmon-dead-letter")
			// A webhook receiver: concept results decided by late labels
			// reach alerting like a window's.
			var hookMu sync.Mutex
			var hooks []string
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				hookMu.Lock()
				hooks = append(hooks, string(b))
				hookMu.Unlock()
			}))
			defer hook.Close()
			secret := filepath.Join(dir, "secret")
			if err := os.WriteFile(secret, []byte("s3cret"), 0o600); err != nil {
				t.Fatal(err)
			}
			ref := filepath.Join(dir, "reference.csv")
			writeClassReference(t, ref)
			const delay = 24 * time.Hour
			cfgText := fmt.Sprintf(`kafka:
  brokers: [%q]
  group_id: labels-test
  checkpoint_interval: 200ms
storage:
%s
http: {listen: "127.0.0.1:0"}
labels: %s
models:
  - name: m
    window: {duration: 1m}
    idle_timeout: 1h
    reference: {file: %q}
    prediction: class
    label_delay: %s
    features:
      x: numeric
alerting:
  receivers:
    - name: hook
      webhook: {url: %q, secret_file: %q}
  rules:
    - name: accuracy
      models: ["*"]
      match: {family: concept, method: accuracy}
      condition: drifted
      receivers: [hook]
`, broker, storageYAML, tc.labelsYAML, ref, delay, hook.URL, secret)
			cfgPath := filepath.Join(dir, "driftmon.yaml")
			if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(cfgPath)
			if err != nil {
				t.Fatal(err)
			}
			base := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
			s := newLabelledStream(base, 200, []float64{0.9, 0.6, 0.75}, delay)
			half := len(s.labels) / 2
			produceTo(t, broker, "labels", s.labels[:half])
			addr, _ := servertest.Start(t, cfg)
			time.Sleep(500 * time.Millisecond) // the first labels wait for predictions
			produceTo(t, broker, "predictions", s.preds)
			produceTo(t, broker, "labels", s.labels[half:])

			wantAcc := map[int64]float64{}
			for seq, n := range s.labelled {
				wantAcc[seq] = float64(s.correct[seq]) / float64(n)
			}
			var got map[int64]drift.Result
			testenv.WaitFor(t, 3*time.Minute, "every window's accuracy from all its labels", func() (bool, error) {
				rs, err := apiResults(addr, url.Values{"model": {"m"}, "family": {"concept"}, "method": {"accuracy"}})
				if err != nil {
					return false, err
				}
				got = map[int64]drift.Result{}
				for _, r := range rs {
					got[r.WindowStart.UnixNano()/int64(time.Minute)] = r
				}
				for seq, n := range s.labelled {
					if got[seq].NCurrent != uint64(n) {
						return false, fmt.Errorf("window %d: %d labels so far, want %d", seq, got[seq].NCurrent, n)
					}
				}
				return true, nil
			})
			for seq, want := range wantAcc {
				r := got[seq]
				if r.Statistic != want {
					t.Errorf("window %d: accuracy %v, want %v (%d of %d)", seq, r.Statistic, want, s.correct[seq], s.labelled[seq])
				}
				// The reference is right 90% of the time; a window at 0.6
				// is far below any threshold its sub-windows give.
				if wantDrift := want < 0.8; r.Drifted != wantDrift {
					t.Errorf("window %d: accuracy %v drifted=%v (threshold %v), want %v", seq, r.Statistic, r.Drifted, r.Threshold, wantDrift)
				}
			}
			testenv.WaitFor(t, 30*time.Second, "the label counters", func() (bool, error) {
				body, err := scrape(addr)
				if err != nil {
					return false, err
				}
				for outcome, want := range map[string]int{"late": s.late, "duplicate": s.duplicate, "unmatched": s.unmatched} {
					if counter(body, fmt.Sprintf(`driftmon_labels_total{model="m",outcome=%q}`, outcome)) != float64(want) {
						return false, fmt.Errorf("%s: want %d in\n%s", outcome, want, grep(body, "driftmon_labels_total"))
					}
				}
				return true, nil
			})
			testenv.WaitFor(t, 30*time.Second, "the accuracy alert at the webhook", func() (bool, error) {
				hookMu.Lock()
				defer hookMu.Unlock()
				for _, h := range hooks {
					if strings.Contains(h, `"accuracy"`) && strings.Contains(h, `"firing"`) {
						return true, nil
					}
				}
				return false, fmt.Errorf("webhook bodies so far: %q", hooks)
			})
			prior, err := apiResults(addr, url.Values{"model": {"m"}, "family": {"prior"}, "feature": {"label"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(prior) == 0 {
				t.Error("no label distribution rows")
			}
		})
	}
}

// apiResults reads results through the service's HTTP API, the way a
// user would (and the only way into an embedded store the service holds).
func apiResults(addr string, q url.Values) ([]drift.Result, error) {
	q.Set("limit", "10000")
	resp, err := http.Get("http://" + addr + "/api/v1/results?" + q.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("results: %s: %s", resp.Status, b)
	}
	var body struct {
		Results []drift.Result `json:"results"`
	}
	err = json.NewDecoder(resp.Body).Decode(&body)
	return body.Results, err
}

func scrape(addr string) (string, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func counter(body, series string) float64 {
	m := regexp.MustCompile(regexp.QuoteMeta(series) + ` (\S+)`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func grep(body, prefix string) string {
	var out string
	for _, l := range regexp.MustCompile("\n").Split(body, -1) {
		if len(l) >= len(prefix) && l[:len(prefix)] == prefix {
			out += l + "\n"
		}
	}
	return out
}

// TestSEAThroughServe sends sea.csv through serve as a class model's
// predictions (the fixed rule f1 + f2 <= 8, the first concept's) and its
// labels, and reads the stream detectors' verdicts back the way a user
// does: a model without concept.detectors runs only the default set, which
// must say nothing in the first concept (rows 0-12,499, error 0.095) and
// signal exactly one drift within 2,500 events of each rise of the error
// (12,500: +0.068, 37,500: +0.045), and none anywhere else; 25,000 lowers
// the error by 0.008, which no detector is asked to see. Windows of 500
// events put each change on a window's edge, so "within 2,500 events" is
// "in one of the five windows after it". The labels come in row order, so
// the detectors see sea's error stream as detectors/stream's tests do.
func TestSEAThroughServe(t *testing.T) {
	rows := readSEA(t)
	dir := t.TempDir()
	broker := testenv.StartBroker(t, 1, "predictions", "labels", "driftmon-dead-letter")
	cfgText := fmt.Sprintf(`kafka:
  brokers: [%q]
  group_id: sea-test
  checkpoint_interval: 200ms
storage:
  backend: embedded
  embedded: {path: %q}
http: {listen: "127.0.0.1:0"}
models:
  - name: m
    window: {events: 500}
    idle_timeout: 1h
    reference: {previous: true}
    prediction: class
    features:
      f1: numeric
      f2: numeric
      f3: numeric
`, broker, filepath.Join(dir, "data"))
	cfgPath := filepath.Join(dir, "driftmon.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	preds, labels := make([][]byte, len(rows)), make([][]byte, len(rows))
	for i, r := range rows {
		ts := base.Add(time.Duration(i) * time.Second)
		pred := "0"
		if r[0]+r[1] <= 8 {
			pred = "1"
		}
		id := strconv.Itoa(i)
		preds[i], _ = json.Marshal(map[string]any{"model": "m", "id": id, "timestamp": ts.Format(time.RFC3339Nano),
			"features": map[string]any{"f1": r[0], "f2": r[1], "f3": r[2]}, "prediction": pred})
		labels[i], _ = json.Marshal(map[string]any{"model": "m", "id": id, "timestamp": ts.Add(time.Minute).Format(time.RFC3339Nano),
			"label": strconv.Itoa(int(r[3]))})
	}
	addr, _ := servertest.Start(t, cfg)
	produceTo(t, broker, "predictions", preds)
	produceTo(t, broker, "labels", labels)

	const windowLen = 500
	windows := len(rows) / windowLen
	drifts := map[int]int{} // window (row / 500) -> drifts its labels signalled
	testenv.WaitFor(t, 5*time.Minute, "every window's stream-detector rows from all its labels", func() (bool, error) {
		rs, err := apiResults(addr, url.Values{"model": {"m"}, "family": {"concept"}, "method": {"adwin"}})
		if err != nil {
			return false, err
		}
		seen := map[int]uint64{}
		clear(drifts)
		for _, r := range rs {
			w := int(r.WindowStart.Sub(base)/time.Second) / windowLen
			seen[w] = r.NCurrent
			drifts[w] = int(r.Statistic)
		}
		for w := range windows {
			if seen[w] != windowLen {
				return false, fmt.Errorf("window %d: %d labels so far, want %d", w, seen[w], windowLen)
			}
		}
		return true, nil
	})
	var flagged []int
	for w := range windows {
		if drifts[w] > 0 {
			flagged = append(flagged, w)
		}
	}
	t.Logf("windows of %d rows with an adwin drift: %v", windowLen, flagged)
	for _, change := range []int{12500, 37500} {
		n := 0
		for w := change / windowLen; w < (change+2500)/windowLen; w++ {
			n += drifts[w]
		}
		if n != 1 {
			t.Errorf("%d drifts within 2,500 rows of the change at %d, want 1", n, change)
		}
	}
	for w, n := range drifts {
		if row := w * windowLen; n > 0 && !(row >= 12500 && row < 15000 || row >= 37500 && row < 40000) {
			t.Errorf("window of rows %d-%d: %d drifts, want none away from the rises", row, row+windowLen-1, n)
		}
	}
	// The detections counter says the same, and that no other detector ran.
	body, err := scrape(addr)
	if err != nil {
		t.Fatal(err)
	}
	if got := grep(body, "driftmon_concept_detections_total{"); got != "driftmon_concept_detections_total{detector=\"adwin\",kind=\"drift\",model=\"m\"} 2\n" {
		t.Errorf("detections counters:\n%s\nwant adwin's 2 drifts alone", got)
	}
}

// readSEA reads sea.csv's rows: f1, f2, f3, label.
func readSEA(t *testing.T) [][4]float64 {
	t.Helper()
	f, err := os.Open(datasets.Path(t, "sea.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows [][4]float64
	for i, rec := range recs[1:] {
		var r [4]float64
		for j := range r {
			if r[j], err = strconv.ParseFloat(rec[j], 64); err != nil {
				t.Fatalf("sea.csv line %d column %d: %v", i+2, j+1, err)
			}
		}
		rows = append(rows, r)
	}
	return rows
}
