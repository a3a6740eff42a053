package demo

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The service's timings in the demo: the partitions tick every demoTick,
// a window closes once its model sent nothing for demoIdleTimeout, and the
// partitions checkpoint (which is when joined labels land) every
// demoCheckpoint.
const (
	demoTick        = 250 * time.Millisecond
	demoIdleTimeout = 2 * time.Second
	demoCheckpoint  = time.Second
)

// clock is the demo's time: the service's consumer reads it (a window's
// idle timeout, the freshness check, checkpoints), and the demo lets it
// pass where the stream goes quiet: the producer's pause and the end of
// the stream. The wall clock serves a user; the tests pass one that moves
// only when the demo sleeps, so that what the demo prints does not depend
// on how fast the machine runs it.
type clock interface {
	Now() time.Time
	// Sleep lets d pass on the clock, or returns ctx's error first.
	Sleep(ctx context.Context, d time.Duration) error
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// settle lets the last window close and its labels land once the stream
// has ended, when only time does it: it waits until the service has taken
// every record sent, lets the idle timeout pass (the last window closes on
// the next tick), then, if labels are still missing, one checkpoint
// interval (they land with the next checkpoint). That is less than the
// synthetic model's freshness limit: the end of the stream is no silence.
func settle(ctx context.Context, clk clock, metricsURL string, sent int, pr *demoPrinter) error {
	if err := waitHandled(ctx, metricsURL, sent); err != nil {
		return err
	}
	if err := clk.Sleep(ctx, demoIdleTimeout+demoTick); err != nil {
		return err
	}
	var complete bool
	if err := pr.until(ctx, func() bool {
		complete = pr.complete
		return pr.n >= pr.want
	}); err != nil {
		return err
	}
	if complete {
		return nil
	}
	return clk.Sleep(ctx, demoCheckpoint)
}

// waitHandled waits until the service has taken n records from Kafka
// (accepted or dead-lettered), as its /metrics at url count them.
func waitHandled(ctx context.Context, url string, n int) error {
	for {
		got, err := handled(ctx, url)
		if err == nil && got >= float64(n) {
			return nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return fmt.Errorf("%w (last: %w)", ctx.Err(), err)
			}
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// handled reads the records the service has taken from Kafka from its
// /metrics: the ingested ones and the dead-lettered ones.
func handled(ctx context.Context, url string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", url, resp.Status)
	}
	var n float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "driftmon_events_ingested_total{") && !strings.HasPrefix(line, "driftmon_events_rejected_total{") {
			continue
		}
		// name{labels} value
		fields := strings.Fields(line[strings.LastIndexByte(line, '}')+1:])
		if len(fields) == 0 {
			return 0, fmt.Errorf("%s: no value in %q", url, line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q: %w", url, line, err)
		}
		n += v
	}
	return n, sc.Err()
}
