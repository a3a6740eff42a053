package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/driftmon/driftmon/internal/datasets"
)

type demoLine struct {
	Type     string `json:"type"`
	Model    string `json:"model"`
	N        uint64 `json:"n"`
	Features []struct {
		Name    string `json:"name"`
		Drifted bool   `json:"drifted"`
	} `json:"features"`
	Prior []struct {
		Name    string `json:"name"`
		Drifted bool   `json:"drifted"`
	} `json:"prior"`
	DeadLettered int64 `json:"dead_lettered"`
}

func runDemoJSON(t *testing.T, args ...string) (windows []demoLine, summary demoLine) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(append([]string{"demo", "--json"}, args...), &out, &errOut); code != 0 {
		t.Fatalf("demo exited %d\nstderr:\n%s", code, errOut.String())
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l demoLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("stdout line is not JSON: %q", sc.Text())
		}
		switch l.Type {
		case "window":
			windows = append(windows, l)
		case "summary":
			summary = l
		default:
			t.Fatalf("unexpected line type %q", l.Type)
		}
	}
	return windows, summary
}

// drifted returns, per feature, the windows (0-based) where it drifted.
func driftedWindows(ws []demoLine) map[string][]int {
	out := map[string][]int{}
	for i, w := range ws {
		for _, f := range w.Features {
			if f.Drifted {
				out[f.Name] = append(out[f.Name], i)
			}
		}
		for _, f := range w.Prior {
			if f.Drifted {
				out["prediction"] = append(out["prediction"], i)
			}
		}
	}
	return out
}

// TestDemoShowsTheInjectedDrifts runs the synthetic demo: amount and country
// shift from window 4, the scores from window 8, nothing else and nothing
// before.
func TestDemoShowsTheInjectedDrifts(t *testing.T) {
	ws, sum := runDemoJSON(t)
	if len(ws) != synthWindows {
		t.Fatalf("%d windows, want %d", len(ws), synthWindows)
	}
	for i, w := range ws {
		if w.N != synthPerWindow {
			t.Errorf("window %d has %d events, want %d", i, w.N, synthPerWindow)
		}
	}
	got := driftedWindows(ws)
	want := map[string][]int{}
	for i := synthCovariateAt; i < synthWindows; i++ {
		want["amount"] = append(want["amount"], i)
		want["country"] = append(want["country"], i)
	}
	for i := synthPriorAt; i < synthWindows; i++ {
		want["prediction"] = append(want["prediction"], i)
	}
	for _, f := range []string{"amount", "country", "prediction", "age", "score_a", "device", "is_new"} {
		if !slices.Equal(got[f], want[f]) {
			t.Errorf("%s drifted in windows %v, want %v", f, got[f], want[f])
		}
	}
	if sum.DeadLettered != 3 {
		t.Errorf("%d records dead-lettered, want the 3 malformed ones", sum.DeadLettered)
	}
}

// TestDemoElectricity replays the electricity data set: vicprice, vicdemand
// and transfer are one imputed constant until row 17,424 and real after, so
// they must drift from the window holding that row on and not before;
// period is cyclic and must never drift.
func TestDemoElectricity(t *testing.T) {
	path := datasets.Path(t, "electricity.csv")
	ws, _ := runDemoJSON(t, "--data", path, "--window", "2000")
	// 45,312 rows: the reference is rows [0, 4531), windows of 2,000 rows
	// follow, so row 17,424 falls in window (17424-4531)/2000 = 6.
	const change = (17424 - 4531) / 2000
	if len(ws) != (45312-4531+1999)/2000 {
		t.Fatalf("%d windows, want %d", len(ws), (45312-4531+1999)/2000)
	}
	got := driftedWindows(ws)
	for _, f := range []string{"vicprice", "vicdemand", "transfer"} {
		if len(got[f]) == 0 || got[f][0] != change {
			t.Errorf("%s first drifted in window %v, want %d", f, got[f], change)
		}
	}
	if len(got["period"]) != 0 {
		t.Errorf("period drifted in windows %v, want none", got["period"])
	}
}
