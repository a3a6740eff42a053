package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/server/servertest"
	"github.com/driftmon/driftmon/storage/clickhouse"
)

// TestPythonClient has driftmon's Python client (clients/python) log a
// stream to the real broker, with labels for some of it and two events that
// break the contract; serve stores every window with exactly the events
// sent, joins the labels, and rejects nothing: the client refused the two
// bad events itself. The predictions topic has three partitions, so the
// client's keying by model is what keeps each window whole.
func TestPythonClient(t *testing.T) {
	python := testenv.RequireEnv(t, "DRIFTMON_PYTHON", "a Python with clients/python installed")
	b := testenv.SharedKafka(t)
	chAddr, db, _ := testenv.ClickHouseDB(t)
	createTestTopics(t, b, 3)
	dir := t.TempDir()
	const window = 300 * time.Second
	cfgPath := testConfigOn(t, dir, b,
		fmt.Sprintf("  backend: clickhouse\n  clickhouse: {addr: [%q], database: %s}", chAddr, db), "127.0.0.1:0", window)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}

	// The calls the Python script makes: testStream's events, whose exact
	// windows it computes; labels for the first 100 predictions; and two
	// events the client must refuse.
	base := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	events, want := testStream(3000, base, window)
	var calls strings.Builder
	for _, e := range events {
		var c map[string]any
		if err := json.Unmarshal(e, &c); err != nil {
			t.Fatal(err)
		}
		c["op"] = "prediction"
		line, _ := json.Marshal(c)
		calls.Write(append(line, '\n'))
	}
	// Each label comes a minute after its prediction: well within the
	// default label delay of 7 days, which a label stamped with the time
	// the test runs would not be.
	const labelled = 100
	for i := range labelled {
		fmt.Fprintf(&calls, `{"op": "label", "id": "e%d", "label": %d, "timestamp": %q}`+"\n", i, i%2,
			base.Add(time.Duration(i)*time.Second+time.Minute).Format(time.RFC3339))
	}
	calls.WriteString(`{"op": "prediction", "id": "bad", "timestamp": "last tuesday", "features": {"x": 1}, "prediction": 0.5}` + "\n")
	calls.WriteString(`{"op": "label", "label": 1, "timestamp": null}` + "\n")
	callsPath := filepath.Join(dir, "calls.jsonl")
	if err := os.WriteFile(callsPath, []byte(calls.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "testdata/python_client.py", b.Addr, b.Topic("predictions"), b.Topic("labels"), callsPath).Output()
	if err != nil {
		t.Fatalf("python_client.py: %v\n%s", err, stderrOf(err))
	}
	var m struct {
		Accepted, Delivered, Failed, Dropped, Queued int
		Rejected                                     map[string]int
	}
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("python_client.py printed %q: %v", out, err)
	}
	if m.Accepted != len(events)+labelled || m.Delivered != m.Accepted || m.Failed+m.Dropped+m.Queued != 0 ||
		!reflect.DeepEqual(m.Rejected, map[string]int{"invalid_timestamp": 1, "missing_id": 1}) {
		t.Errorf("client metrics %+v: want %d accepted and delivered, nothing failed, dropped or queued, one invalid_timestamp and one missing_id",
			m, len(events)+labelled)
	}

	addr, ctx := servertest.Start(t, cfg)
	store, err := clickhouse.Open(ctx, clickhouse.Options{Addr: []string{chAddr}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	end := base.Add(time.Duration(len(events))*time.Second + window)
	testenv.WaitFor(t, 90*time.Second, "every window stored", func() (bool, error) {
		ws, err := store.Windows(ctx, "m", base.Add(-window), end)
		return len(ws) == len(want), err
	})
	ws, err := store.Windows(ctx, "m", base.Add(-window), end)
	if err != nil {
		t.Fatal(err)
	}
	checkExactWindows(t, ws, want)

	testenv.WaitFor(t, 30*time.Second, "labels stored", func() (bool, error) {
		ls, err := store.Labels(ctx, "m")
		return len(ls) == labelled, err
	})
	// Each label joined to its prediction: e0..e99 are the first 100
	// seconds of base's window.
	seq := base.UnixNano() / int64(window)
	testenv.WaitFor(t, 30*time.Second, "labels joined", func() (bool, error) {
		rows, err := store.Labelled(ctx, "m", seq)
		return len(rows) == labelled, err
	})
	rows, _ := store.Labelled(ctx, "m", seq)
	for _, r := range rows {
		var i int
		if _, err := fmt.Sscanf(r.ID, "e%d", &i); err != nil || r.Label != fmt.Sprint(i%2) ||
			!r.PredTime.Equal(base.Add(time.Duration(i)*time.Second)) {
			t.Errorf("labelled row %+v: want id eN with label N%%2 and the prediction's time", r)
		}
	}
	preds, err := store.Predictions(ctx, "m")
	if err != nil || len(preds) != len(events) {
		t.Errorf("raw log holds %d predictions (err %v), want %d", len(preds), err, len(events))
	}

	// The service rejected nothing and read every record.
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if rej := regexp.MustCompile(`(?m)^driftmon_events_rejected_total\{reason="(\w+)"\} [1-9].*$`).FindAllString(string(body), -1); len(rej) > 0 {
		t.Errorf("serve rejected records: %v", rej)
	}
	for _, line := range []string{
		fmt.Sprintf(`driftmon_events_ingested_total{topic=%q} %d`, b.Topic("predictions"), len(events)),
		fmt.Sprintf(`driftmon_events_ingested_total{topic=%q} %d`, b.Topic("labels"), labelled),
	} {
		if !strings.Contains(string(body), line) {
			t.Errorf("/metrics lacks %q", line)
		}
	}
}

// stderrOf is what a failed command wrote to its standard error.
func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
