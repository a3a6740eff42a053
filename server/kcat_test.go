package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/server/servertest"
	"github.com/driftmon/driftmon/storage/clickhouse"
)

// TestKcatProducer has an independent client, librdkafka's kcat, produce the
// events over TCP; the service consumes them through kafka-go, stores exact
// windows in ClickHouse, and sends each malformed record to the dead-letter
// topic with its reason. It runs on kfake and on a real broker.
func TestKcatProducer(t *testing.T) {
	for _, kind := range testenv.Brokers() {
		t.Run(kind.Name, func(t *testing.T) { kcatProducer(t, kind.Open(t)) })
	}
}

func kcatProducer(t *testing.T, b *testenv.Broker) {
	kcat := testenv.RequireEnv(t, "DRIFTMON_KCAT", "Debian's kcat (apt-get install kcat)")
	chAddr, db, _ := testenv.ClickHouseDB(t)
	createTestTopics(t, b, 1)
	broker, predictions, labelsTopic, deadLetter := b.Addr, b.Topic("predictions"), b.Topic("labels"), b.Topic("driftmon-dead-letter")
	dir := t.TempDir()
	const window = 300 * time.Second
	cfgPath := testConfigOn(t, dir, b,
		fmt.Sprintf("  backend: clickhouse\n  clickhouse: {addr: [%q], database: %s}", chAddr, db), "127.0.0.1:0", window)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	events, want := testStream(3000, base, window)

	var in bytes.Buffer
	for i, e := range events {
		fmt.Fprintf(&in, "m:%s\n", e)
		if i == 1000 {
			in.WriteString("m:{not json\n")
			in.WriteString(`m:{"model": "m", "timestamp": "last tuesday", "features": {}}` + "\n")
			in.WriteString(`nobody:{"model": "nobody", "features": {"x": 1}}` + "\n")
			in.WriteString(`other:{"model": "m", "features": {"x": 1}}` + "\n")
		}
	}
	cmd := exec.Command(kcat, "-b", broker, "-P", "-t", predictions, "-K:")
	cmd.Stdin = &in
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v\n%s", err, out)
	}
	// Labels for the first 100 predictions, plus one without an id.
	var labels bytes.Buffer
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&labels, "m:{\"model\": \"m\", \"id\": \"e%d\", \"timestamp\": %d, \"label\": %d}\n", i, base.UnixMilli()+int64(i)*1000, i%2)
	}
	labels.WriteString(`m:{"model": "m", "label": 1}` + "\n")
	cmd = exec.Command(kcat, "-b", broker, "-P", "-t", labelsTopic, "-K:")
	cmd.Stdin = &labels
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P labels: %v\n%s", err, out)
	}

	addr, ctx := servertest.Start(t, cfg)

	store, err := clickhouse.Open(ctx, clickhouse.Options{Addr: []string{chAddr}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	end := base.Add(time.Duration(len(events))*time.Second + window)
	testenv.WaitFor(t, 60*time.Second, "every window stored", func() (bool, error) {
		ws, err := store.Windows(ctx, "m", base.Add(-window), end)
		return len(ws) == len(want), err
	})
	ws, _ := store.Windows(ctx, "m", base.Add(-window), end)
	for _, w := range ws {
		if ew := want[w.Seq]; ew == nil || w.Events != ew.events || w.Feature("x").Missing != ew.xMissing {
			t.Errorf("window %d: %d events, want %+v", w.Seq, w.Events, ew)
		}
	}

	// Labels and the raw predictions are stored once the partition checkpoints.
	testenv.WaitFor(t, 30*time.Second, "labels stored", func() (bool, error) {
		ls, err := store.Labels(ctx, "m")
		return len(ls) == 100, err
	})
	ls, _ := store.Labels(ctx, "m")
	if ls[7].ID != "e7" || ls[7].Label != "1" || !ls[7].Time.Equal(base.Add(7*time.Second)) {
		t.Errorf("label 7 stored as %+v", ls[7])
	}
	preds, err := store.Predictions(ctx, "m")
	if err != nil || len(preds) != len(events) {
		t.Errorf("raw log holds %d predictions (err %v), want %d", len(preds), err, len(events))
	}

	// The JSON API serves the stored results: x's verdict rows, by the
	// default policy's method for numbers.
	resp, err := http.Get("http://" + addr + "/api/v1/results?model=m&feature=x&method=jensen_shannon")
	if err != nil {
		t.Fatal(err)
	}
	var api struct {
		Results []drift.Result `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&api); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(api.Results) != len(want) || !api.Results[0].Decision {
		t.Errorf("/api/v1/results gave %d jensen_shannon rows for x (first %+v), want %d decision rows", len(api.Results), api.Results, len(want))
	}

	// kcat reads the dead-letter topic back: five records, each with its reason.
	out, err := exec.Command(kcat, "-b", broker, "-C", "-t", deadLetter, "-o", "beginning", "-e",
		"-f", "%h\n").CombinedOutput()
	if err != nil {
		t.Fatalf("kcat -C: %v\n%s", err, out)
	}
	for _, reason := range []string{"malformed_json", "invalid_timestamp", "unknown_model", "key_mismatch", "missing_id"} {
		if !strings.Contains(string(out), "driftmon-reason="+reason) {
			t.Errorf("dead-letter topic lacks a record with reason %s:\n%s", reason, out)
		}
	}
	if n := strings.Count(string(out), "driftmon-reason="); n != 5 {
		t.Errorf("%d dead-letter records, want 5:\n%s", n, out)
	}

	resp, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{
		`driftmon_events_rejected_total{reason="malformed_json"} 1`,
		`driftmon_events_rejected_total{reason="unknown_model"} 1`,
		fmt.Sprintf(`driftmon_windows_closed_total{model="m"} %d`, len(want)),
		fmt.Sprintf(`driftmon_ingest_consumer_lag_messages{partition="0",topic=%q} 0`, predictions),
		fmt.Sprintf(`driftmon_events_ingested_total{topic=%q} 100`, labelsTopic),
		// Keyed "m", a configured model: counted for it too (the label
		// without an id came on the labels topic, keyed "m").
		`driftmon_model_events_rejected_total{model="m",reason="malformed_json"} 1`,
		`driftmon_model_events_rejected_total{model="m",reason="invalid_timestamp"} 1`,
		`driftmon_model_events_rejected_total{model="m",reason="missing_id"} 1`,
	} {
		if !strings.Contains(string(body), line) {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	// Keyed "nobody" and "other": no model's, so no series of their own.
	if n := strings.Count(string(body), "driftmon_model_events_rejected_total{"); n != 3 {
		t.Errorf("/metrics has %d driftmon_model_events_rejected_total series, want 3 (model m's):\n%s", n, grep(string(body), "driftmon_model_events"))
	}
}
