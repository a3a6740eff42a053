package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/storage/clickhouse"
)

// exactWindow is what a window must hold, counted by the test itself from
// the events it produced.
type exactWindow struct {
	events           uint64
	xCount, xMissing uint64
	cats             map[string]uint64
	predCount        uint64
}

// testStream makes n events of model m, one per second of event time from
// base, with a numeric x (null one time in 25), a categorical c and a score.
func testStream(n int, base time.Time, window time.Duration) (events [][]byte, want map[int64]*exactWindow) {
	r := rand.New(rand.NewPCG(3, 4))
	want = map[int64]*exactWindow{}
	for i := 0; i < n; i++ {
		ts := base.Add(time.Duration(i) * time.Second)
		seq := ts.UnixNano() / int64(window)
		ew := want[seq]
		if ew == nil {
			ew = &exactWindow{cats: map[string]uint64{}}
			want[seq] = ew
		}
		ew.events++
		feats := map[string]any{}
		if i%25 == 0 {
			feats["x"] = nil
			ew.xMissing++
		} else {
			feats["x"] = r.NormFloat64()
			ew.xCount++
		}
		c := string(rune('a' + r.IntN(5)))
		feats["c"] = c
		ew.cats[c]++
		ew.predCount++
		b, _ := json.Marshal(map[string]any{"model": "m", "id": "e" + strconv.Itoa(i),
			"timestamp": ts.Format(time.RFC3339), "features": feats, "prediction": r.Float64()})
		events = append(events, b)
	}
	return events, want
}

