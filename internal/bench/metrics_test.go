package bench

import (
	"math"
	"strings"
	"testing"
)

func TestParseMetricsAndQuantile(t *testing.T) {
	text := `# HELP driftmon_events_ingested_total Records handed to the pipeline.
# TYPE driftmon_events_ingested_total counter
driftmon_events_ingested_total{topic="labels"} 7
driftmon_events_ingested_total{topic="predictions"} 123456
driftmon_window_store_seconds_bucket{le="0.1"} 10
driftmon_window_store_seconds_bucket{le="0.5"} 90
driftmon_window_store_seconds_bucket{le="1"} 100
driftmon_window_store_seconds_bucket{le="+Inf"} 100
driftmon_window_store_seconds_sum 21.5
driftmon_window_store_seconds_count 100
driftmon_windows_closed_total{model="m"} 100
`
	s, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if s.ingested != 123456 || s.count != 100 || len(s.buckets) != 4 {
		t.Fatalf("parsed %+v", s)
	}
	// Ranks over 100 observations: the median (rank 50) lies in (0.1,
	// 0.5], 40 of its 80 in: 0.1 + 0.4*40/80 = 0.3. p99 (rank 99) lies in
	// (0.5, 1], 9 of its 10: 0.5 + 0.5*9/10 = 0.95. p5 (rank 5) in the
	// first bucket, from 0: 0.1*5/10 = 0.05.
	for _, c := range []struct{ q, want float64 }{{0.5, 0.3}, {0.99, 0.95}, {0.05, 0.05}, {1, 1}} {
		if got := quantile(c.q, s.buckets); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
}

func TestQuantileEdges(t *testing.T) {
	for _, c := range []struct {
		name    string
		buckets []bucket
		q, want float64
	}{
		{"no observations", []bucket{{1, 0}, {math.Inf(1), 0}}, 0.5, math.NaN()},
		{"none at all", nil, 0.5, math.NaN()},
		// Every observation above the highest finite bound: that bound is
		// all a histogram can say.
		{"beyond the last bound", []bucket{{1, 0}, {30, 0}, {math.Inf(1), 4}}, 0.99, 30},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := quantile(c.q, c.buckets)
			if math.IsNaN(c.want) != math.IsNaN(got) || (!math.IsNaN(c.want) && got != c.want) {
				t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
			}
		})
	}
}

func TestParseMetricsBadValue(t *testing.T) {
	_, err := parseMetrics(strings.NewReader("driftmon_events_ingested_total{topic=\"predictions\"} many\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("err = %v, want one naming line 1", err)
	}
}
