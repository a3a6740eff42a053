package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/driftmon/driftmon/config"
)

// requireEnv returns an integration test's service address from the
// environment; without it the test skips, unless DRIFTMON_REQUIRE_INTEGRATION
// is set (as scripts/test.sh and CI do), where it fails.
func requireEnv(t *testing.T, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		msg := fmt.Sprintf("%s not set: this test needs %s (scripts/test.sh provides it)", name, what)
		if os.Getenv("DRIFTMON_REQUIRE_INTEGRATION") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return v
}

// clickhouseDB creates a fresh database on the test server and returns the
// server address, the database name and a SQL handle on it.
func clickhouseDB(t *testing.T) (addr, db string, conn *sql.DB) {
	t.Helper()
	addr = requireEnv(t, "DRIFTMON_CLICKHOUSE_ADDR", "a ClickHouse server")
	db = fmt.Sprintf("driftmon_test_%s_%d", strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name())), time.Now().UnixNano()%1e9)
	conn = clickhouse.OpenDB(&clickhouse.Options{Addr: []string{addr}})
	t.Cleanup(func() {
		conn.Exec("DROP DATABASE IF EXISTS " + db)
		conn.Close()
	})
	return addr, db, conn
}

// startBroker runs an in-process Kafka-protocol broker on a loopback port
// with the topics created up front.
func startBroker(t *testing.T, partitions int32, topics ...string) string {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.SeedTopics(partitions, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// buildBinary builds driftmon once per test run, for tests that kill it.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "driftmon")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %s waiting for %s (last error: %v)", d, what, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs serve with cfg on a loopback port, with ticks and group
// timeouts short enough for tests, until the test ends (before the
// broker and database the test set up earlier are cleaned up). It returns
// the HTTP address and the context serve runs under.
func startServe(t *testing.T, cfg *config.Config) (addr string, ctx context.Context) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, serveOptions{Listener: ln, TickInterval: 100 * time.Millisecond,
			HeartbeatInterval: 300 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 2 * time.Second})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String(), ctx
}

// twoModelProducer writes events for model m to the predictions topic's
// partition 0, and the same events as model m2 to partition 1, so that two
// instances of one group each own one model. produce sends events
// [from, to) of both, in batches of 200, pausing pace after each batch.
func twoModelProducer(t *testing.T, broker string, events [][]byte) (produce func(from, to int, pace time.Duration)) {
	t.Helper()
	events2 := make([][]byte, len(events))
	for i, e := range events {
		events2[i] = []byte(`{"model":"m2",` + string(e[len(`{`):]))
	}
	w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: "predictions", BatchSize: 200, BatchTimeout: time.Millisecond,
		Balancer: kafka.BalancerFunc(func(msg kafka.Message, partitions ...int) int {
			if string(msg.Key) == "m2" {
				return partitions[1]
			}
			return partitions[0]
		})}
	t.Cleanup(func() { w.Close() })
	return func(from, to int, pace time.Duration) {
		for i := from; i < to; i += 200 {
			var msgs []kafka.Message
			for j := i; j < min(i+200, to); j++ {
				msgs = append(msgs, kafka.Message{Key: []byte("m"), Value: events[j]},
					kafka.Message{Key: []byte("m2"), Value: events2[j]})
			}
			if err := w.WriteMessages(context.Background(), msgs...); err != nil {
				t.Fatal(err)
			}
			time.Sleep(pace)
		}
	}
}
