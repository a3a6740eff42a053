package clickhouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/storagetest"
)

// serverAddr is the ClickHouse the integration tests use; without one they
// skip, unless DRIFTMON_REQUIRE_INTEGRATION=1 says they must run.
func serverAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("DRIFTMON_CLICKHOUSE_ADDR")
	if addr == "" {
		msg := `DRIFTMON_CLICKHOUSE_ADDR is empty: start a server with eval "$(scripts/clickhouse.sh start)" ` +
			`from the repository root, run the tests, then scripts/clickhouse.sh stop`
		if os.Getenv("DRIFTMON_REQUIRE_INTEGRATION") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return addr
}

// runID keeps databases of concurrent test runs on one server apart.
var runID = func() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}()

// dbName is the database of storage name within t.
func dbName(t *testing.T, name string) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s", t.Name(), name)
	return fmt.Sprintf("driftmon_test_%s_%x", runID, h.Sum64())
}

// dropDatabase removes db with a connection of its own: the store may be
// closed by then.
func dropDatabase(t *testing.T, addr, db string) {
	conn, err := ch.Open(&ch.Options{Addr: []string{addr}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Errorf("drop %s: %v", db, err)
		return
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		t.Errorf("drop %s: %v", db, err)
	}
}

// openDB opens a store on database db of the test server, dropping db when
// t ends (once, however often it is opened).
func openDB(t *testing.T, db string) *Store {
	t.Helper()
	addr := serverAddr(t)
	registered.Lock()
	if !registered.dbs[db] {
		registered.dbs[db] = true
		t.Cleanup(func() { dropDatabase(t, addr, db) })
	}
	registered.Unlock()
	st, err := Open(t.Context(), Options{Addr: []string{addr}, Database: db})
	if err != nil {
		t.Fatalf("Open %s: %v", db, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var registered = struct {
	sync.Mutex
	dbs map[string]bool
}{dbs: make(map[string]bool)}

func TestContract(t *testing.T) {
	serverAddr(t)
	storagetest.Run(t, func(t *testing.T, name string) storage.Store {
		return openDB(t, dbName(t, name))
	})
}

// TestSchemaDriftResults checks drift_results against DESIGN.md's DDL,
// copied here by hand (not from migrations.go), with the two columns
// migration 4 added after drifted (decision, threshold_source), through
// system.columns and system.tables.
func TestSchemaDriftResults(t *testing.T) {
	st := openDB(t, dbName(t, "a"))
	ctx := t.Context()
	want := [][2]string{
		{"model", "String"}, {"model_version", "String"}, {"family", "String"},
		{"feature", "String"},
		{"method", "String"}, {"window_start", "DateTime"}, {"window_end", "DateTime"},
		{"statistic", "Float64"}, {"p_value", "Nullable(Float64)"}, {"threshold", "Float64"}, {"drifted", "UInt8"},
		{"decision", "UInt8"}, {"threshold_source", "String"},
		{"n_reference", "UInt64"}, {"n_current", "UInt64"}, {"version", "UInt64"},
	}
	// 18.16's system.columns has no position column; it lists columns in
	// table order.
	rows, err := st.conn.Query(ctx, "SELECT name, type FROM system.columns WHERE database = ? AND table = 'drift_results'", st.db)
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	rows.Close()
	if !slices.Equal(got, want) {
		t.Errorf("drift_results columns:\n got %v\nwant %v", got, want)
	}

	var engine, engineFull, partitionKey, sortingKey string
	if err := st.conn.QueryRow(ctx, "SELECT engine, engine_full, partition_key, sorting_key FROM system.tables WHERE database = ? AND name = 'drift_results'",
		st.db).Scan(&engine, &engineFull, &partitionKey, &sortingKey); err != nil {
		t.Fatal(err)
	}
	if engine != "ReplacingMergeTree" || !strings.HasPrefix(engineFull, "ReplacingMergeTree(version)") {
		t.Errorf("engine %q (%q), want ReplacingMergeTree(version)", engine, engineFull)
	}
	if partitionKey != "toYYYYMM(window_start)" {
		t.Errorf("partition key %q, want toYYYYMM(window_start)", partitionKey)
	}
	if sortingKey != "model, model_version, family, feature, method, window_start" {
		t.Errorf("sorting key %q", sortingKey)
	}

	// Every table replaces by version; those with a time are monthly.
	tables, err := st.conn.Query(ctx, "SELECT name, engine, partition_key FROM system.tables WHERE database = ?", st.db)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for tables.Next() {
		var name, eng, pk string
		if err := tables.Scan(&name, &eng, &pk); err != nil {
			t.Fatal(err)
		}
		seen[name] = true
		if eng != "ReplacingMergeTree" {
			t.Errorf("%s: engine %s", name, eng)
		}
		if slices.Contains(timePartitioned, name) != strings.HasPrefix(pk, "toYYYYMM(") {
			t.Errorf("%s: partition key %q", name, pk)
		}
	}
	tables.Close()
	for _, name := range []string{"predictions", "labels", "window_summaries", "window_checkpoints",
		"drift_results", "alerts", "detections", "labelled", "schema_migrations"} {
		if !seen[name] {
			t.Errorf("table %s missing", name)
		}
	}
}

// TestSchemaLabelled checks the labelled table's keys, and that its
// partition holds every version of a row: a corrected label a month later
// (another label_time month) still merges with the first.
func TestSchemaLabelled(t *testing.T) {
	st := openDB(t, dbName(t, "a"))
	ctx := t.Context()
	var engineFull, partitionKey, sortingKey string
	if err := st.conn.QueryRow(ctx, "SELECT engine_full, partition_key, sorting_key FROM system.tables WHERE database = ? AND name = 'labelled'",
		st.db).Scan(&engineFull, &partitionKey, &sortingKey); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(engineFull, "ReplacingMergeTree(version)") || partitionKey != "toYYYYMM(pred_time)" ||
		sortingKey != "model, window_seq, id" {
		t.Errorf("labelled: engine %q, partition key %q, sorting key %q", engineFull, partitionKey, sortingKey)
	}
	var typ string
	if err := st.conn.QueryRow(ctx, "SELECT type FROM system.columns WHERE database = ? AND table = 'predictions' AND name = 'window_seq'",
		st.db).Scan(&typ); err != nil || typ != "Int64" {
		t.Errorf("predictions.window_seq: type %q, %v", typ, err)
	}

	pred := time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)
	first := storage.LabelledRecord{Model: "m", WindowSeq: 1, ID: "a", PredTime: pred, LabelTime: pred.Add(time.Hour), Label: "0", Version: 1}
	corrected := first
	corrected.LabelTime, corrected.Label, corrected.Version = pred.Add(40*24*time.Hour), "1", 2
	for _, r := range []storage.LabelledRecord{first, corrected} {
		if err := st.WriteLabelled(ctx, []storage.LabelledRecord{r}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.conn.Exec(ctx, "OPTIMIZE TABLE "+st.table("labelled")+" FINAL"); err != nil {
		t.Fatal(err)
	}
	var n uint64
	if err := st.conn.QueryRow(ctx, "SELECT count() FROM "+st.table("labelled")).Scan(&n); err != nil || n != 1 {
		t.Errorf("after OPTIMIZE FINAL: %d rows (%v), want the two versions merged into 1", n, err)
	}
}

// TestMigrationKeepsPredictions upgrades a database with predictions
// logged before migration 3: they read back, in window -1 (none), and can
// be looked up.
func TestMigrationKeepsPredictions(t *testing.T) {
	db := dbName(t, "a")
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = saved[:2]
	st := openDB(t, db)
	if err := st.insert(t.Context(), "predictions",
		"model, model_version, id, event_time, time_ns, output, body, topic, kafka_partition, kafka_offset, version", 1,
		func(int) []any {
			return []any{"m", "1", "req-1", time.Unix(1, 0).UTC(), int64(1e9), "0.5", "{}", "predictions", int32(0), int64(7), uint64(1)}
		}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	migrations = saved
	st = openDB(t, db)
	ps, err := st.LookupPredictions(t.Context(), "m", []string{"req-1"})
	if err != nil || len(ps) != 1 || ps[0].WindowSeq != -1 || ps[0].Output != "0.5" || ps[0].Source.Offset != 7 {
		t.Fatalf("after migration 3: %+v, %v", ps, err)
	}
}

// TestMigrationVerdicts upgrades a database of migration 3, whose
// drift_results held neither decision nor threshold_source and drifted
// reported rows at their own levels, the marker in drift_result_meta:
// the rows read back as the contract says (storagetest.RunLegacyResults),
// and SQL on drift_results alone tells the verdicts.
func TestMigrationVerdicts(t *testing.T) {
	db := dbName(t, "a")
	var st *Store
	storagetest.RunLegacyResults(t, func(t *testing.T, rs []drift.Result, version uint64) storage.Store {
		saved := migrations
		t.Cleanup(func() { migrations = saved })
		migrations = saved[:3]
		old := openDB(t, db)
		ctx := t.Context()
		// The INSERTs of that version, column for column.
		if err := old.insert(ctx, "drift_results", `model, model_version, family, feature, method, window_start,
			window_end, statistic, p_value, threshold, drifted, n_reference, n_current, version`, len(rs), func(i int) []any {
			r := rs[i]
			return []any{r.Model, r.ModelVersion, string(r.Family), r.Feature, r.Method, r.WindowStart.UTC(),
				r.WindowEnd.UTC(), r.Statistic, r.PValue, r.Threshold, b2u(r.Drifted), r.NReference, r.NCurrent, version}
		}); err != nil {
			t.Fatal(err)
		}
		if err := old.insert(ctx, "drift_result_meta", `model, model_version, family, feature, method, window_start,
			window_seq, decision, version`, len(rs), func(i int) []any {
			r := rs[i]
			return []any{r.Model, r.ModelVersion, string(r.Family), r.Feature, r.Method, r.WindowStart.UTC(),
				r.WindowSeq, b2u(r.Decision), version}
		}); err != nil {
			t.Fatal(err)
		}
		old.Close()
		migrations = saved
		st = openDB(t, db)
		waitMutations(t, st, "drift_results")
		return st
	})
	if t.Failed() {
		return
	}
	// What a dashboard reads: the verdict rows by decision = 1, and
	// drifted = 1 on those only (and on the families judged row by row).
	rows, err := st.conn.Query(t.Context(), `SELECT family, feature, method, drifted, decision, threshold_source
		FROM `+st.table("drift_results")+` FINAL WHERE model = 'fraud' AND window_start = ?
		ORDER BY family, feature, method`, time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var fam, feature, method, source string
		var drifted, decision uint8
		if err := rows.Scan(&fam, &feature, &method, &drifted, &decision, &source); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s/%s/%s %d %d %q", fam, feature, method, drifted, decision, source))
	}
	want := []string{
		`concept//accuracy 1 1 ""`,
		`concept//f1_macro 1 0 ""`,
		`covariate/amount/jensen_shannon 1 1 ""`,
		`covariate/amount/ks 0 0 ""`,
		`covariate/amount/psi 0 0 ""`,
		`covariate/country/chi2 0 0 ""`,
		`covariate/country/psi 0 1 ""`,
		`dataset//drifted_share 0 1 ""`,
		`prior/prediction/jensen_shannon 0 1 ""`,
		`prior/prediction/ks 0 0 ""`,
		`quality/amount/missing_share 1 0 ""`,
	}
	// The rewrite of amount/jensen_shannon at version 200 carries its
	// source; FINAL shows it.
	want[2] = `covariate/amount/jensen_shannon 1 1 "calibrated:bootstrap"`
	if !slices.Equal(got, want) {
		t.Errorf("drift_results after migration 4:\n got %q\nwant %q", got, want)
	}
}

// waitMutations waits for the server to finish table's mutations, which
// run in the background.
func waitMutations(t *testing.T, st *Store, table string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n uint64
		if err := st.conn.QueryRow(t.Context(), "SELECT count() FROM system.mutations WHERE database = ? AND table = ? AND is_done = 0",
			st.db, table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mutations of %s still running after 30 s", n, table)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMigrationNumbering(t *testing.T) {
	for i, m := range migrations {
		if m.Version != uint32(i+1) {
			t.Errorf("migration %d has version %d: versions must run 1, 2, 3...", i, m.Version)
		}
		if m.Name == "" || len(m.Steps) == 0 {
			t.Errorf("migration %d has no name or no steps", m.Version)
		}
	}
}

// migrationRows lists schema_migrations without FINAL, so a migration
// recorded twice shows twice.
func migrationRows(t *testing.T, st *Store) []uint32 {
	t.Helper()
	rows, err := st.conn.Query(t.Context(), "SELECT version FROM "+st.table("schema_migrations")+" ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []uint32
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestMigrationsIdempotent(t *testing.T) {
	db := dbName(t, "a")
	st := openDB(t, db)
	var want []uint32
	for _, m := range migrations {
		want = append(want, m.Version)
	}
	if got := migrationRows(t, st); !slices.Equal(got, want) {
		t.Fatalf("after first Open: %v, want %v", got, want)
	}
	st.Close()
	st = openDB(t, db)
	if got := migrationRows(t, st); !slices.Equal(got, want) {
		t.Fatalf("after second Open: %v, want %v", got, want)
	}

	// A later migration adding a column: applied once, recorded once,
	// harmless when its step runs again.
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	next := want[len(want)-1] + 1
	migrations = append(slices.Clone(saved), migration{Version: next, Name: "test column", Steps: []step{
		addColumn("detections", "test_note", "String", "kind"),
	}})
	st.Close()
	st = openDB(t, db)
	st.Close()
	st = openDB(t, db)
	if got, want := migrationRows(t, st), append(want, next); !slices.Equal(got, want) {
		t.Fatalf("with migration %d: %v, want %v", next, got, want)
	}
	if err := addColumn("detections", "test_note", "String", "kind")(t.Context(), st); err != nil {
		t.Fatalf("addColumn again: %v", err)
	}
	var n uint64
	if err := st.conn.QueryRow(t.Context(), "SELECT count() FROM system.columns WHERE database = ? AND table = 'detections' AND name = 'test_note'", db).Scan(&n); err != nil || n != 1 {
		t.Fatalf("test_note columns: %d, %v", n, err)
	}
}

// Instances starting at once run the same migrations at once: every one
// must open (the column checks race with the ALTERs).
func TestMigrationsConcurrent(t *testing.T) {
	addr := serverAddr(t)
	db := dbName(t, "concurrent")
	t.Cleanup(func() { dropDatabase(t, addr, db) })
	const n = 6
	errs := make(chan error, n)
	for range n {
		go func() {
			st, err := Open(t.Context(), Options{Addr: []string{addr}, Database: db})
			if err == nil {
				st.Close()
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Open: %v", err)
		}
	}
}

func TestOpenBadDatabaseName(t *testing.T) {
	for _, db := range []string{"drift-mon", "a;DROP DATABASE x", "a b", "a.b", "`x`"} {
		t.Run(db, func(t *testing.T) {
			// No server needed: the name is refused before connecting.
			_, err := Open(t.Context(), Options{Addr: []string{"127.0.0.1:1"}, Database: db})
			if !errors.Is(err, storage.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestOpenClosedPortFailsFast(t *testing.T) {
	addr := closedPort(t)
	const password = "s3cret-pw"
	start := time.Now()
	_, err := Open(t.Context(), Options{Addr: []string{addr}, Password: password, DialTimeout: 10 * time.Second})
	elapsed := time.Since(start)
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not name the address %s", err, addr)
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("error %q shows the password", err)
	}
	// A refused connection is immediate; the dial timeout must not be
	// waited out.
	if elapsed > 2*time.Second {
		t.Errorf("Open took %v against a closed port", elapsed)
	}
}

func TestUnavailableAfterOpen(t *testing.T) {
	addr := serverAddr(t)
	db := dbName(t, "a")
	openDB(t, db).Close() // creates the schema, and the cleanup
	p := testenv.StartTCPProxy(t, addr)
	proxied := p.Addr()
	st, err := Open(t.Context(), Options{Addr: []string{proxied}, Database: db})
	if err != nil {
		t.Fatalf("Open through proxy: %v", err)
	}
	defer st.Close()
	if err := st.SaveCheckpoint(t.Context(), drift.Checkpoint{Group: "g", Topic: "t", Offset: 1, Version: 1}); err != nil {
		t.Fatalf("SaveCheckpoint through proxy: %v", err)
	}
	p.Cut()
	calls := []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return st.Ping(t.Context()) }},
		{"SaveCheckpoint", func() error {
			return st.SaveCheckpoint(t.Context(), drift.Checkpoint{Group: "g", Topic: "t", Offset: 2, Version: 2})
		}},
		{"LoadCheckpoint", func() error { _, _, err := st.LoadCheckpoint(t.Context(), "g", "t", 0); return err }},
		{"Results", func() error { _, err := st.Results(t.Context(), storage.ResultQuery{}); return err }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if !errors.Is(err, storage.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if !strings.Contains(err.Error(), proxied) {
				t.Errorf("error %q does not name the address %s", err, proxied)
			}
		})
	}
}

func TestServerErrorIsNotUnavailable(t *testing.T) {
	st := openDB(t, dbName(t, "a"))
	if err := st.conn.Exec(t.Context(), "DROP TABLE "+st.table("drift_results")); err != nil {
		t.Fatal(err)
	}
	_, err := st.Results(t.Context(), storage.ResultQuery{})
	if err == nil || errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("query of a missing table: err = %v, want a permanent error", err)
	}
}

func TestUnavailableClassification(t *testing.T) {
	opErr := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", opErr, true},
		{"wrapped refused", fmt.Errorf("dial: %w", opErr), true},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"eof", io.EOF, true},
		{"acquire timeout", ch.ErrAcquireConnTimeout, true},
		{"deadline", context.DeadlineExceeded, true},
		{"canceled by caller", context.Canceled, false},
		{"unknown table", &proto.Exception{Code: 60, Message: "Table x doesn't exist"}, false},
		{"bad password", &proto.Exception{Code: 516, Message: "Authentication failed"}, false},
		{"too many parts", &proto.Exception{Code: 252, Message: "Too many parts"}, true},
		{"memory limit", fmt.Errorf("send: %w", &proto.Exception{Code: 241}), true},
		{"driver conversion", errors.New("converting int to String is unsupported"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := unavailable(tc.err); got != tc.want {
				t.Errorf("unavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func benchStore(b *testing.B) *Store {
	addr := os.Getenv("DRIFTMON_CLICKHOUSE_ADDR")
	if addr == "" {
		b.Skip("DRIFTMON_CLICKHOUSE_ADDR is empty (see scripts/clickhouse.sh)")
	}
	db := fmt.Sprintf("driftmon_bench_%s", runID)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := Open(b.Context(), Options{Addr: []string{addr}, Database: db, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		st.conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
		st.Close()
	})
	return st
}

func BenchmarkPredictions(b *testing.B) {
	storagetest.BenchmarkPredictions(b, benchStore(b), 1000)
}

func BenchmarkWindow(b *testing.B) {
	storagetest.BenchmarkWindow(b, benchStore(b), 20)
}
