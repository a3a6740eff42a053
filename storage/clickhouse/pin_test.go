package clickhouse

import (
	"os"
	"regexp"
	"testing"
)

// TestDriverPinned guards go.mod's pin: clickhouse-go from v2.27.1 on cannot
// batch-insert into ClickHouse 18.16, and `go get` without a version moves
// it silently. (Test binaries carry no dependency versions, so go.mod is
// read.)
func TestDriverPinned(t *testing.T) {
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/ClickHouse/clickhouse-go/v2 (\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod does not require clickhouse-go/v2")
	}
	if string(m[1]) != "v2.25.0" {
		t.Fatalf("go.mod requires clickhouse-go %s; it must stay v2.25.0 (see the comment there)", m[1])
	}
}
