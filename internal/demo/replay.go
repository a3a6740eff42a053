package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/retry"
)

// ReplayOptions are the replay's flags.
type ReplayOptions struct {
	Brokers []string
	Topic   string
	// Rate is events per second; Phase how long each phase (stable,
	// covariate shift, prior shift) lasts.
	Rate  int
	Phase time.Duration
	// GiveUp is how long writes may keep failing before Replay returns an
	// error: a broker that stays unreachable (a wrong address, say) ends
	// the run with a message naming it, where a retry loop would fill the
	// log for ever. docker-compose restarts the producer after that.
	GiveUp time.Duration
	// Backoff spaces the attempts after a failed write: retry.New() when
	// nil (100 ms, doubling up to 10 s).
	Backoff *retry.Backoff
	// Log gets one warning per failed write; nil logs nothing.
	Log *slog.Logger
}

// Replay produces the synthetic model's stream to a real Kafka, in real
// time, for the docker-compose stack's live dashboards: stable at first,
// then a covariate shift, then a prior shift, then around again, until ctx
// ends. A failed write is logged and retried, after a wait that doubles
// with each failure; when writes have failed for GiveUp, Replay returns an
// error naming the brokers.
func Replay(ctx context.Context, o ReplayOptions, stdout io.Writer) error {
	if o.Rate <= 0 || o.Phase <= 0 {
		return usage(errors.New("--rate and --phase must be positive"))
	}
	if o.GiveUp <= 0 {
		return usage(errors.New("--give-up must be positive"))
	}
	b := o.Backoff
	if b == nil {
		b = retry.New()
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	brokers := strings.Join(o.Brokers, ",")
	// Keyed by model and placed by murmur2, as Java producers and the
	// Python client place them: a model must live in one partition (its
	// windows are cut there), and the compose topic has three.
	wr := &kafka.Writer{Addr: kafka.TCP(o.Brokers...), Topic: o.Topic, Balancer: &kafka.Murmur2Balancer{},
		BatchTimeout: 50 * time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer wr.Close()
	fmt.Fprintf(stdout, "driftmon replay: %d events/s to %s on %s; phases of %s\n", o.Rate, o.Topic, brokers, o.Phase)
	gen := newSynthStream(11)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	perTick := max(1, o.Rate/10)
	var failingSince time.Time // zero while the last write succeeded
	for {
		var now time.Time
		select {
		case <-ctx.Done():
			return nil
		case now = <-tick.C:
		}
		// Phase 0 stable, 1 covariate shift, 2 covariate and prior shift.
		p := int(now.Sub(start)/o.Phase) % 3
		w := [3]int{-1, synthCovariateAt, synthPriorAt}[p]
		msgs := make([]kafka.Message, perTick)
		for i := range msgs {
			msgs[i] = kafka.Message{Key: []byte(synthModel), Value: gen.event(w, now)}
		}
		err := wr.WriteMessages(ctx, msgs...)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			failingSince = time.Time{}
			b.Reset()
			continue
		}
		// The events of a failed batch are dropped, not resent: the stream
		// is synthetic and in real time, so the next tick's events, stamped
		// with the time they are sent, are worth more than stale ones.
		var failing time.Duration
		if failingSince.IsZero() {
			failingSince = time.Now() // the first failure is always retried
		} else if failing = time.Since(failingSince); failing >= o.GiveUp {
			return fmt.Errorf("brokers %s: no write succeeded for %s, giving up: %w", brokers, failing.Round(time.Millisecond), err)
		}
		log.Warn("replay: write failed; retrying", "brokers", brokers, "failing_for", failing.Round(time.Millisecond), "err", err)
		if !b.Wait(ctx) {
			return nil
		}
		// A tick that came during the wait would stamp the next batch with
		// a time already past.
		select {
		case <-tick.C:
		default:
		}
	}
}

// WriteReference writes the synthetic model's reference CSV, n rows, to
// path.
func WriteReference(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = writeSynthReference(f, 7, n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
