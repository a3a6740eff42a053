package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The series the benchmark reads from serve's /metrics.
const (
	ingestedSeries = `driftmon_events_ingested_total{topic="` + predictionsTopic + `"}`
	storeHistogram = "driftmon_window_store_seconds"
)

// scrape is what the benchmark reads from one /metrics answer.
type scrape struct {
	ingested float64
	// buckets are the store-latency histogram's cumulative counts by
	// upper bound, +Inf last.
	buckets []bucket
	count   float64
}

type bucket struct {
	le    float64
	count float64
}

// parseMetrics reads the Prometheus text format and keeps the series the
// benchmark needs; every other line is skipped unparsed (a scrape of 1,000
// models holds hundreds of thousands).
func parseMetrics(r io.Reader) (scrape, error) {
	var s scrape
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if !strings.HasPrefix(text, "driftmon_events_ingested_total") && !strings.HasPrefix(text, storeHistogram) {
			continue
		}
		name, value, ok := strings.Cut(text, " ")
		if !ok {
			return s, fmt.Errorf("metrics line %d: no value: %q", line, text)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return s, fmt.Errorf("metrics line %d: value of %s: %w", line, name, err)
		}
		switch {
		case name == ingestedSeries:
			s.ingested = v
		case name == storeHistogram+"_count":
			s.count = v
		case strings.HasPrefix(name, storeHistogram+`_bucket{le="`):
			le, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(name, storeHistogram+`_bucket{le="`), `"}`), 64)
			if err != nil {
				return s, fmt.Errorf("metrics line %d: bucket bound of %s: %w", line, name, err)
			}
			s.buckets = append(s.buckets, bucket{le: le, count: v})
		}
	}
	if err := sc.Err(); err != nil {
		return s, fmt.Errorf("read metrics: %w", err)
	}
	slices.SortFunc(s.buckets, func(a, b bucket) int { return compareFloat(a.le, b.le) })
	return s, nil
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// quantile estimates the q-quantile of a cumulative histogram as
// Prometheus's histogram_quantile does: linear within the bucket that
// holds it, the lowest bucket starting at 0; a quantile in the +Inf bucket
// is the highest finite bound. NaN without observations.
func quantile(q float64, buckets []bucket) float64 {
	if len(buckets) == 0 || buckets[len(buckets)-1].count == 0 {
		return math.NaN()
	}
	total := buckets[len(buckets)-1].count
	rank := q * total
	lower, below := 0.0, 0.0
	for i, b := range buckets {
		if b.count >= rank {
			if math.IsInf(b.le, 1) {
				if i == 0 {
					return math.NaN()
				}
				return buckets[i-1].le
			}
			if b.count == below {
				return b.le
			}
			return lower + (b.le-lower)*(rank-below)/(b.count-below)
		}
		lower, below = b.le, b.count
	}
	return buckets[len(buckets)-1].le
}
