package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/storage/clickhouse"
)

// faultStream is one broker fault test's world: a real broker of its own,
// a database, the driftmon binary on a config with the default group
// timings, and a stream of events whose windows the test counted itself.
type faultStream struct {
	t       *testing.T
	b       *testenv.Broker
	bin     string
	dir     string
	cfgPath string
	store   *clickhouse.Store
	events  [][]byte
	want    map[int64]*exactWindow
	base    time.Time
	window  time.Duration
	w       *kafka.Writer
	next    int // events produced so far
}

func newFaultStream(t *testing.T, events int) *faultStream {
	t.Helper()
	chAddr, db, _ := testenv.ClickHouseDB(t)
	b := testenv.StartKafka(t)
	createTestTopics(t, b, 1)
	f := &faultStream{t: t, b: b, bin: testenv.BuildBinary(t), dir: t.TempDir(),
		base: time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC), window: 100 * time.Second}
	// No group timings: the defaults are what a deployment gets.
	f.cfgPath = writeTestConfig(t, f.dir, kafkaYAML(b),
		fmt.Sprintf("  backend: clickhouse\n  clickhouse: {addr: [%q], database: %s}", chAddr, db), "127.0.0.1:0", f.window)
	f.events, f.want = testStream(events, f.base, f.window)
	store, err := clickhouse.Open(context.Background(), clickhouse.Options{Addr: []string{chAddr}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f.store = store
	// Acks from the broker: a record counted as produced is on its disk.
	f.w = &kafka.Writer{Addr: kafka.TCP(b.Addr), Topic: b.Topic("predictions"), BatchSize: 100, Transport: &kafka.Transport{},
		BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll}
	t.Cleanup(func() { f.w.Close() })
	return f
}

// serve starts `driftmon serve` and returns its log's path; the process
// is killed when the test ends (its log shown if the test failed).
func (f *faultStream) serve(name string) (*exec.Cmd, string) {
	f.t.Helper()
	return startServeProcess(f.t, f.bin, f.cfgPath, f.dir, name)
}

// startServeProcess starts the binary's `serve --config cfgPath`, its
// output in dir/NAME.log, and returns the process and the log's path. The
// process is killed when the test ends, and its log's tail shown if the
// test failed.
func startServeProcess(t *testing.T, bin, cfgPath, dir, name string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--config", cfgPath)
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s log:\n%s", name, tail(string(b), 6000))
		}
	})
	return cmd, logPath
}

// produce sends events up to n, 50 every 50 ms (a stream, not a burst),
// or until stop is closed. It never runs while the broker is down, so
// that every record it counts was acknowledged once and none is written
// twice by a retry.
func (f *faultStream) produce(n int, stop <-chan struct{}) error {
	for f.next < n {
		select {
		case <-stop:
			return nil
		default:
		}
		var msgs []kafka.Message
		for _, e := range f.events[f.next:min(f.next+50, n)] {
			msgs = append(msgs, kafka.Message{Key: []byte("m"), Value: e})
		}
		if err := f.write(msgs); err != nil {
			return fmt.Errorf("produce events %d..: %w", f.next, err)
		}
		f.next += len(msgs)
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// write writes one batch. A broker just back may not have elected its
// partitions' leader yet, and kafka-go's own retries (about 5 s) can run
// out first on a loaded machine; a batch of which no message was written
// is written again, for up to a minute. A batch partly written is an
// error: writing it again would count its written part twice.
func (f *faultStream) write(msgs []kafka.Message) error {
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := f.w.WriteMessages(ctx, msgs...)
		cancel()
		var we kafka.WriteErrors
		if err == nil || !errors.As(err, &we) || we.Count() != len(msgs) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// streaming produces events up to n in the background until the returned
// function stops it, which returns once the last batch was acknowledged.
func (f *faultStream) streaming(n int) (stop func()) {
	stopc, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- f.produce(n, stopc) }()
	return func() {
		close(stopc)
		if err := <-done; err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *faultStream) stored() int {
	ws, err := f.store.Windows(context.Background(), "m", f.base.Add(-f.window), f.end())
	if err != nil {
		return -1
	}
	return len(ws)
}

func (f *faultStream) end() time.Time {
	return f.base.Add(time.Duration(len(f.events))*time.Second + f.window)
}

// finish produces the rest of the stream, then requires every window
// stored within 2 minutes of back (the broker's return) and each holding
// exactly its events.
func (f *faultStream) finish(back time.Time) {
	t := f.t
	t.Helper()
	if err := f.produce(len(f.events), nil); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 2*time.Minute-time.Since(back), "every window stored within 2 minutes of the broker's return", func() (bool, error) {
		return f.stored() == len(f.want), nil
	})
	t.Logf("every window stored %.1fs after the broker's return", time.Since(back).Seconds())
	ws, err := f.store.Windows(context.Background(), "m", f.base.Add(-f.window), f.end())
	if err != nil {
		t.Fatal(err)
	}
	checkExactWindows(t, ws, f.want)
}

// logged waits until the log at path holds a line containing s.
func logged(t *testing.T, path, s string, d time.Duration) {
	t.Helper()
	testenv.WaitFor(t, d, fmt.Sprintf("%q in %s", s, filepath.Base(path)), func() (bool, error) {
		fh, err := os.Open(path)
		if err != nil {
			return false, err
		}
		defer fh.Close()
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if strings.Contains(sc.Text(), s) {
				return true, nil
			}
		}
		return false, sc.Err()
	})
}

// TestBrokerFaults takes a real broker away under a running service, each
// case on a broker of its own with the default group timings: restarted
// mid-stream on the same data, stopped during the group join and back 10 s
// later, down for 30 s mid-stream. Nothing produced is lost or counted
// twice, and every window is stored within 2 minutes of the broker's
// return. The producer pauses while the broker is away (kafka-go has no
// idempotent producer: a retried batch could land twice).
func TestBrokerFaults(t *testing.T) {
	cases := []struct {
		name string
		// join: the broker goes as soon as serve starts consuming, with
		// events waiting; otherwise mid-stream, while events are produced
		// and windows stored.
		join bool
		down time.Duration
	}{
		{"restart", false, 0},
		{"down-10s-in-join", true, 10 * time.Second},
		{"down-30s", false, 30 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Each on a broker of its own: they overlap, which keeps the
			// 30 s outage from adding up with the others.
			t.Parallel()
			f := newFaultStream(t, 3000)
			cut := len(f.events) * 6 / 10
			if tc.join {
				if err := f.produce(cut, nil); err != nil {
					t.Fatal(err)
				}
			}
			_, log := f.serve("serve")
			if tc.join {
				// The consumer starts right after this line and joins within
				// a second on this broker.
				logged(t, log, "driftmon serving", 30*time.Second)
			} else {
				logged(t, log, "joined consumer group", 30*time.Second)
				stop := f.streaming(cut)
				testenv.WaitFor(t, 30*time.Second, "the first windows stored", func() (bool, error) { return f.stored() >= 3, nil })
				stop()
			}
			stored, joined := f.stored(), contains(log, "joined consumer group")
			began := time.Now()
			f.b.Stop(t)
			time.Sleep(tc.down)
			f.b.Start(t)
			back := time.Now()
			t.Logf("broker away %.1fs; when it went, %d events were produced, %d windows stored, serve had joined: %v",
				back.Sub(began).Seconds(), f.next, stored, joined)
			f.finish(back)
		})
	}
}

// contains reports whether the file at path holds s.
func contains(path, s string) bool {
	b, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(b), s)
}
