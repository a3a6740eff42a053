package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/storage/clickhouse"
)

// TestSessionExpiryBySIGSTOP runs two instances of serve (default group
// timings) on a real broker, m's events on one partition and m2's on the
// other, and freezes one of them with SIGSTOP in the middle of the stream
// for longer than its session: the broker drops it, the other instance
// takes its partitions over from their checkpoints, and when the frozen one
// wakes up (SIGCONT) it finds itself out of the group and rejoins. Through
// it all the stream goes on; every window of both models must hold exactly
// its events. The frozen instance wakes with windows open that look idle
// to it and with records fetched before the freeze: whatever it does before
// it learns that it lost its partitions must not spoil what the other one
// stored.
func TestSessionExpiryBySIGSTOP(t *testing.T) {
	b := testenv.SharedKafka(t)
	chAddr, db, _ := testenv.ClickHouseDB(t)
	createTestTopics(t, b, 2)
	const window = 100 * time.Second
	dir := t.TempDir()
	cfgPath := writeTestConfig(t, dir, kafkaYAML(b),
		fmt.Sprintf("  backend: clickhouse\n  clickhouse: {addr: [%q], database: %s}", chAddr, db), "127.0.0.1:0", window)
	// A second model, m2, like m.
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	model := string(raw[strings.Index(string(raw), "  - name: m\n"):])
	if err := os.WriteFile(cfgPath, append(raw, strings.Replace(model, "- name: m\n", "- name: m2\n", 1)...), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := testenv.BuildBinary(t)
	serve := func(name string) (*os.Process, string) {
		f := &faultStream{t: t, bin: bin, dir: dir, cfgPath: cfgPath}
		cmd, log := f.serve(name)
		return cmd.Process, log
	}

	base := time.Date(2026, 11, 6, 0, 0, 0, 0, time.UTC)
	events, want := testStream(4000, base, window)
	ctx := context.Background()
	store, err := clickhouse.Open(ctx, clickhouse.Options{Addr: []string{chAddr}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	end := base.Add(time.Duration(len(events))*time.Second + window)
	count := func(model string) int {
		ws, _ := store.Windows(ctx, model, base.Add(-window), end)
		return len(ws)
	}

	a, alog := serve("a")
	logged(t, alog, "joined consumer group", 30*time.Second)
	_, blog := serve("b")
	testenv.WaitFor(t, 30*time.Second, "one partition of each topic each", func() (bool, error) {
		return held(alog) == 2 && held(blog) == 2, nil
	})

	// The stream: m on partition 0, m2 on partition 1, 40 events of
	// each every 200 ms, about 20 s in all, in the background.
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr), Topic: b.Topic("predictions"), BatchSize: 100, Transport: &kafka.Transport{},
		BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll,
		Balancer: kafka.BalancerFunc(func(m kafka.Message, _ ...int) int {
			if string(m.Key) == "m2" {
				return 1
			}
			return 0
		})}
	defer w.Close()
	produced := make(chan error, 1)
	go func() {
		for i := 0; i < len(events); i += 20 {
			var msgs []kafka.Message
			for _, e := range events[i:min(i+20, len(events))] {
				msgs = append(msgs, kafka.Message{Key: []byte("m"), Value: e},
					kafka.Message{Key: []byte("m2"), Value: []byte(`{"model":"m2",` + string(e[len(`{`):]))})
			}
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				produced <- err
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		produced <- nil
	}()

	testenv.WaitFor(t, 30*time.Second, "windows of both models", func() (bool, error) {
		return count("m") >= 3 && count("m2") >= 3, nil
	})
	if err := a.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	frozen := time.Now()
	storedM, storedM2 := count("m"), count("m2")
	testenv.WaitFor(t, 60*time.Second, "b holding every partition", func() (bool, error) { return held(blog) == 4, nil })
	t.Logf("b took a's partitions over %.1fs after a froze", time.Since(frozen).Seconds())
	// a wakes only once b stored the windows a had open when it froze,
	// and more: a's view of them is older than what is stored.
	testenv.WaitFor(t, 60*time.Second, "b storing the windows a had open", func() (bool, error) {
		return count("m") >= storedM+3 && count("m2") >= storedM2+3, nil
	})
	if err := a.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	woke := time.Now()
	t.Logf("a frozen for %.1fs; %d and %d windows of m and m2 stored", woke.Sub(frozen).Seconds(), count("m"), count("m2"))
	testenv.WaitFor(t, 60*time.Second, "a back in the group", func() (bool, error) { return held(alog) == 2 && held(blog) == 2, nil })
	t.Logf("a back in the group %.1fs after it woke", time.Since(woke).Seconds())
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 60*time.Second, "every window of both models", func() (bool, error) {
		return count("m") == len(want) && count("m2") == len(want), nil
	})
	for _, model := range []string{"m", "m2"} {
		ws, err := store.Windows(ctx, model, base.Add(-window), end)
		if err != nil {
			t.Fatal(err)
		}
		checkExactWindows(t, ws, want)
	}
	if t.Failed() {
		for _, l := range []string{alog, blog} {
			if b, err := os.ReadFile(l); err == nil {
				t.Logf("%s:\n%s", filepath.Base(l), tail(string(b), 4000))
			}
		}
	}
}
