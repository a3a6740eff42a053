package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
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

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/window"
)

// RequireEnv returns an integration test's service address from the
// environment; without it the test skips, unless DRIFTMON_REQUIRE_INTEGRATION
// is set (as scripts/test.sh and CI do), where it fails.
func RequireEnv(t testing.TB, name, what string) string {
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

// ClickHouseDB creates a fresh database on the test server and returns the
// server address, the database name and a SQL handle on it.
func ClickHouseDB(t testing.TB) (addr, db string, conn *sql.DB) {
	t.Helper()
	addr = RequireEnv(t, "DRIFTMON_CLICKHOUSE_ADDR", "a ClickHouse server")
	// A database name has at most 64 characters (driftmon's config says
	// so): 14 + 40 + 1 + 9.
	name := strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name()))
	db = fmt.Sprintf("driftmon_test_%s_%d", name[:min(len(name), 40)], time.Now().UnixNano()%1e9)
	conn = clickhouse.OpenDB(&clickhouse.Options{Addr: []string{addr}})
	t.Cleanup(func() {
		conn.Exec("DROP DATABASE IF EXISTS " + db)
		conn.Close()
	})
	return addr, db, conn
}

// FreePort returns a loopback TCP port nothing listens on now.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// FreeAddr is FreePort as a host:port address.
func FreeAddr(t testing.TB) string {
	t.Helper()
	p, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", p)
}

// StartBroker runs an in-process Kafka-protocol broker on a loopback port
// with the topics created up front.
func StartBroker(t testing.TB, partitions int32, topics ...string) string {
	t.Helper()
	port, err := FreePort()
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

// BuildBinary builds the driftmon command, for tests that kill it.
func BuildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "driftmon")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/driftmon/driftmon/cmd/driftmon")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// WaitFor polls cond until it holds or the deadline passes.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() (bool, error)) {
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

// WindowsOf cuts n events per minute-long window of model "m", x ~
// N(mean[w], 1) and c drawn from cats[w], into closed windows.
func WindowsOf(t testing.TB, means []float64, cats [][]string, n int) []*drift.WindowSummary {
	t.Helper()
	spec := window.Spec{Model: "m", Duration: time.Minute, IdleTimeout: time.Hour, Limits: drift.DefaultLimits(),
		Features: []window.Feature{{Name: "x", Kind: drift.Numeric}, {Name: "c", Kind: drift.Categorical}}}
	w := window.New([]window.Spec{spec})
	r := rand.New(rand.NewPCG(1, 1))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var out []*drift.WindowSummary
	for wi, mu := range means {
		for i := 0; i < n; i++ {
			p := &drift.Prediction{Model: "m", Time: base.Add(time.Duration(wi)*time.Minute + time.Duration(i)*time.Minute/time.Duration(n)),
				Features: []drift.Feature{{Name: "x", Value: drift.NumberValue(mu + r.NormFloat64())},
					{Name: "c", Value: drift.StringValue(cats[wi][r.IntN(len(cats[wi]))])}}}
			closed, _, err := w.Add(p, base)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, closed...)
		}
	}
	return append(out, w.Tick(base.Add(2*time.Hour))...)
}

// TwoModelProducer writes events for model m to the predictions topic's
// partition 0, and the same events as model m2 to partition 1, so that two
// instances of one group each own one model. produce sends events
// [from, to) of both, in batches of 200, pausing pace after each batch.
//
// Each partition gets its events in order: a batch is written only once
// the broker has appended the one before (RequireAll; with kafka-go's
// default, RequireNone, a write returns as soon as it is sent, the next
// batch may leave on another connection and the broker may append it
// first). kafka-go retries a failed batch before it writes the next one,
// and WriteMessages returns only when its batches are appended, so
// neither retries nor the pace reorder them.
func TwoModelProducer(t testing.TB, broker string, events [][]byte) (produce func(from, to int, pace time.Duration)) {
	t.Helper()
	events2 := make([][]byte, len(events))
	for i, e := range events {
		events2[i] = []byte(`{"model":"m2",` + string(e[len(`{`):]))
	}
	w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: "predictions", BatchSize: 200, BatchTimeout: time.Millisecond,
		RequiredAcks: kafka.RequireAll,
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
