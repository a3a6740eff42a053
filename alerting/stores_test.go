package alerting_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/driftmon/driftmon/alerting"
	"github.com/driftmon/driftmon/storage/clickhouse"
	"github.com/driftmon/driftmon/storage/embedded"
)

// durable is a store the restart tests close and open again.
type durable interface {
	alerting.Store
	alerting.Outbox
	Close() error
}

// backends returns, per store, a function that opens the same storage
// again each time it is called: the embedded store in a directory, and
// ClickHouse in a database of its own when DRIFTMON_CLICKHOUSE_ADDR names
// a server (required when DRIFTMON_REQUIRE_INTEGRATION is set).
func backends(t *testing.T) map[string]func(t *testing.T) func() durable {
	return map[string]func(t *testing.T) func() durable{
		"embedded": func(t *testing.T) func() durable {
			dir := t.TempDir()
			return func() durable {
				st, err := embedded.Open(dir)
				if err != nil {
					t.Fatalf("embedded.Open: %v", err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
		},
		"clickhouse": func(t *testing.T) func() durable {
			addr := os.Getenv("DRIFTMON_CLICKHOUSE_ADDR")
			if addr == "" {
				if os.Getenv("DRIFTMON_REQUIRE_INTEGRATION") != "" {
					t.Fatal("DRIFTMON_CLICKHOUSE_ADDR not set (scripts/test.sh provides it)")
				}
				t.Skip("DRIFTMON_CLICKHOUSE_ADDR not set (scripts/test.sh provides it)")
			}
			db := fmt.Sprintf("driftmon_test_alerting_%d", time.Now().UnixNano())
			t.Cleanup(func() {
				conn := ch.OpenDB(&ch.Options{Addr: []string{addr}})
				conn.Exec("DROP DATABASE IF EXISTS " + db)
				conn.Close()
			})
			return func() durable {
				st, err := clickhouse.Open(t.Context(), clickhouse.Options{Addr: []string{addr}, Database: db, Logger: quiet})
				if err != nil {
					t.Fatalf("clickhouse.Open: %v", err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
		},
	}
}