func writeTestReference(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	w := csv.NewWriter(f)
	w.Write([]string{"x", "c", "prediction"})
	for i := 0; i < 2000; i++ {
		w.Write([]string{formatFloat(r.NormFloat64()), string(rune('a' + r.IntN(5))), formatFloat(r.Float64())})
	}
	w.Flush()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func testConfig(t *testing.T, dir, broker, storageYAML, httpAddr string, window time.Duration) string {
	t.Helper()
	return writeTestConfig(t, dir, fmt.Sprintf("  brokers: [%q]\n  group_id: crash-test\n", broker)+groupTimings,
		storageYAML, httpAddr, window)
}

// groupTimings make a group rebalance in seconds, for tests.
const groupTimings = "  session_timeout: 6s\n  heartbeat_interval: 500ms\n"

// testConfigOn is testConfig on b, with the test's own topics and group
// (crash-test), as b names them.
func testConfigOn(t *testing.T, dir string, b *testenv.Broker, storageYAML, httpAddr string, window time.Duration) string {
	t.Helper()
	return writeTestConfig(t, dir, kafkaYAML(b)+groupTimings, storageYAML, httpAddr, window)
}

// kafkaYAML is the kafka section's broker, group and topics on b.
func kafkaYAML(b *testenv.Broker) string {
	return fmt.Sprintf("  brokers: [%q]\n  group_id: %s\n  predictions_topic: %s\n  labels_topic: %s\n  dead_letter_topic: %s\n",
		b.Addr, b.Topic("crash-test"), b.Topic("predictions"), b.Topic("labels"), b.Topic("driftmon-dead-letter"))
}

// createTestTopics creates the topics kafkaYAML names, of n partitions.
func createTestTopics(t *testing.T, b *testenv.Broker, n int) {
	t.Helper()
	b.CreateTopics(t, n, b.Topic("predictions"), b.Topic("labels"), b.Topic("driftmon-dead-letter"))
}

// writeTestConfig writes a config of model m (x numeric, c categorical, a
// score) under a reference file of its own, with the given kafka section's
// keys besides a 300 ms checkpoint interval.
func writeTestConfig(t *testing.T, dir, kafkaKeys, storageYAML, httpAddr string, window time.Duration) string {
	t.Helper()
	ref := filepath.Join(dir, "reference.csv")
	writeTestReference(t, ref)
	cfg := fmt.Sprintf(`kafka:
%s  checkpoint_interval: 300ms
storage:
%s
http: {listen: %q}
models:
  - name: m
    window: {duration: %s}
    idle_timeout: 2s
    reference: {file: %q}
    prediction: score
    features:
      x: numeric
      c: categorical
`, kafkaKeys, storageYAML, httpAddr, window, ref)
	path := filepath.Join(dir, "driftmon.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCrashRestartCountsExactly kills `driftmon serve` with SIGKILL in the
// middle of a stream, restarts it, and checks every stored window against
// the exact counts: nothing lost, nothing counted twice. The kill must land
// after a commit, while the stream is still being produced, with records
// handled since the last checkpoint (so that the restart really replays
// them); and the committed offset must never run ahead of the durable
// checkpoint.
//
// It runs on kfake and on a real broker, whose group coordinator still
// counts the killed instance as a member until its session expires.
//
// A second run keeps the evaluation workers full: 100-second windows (200
// of them) for one worker with one window in flight, so that the
// partition waits for the workers all along and the kill lands while
// windows are handed over and not yet stored.
func TestCrashRestartCountsExactly(t *testing.T) {
	for _, kind := range testenv.Brokers() {
		t.Run(kind.Name, func(t *testing.T) { crashRestartCountsExactly(t, kind.Open(t), 500*time.Second, "") })
	}
	t.Run("evaluation workers full", func(t *testing.T) {
		crashRestartCountsExactly(t, testenv.Brokers()[0].Open(t), 100*time.Second,
			"evaluation: {workers: 1, max_in_flight: 1}\n")
	})
}

func crashRestartCountsExactly(t *testing.T, b *testenv.Broker, window time.Duration, extraYAML string) {
	chAddr, db, conn := testenv.ClickHouseDB(t)
	bin := testenv.BuildBinary(t)
	createTestTopics(t, b, 1)
	broker, group, topic := b.Addr, b.Topic("crash-test"), b.Topic("predictions")
	dir := t.TempDir()
	httpAddr := testenv.FreeAddr(t)
	cfgPath := testConfigOn(t, dir, b,
		fmt.Sprintf("  backend: clickhouse\n  clickhouse: {addr: [%q], database: %s}", chAddr, db), httpAddr, window)
	if extraYAML != "" {
		f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(extraYAML); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}

	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	events, want := testStream(20000, base, window)

	start := func(name string) *exec.Cmd {
		cmd, _ := startServeProcess(t, bin, cfgPath, dir, name)
		testenv.WaitFor(t, 30*time.Second, name+" ready", func() (bool, error) {
			resp, err := http.Get("http://" + httpAddr + "/readyz")
			if err != nil {
				return false, err
			}
			resp.Body.Close()
			return resp.StatusCode == 200, nil
		})
		return cmd
	}
	ctx := context.Background()
	store, err := clickhouse.Open(ctx, clickhouse.Options{Addr: []string{chAddr}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	stored := func() (int, error) {
		ws, err := store.Windows(ctx, "m", base.Add(-window), base.Add(time.Duration(len(events))*time.Second+window))
		return len(ws), err
	}

	// Throughout the run, the group's committed offset must never run
	// ahead of the durable checkpoint: a crash resumes from the
	// checkpoint, so a commit past it would skip records. The commit is
	// read first: checkpoints only move forward, so a commit read earlier
	// must be covered by the checkpoint read after it.
	kc := &kafka.Client{Addr: kafka.TCP(broker), Timeout: 5 * time.Second}
	committed := func() (int64, error) {
		resp, err := kc.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0}}})
		if err != nil {
			return -1, err
		}
		if resp.Error != nil {
			return -1, resp.Error
		}
		for _, p := range resp.Topics[topic] {
			if p.Partition == 0 {
				return p.CommittedOffset, p.Error
			}
		}
		return -1, nil
	}
	checkpoint := func() (int64, error) {
		cp, ok, err := store.LoadCheckpoint(ctx, group, topic, 0)
		if err != nil || !ok {
			return -1, err
		}
		return cp.Offset, nil
	}
	var (
		violations atomic.Int64
		violation  atomic.Value // the first, as a string
		samples    atomic.Int64
	)
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for watchCtx.Err() == nil {
			c, err1 := committed()
			k, err2 := checkpoint()
			if err1 == nil && err2 == nil && c >= 0 {
				samples.Add(1)
				if c > k {
					if violations.Add(1) == 1 {
						violation.Store(fmt.Sprintf("committed offset %d, durable checkpoint at %d", c, k))
					}
				}
			}
			select {
			case <-watchCtx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	defer func() { stopWatch(); <-watched }()

	first := start("first")
	// Acks, so that what it counts as produced is on the broker; a
	// transport of its own, whose metadata knows the topic.
	w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: topic, BatchSize: 200, BatchTimeout: time.Millisecond,
		RequiredAcks: kafka.RequireAll, Transport: &kafka.Transport{}}
	defer w.Close()
	// produce sends evs in batches of 200, one batch per pace. From
	// trickleFrom on it sends batches of 10: on a slow machine the kill
	// may come late, and the stream must still be going on (with records
	// handled since the last checkpoint) when it does.
	produce := func(ctx context.Context, evs [][]byte, pace time.Duration, trickleFrom int) int {
		n := 0
		for n < len(evs) && ctx.Err() == nil {
			batch := 200
			if n >= trickleFrom {
				batch = 10
			}
			var msgs []kafka.Message
			for _, e := range evs[n:min(n+batch, len(evs))] {
				msgs = append(msgs, kafka.Message{Key: []byte("m"), Value: e})
			}
			if err := w.WriteMessages(context.Background(), msgs...); err != nil {
				t.Error(err)
				return n
			}
			n += len(msgs)
			time.Sleep(pace) // a stream, not one burst
		}
		return n
	}
	// The stream goes on until the kill (about 4 s for the first 80%, then
	// 10 events every 50 ms, 20 s more for the rest); what is left is
	// produced once the first instance is dead.
	prodCtx, stopProducing := context.WithCancel(ctx)
	producedBeforeKill := make(chan int, 1)
	go func() { producedBeforeKill <- produce(prodCtx, events, 50*time.Millisecond, len(events)*8/10) }()

	testenv.WaitFor(t, 30*time.Second, "the first windows stored and a commit", func() (bool, error) {
		n, err := stored()
		if err != nil || n < 5 {
			return false, err
		}
		c, err := committed()
		return c > 0, err
	})
	if extraYAML != "" {
		testenv.WaitFor(t, 60*time.Second, "the partition waiting for the evaluation workers", func() (bool, error) {
			m, err := scrapeMetrics(http.DefaultClient, "http://"+httpAddr+"/metrics")
			return m["driftmon_evaluation_waits_total"] > 0, err
		})
	}
	// Kill halfway between two checkpoints (they come with the 1 s tick),
	// when records were handled since the last one (with the workers full:
	// while a closed window is in flight too), so that they are lost with
	// the process and must be replayed, not covered by a checkpoint that
	// lands in the meantime. On a loaded machine a partition may go a whole
	// interval without handling a record: then the next interval is tried.
	var (
		handled         int64
		waits, inFlight float64
		tries           int
	)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		tries++
		k0, err := checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		for k := k0; k == k0; {
			if time.Now().After(deadline) {
				t.Fatalf("no moment with records handled since the checkpoint in %d intervals", tries)
			}
			time.Sleep(20 * time.Millisecond)
			if k, err = checkpoint(); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(400 * time.Millisecond)
		m, err := scrapeMetrics(http.DefaultClient, "http://"+httpAddr+"/metrics")
		if err != nil {
			t.Fatal(err)
		}
		handled = int64(m[fmt.Sprintf("driftmon_events_ingested_total{topic=%q}", topic)])
		waits, inFlight = m["driftmon_evaluation_waits_total"], m["driftmon_evaluation_in_flight"]
		k, err := checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		if handled > k && (extraYAML == "" || inFlight > 0) {
			break
		}
	}
	t.Logf("kill in checkpoint interval %d: %d records handled", tries, handled)
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	stopProducing()
	produced := <-producedBeforeKill
	commitAtKill, err := committed()
	if err != nil {
		t.Fatal(err)
	}
	checkpointAtKill, err := checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	n, _ := stored()
	t.Logf("killed after %d windows stored, %d records handled, %d committed, checkpoint at %d; %d of %d events produced",
		n, handled, commitAtKill, checkpointAtKill, produced, len(events))
	switch {
	case commitAtKill <= 0:
		t.Fatalf("killed before any commit (committed offset %d): nothing to resume from", commitAtKill)
	case produced >= len(events):
		t.Fatalf("killed after the whole stream was produced (%d events): not mid-stream", produced)
	case handled <= checkpointAtKill:
		t.Fatalf("killed with %d records handled and the checkpoint at %d: nothing to replay", handled, checkpointAtKill)
	case extraYAML != "" && waits == 0:
		t.Fatalf("killed before the partition ever waited for the evaluation workers (driftmon_evaluation_waits_total 0)")
	}
	if extraYAML != "" {
		t.Logf("at the kill: %v windows in flight, %v hand-overs had waited for the workers", inFlight, waits)
	}

	produce(ctx, events[produced:], 20*time.Millisecond, len(events))
	start("second")
	// A bound against a hang, not a timing: hundreds of windows, each a
	// write of its own, on a loaded machine.
	testenv.WaitFor(t, 3*time.Minute, "every window stored", func() (bool, error) {
		n, err := stored()
		return n == len(want), err
	})
	// The second instance resumed from the checkpoint, replaying what the
	// first had handled after it.
	log, err := os.ReadFile(filepath.Join(dir, "second.log"))
	if err != nil {
		t.Fatal(err)
	}
	if resumed := fmt.Sprintf("offset=%d from_checkpoint=true", checkpointAtKill); !strings.Contains(string(log), resumed) {
		t.Errorf("second instance's log lacks %q", resumed)
	}
	stopWatch()
	<-watched
	if v := violations.Load(); v > 0 {
		t.Errorf("the committed offset ran ahead of the durable checkpoint in %d of %d samples; first: %s", v, samples.Load(), violation.Load())
	}
	if samples.Load() == 0 {
		t.Error("no sample of the committed offset and the checkpoint")
	}

	ws, err := store.Windows(ctx, "m", base.Add(-window), base.Add(time.Duration(len(events))*time.Second+window))
	if err != nil {
		t.Fatal(err)
	}
	checkExactWindows(t, ws, want)
	// The results are in drift_results, for any SQL client to see.
	var rows uint64
	if err := conn.QueryRow(fmt.Sprintf(
		"SELECT count() FROM %s.drift_results FINAL WHERE model = 'm' AND family = 'covariate' AND method = 'psi'", db)).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if n := uint64(2 * len(want)); rows != n {
		t.Errorf("drift_results holds %d covariate psi rows, want %d (2 features x %d windows)", rows, n, len(want))
	}
}

// checkExactWindows compares stored windows with the counts the test
// computed from the events it produced.
func checkExactWindows(t *testing.T, ws []*drift.WindowSummary, want map[int64]*exactWindow) {
	t.Helper()
	for _, got := range ws {
		ew := want[got.Seq]
		if ew == nil {
			t.Errorf("window %d was never produced", got.Seq)
			continue
		}
		x, c := got.Feature("x"), got.Feature("c")
		if got.Events != ew.events || x.Count != ew.xCount || x.Missing != ew.xMissing || got.Prediction.Count != ew.predCount {
			t.Errorf("window %d: events %d x %d/%d pred %d; want %d x %d/%d pred %d", got.Seq, got.Events, x.Count,
				x.Missing, got.Prediction.Count, ew.events, ew.xCount, ew.xMissing, ew.predCount)
		}
		var binSum uint64
		for _, n := range x.BinCounts {
			binSum += n
		}
		if binSum != ew.xCount {
			t.Errorf("window %d: bins hold %d values, want %d", got.Seq, binSum, ew.xCount)
		}
		for k, v := range ew.cats {
			if c.Categories[k] != v {
				t.Errorf("window %d: category %s counted %d, want %d", got.Seq, k, c.Categories[k], v)
			}
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
