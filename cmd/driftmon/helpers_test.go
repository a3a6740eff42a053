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
