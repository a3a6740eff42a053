package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// ReplayOptions are the replay's flags.
type ReplayOptions struct {
	Brokers []string
	Topic   string
	// Rate is events per second; Phase how long each phase (stable,
	// covariate shift, prior shift) lasts.
	Rate  int
	Phase time.Duration
}

// Replay produces the synthetic model's stream to a real Kafka, in real
// time, for the docker-compose stack's live dashboards: stable at first,
// then a covariate shift, then a prior shift, then around again, until ctx
// ends. A failed write is reported to errs and the stream goes on.
func Replay(ctx context.Context, o ReplayOptions, stdout, errs io.Writer) error {
	if o.Rate <= 0 || o.Phase <= 0 {
		return usage(errors.New("--rate and --phase must be positive"))
	}
	wr := &kafka.Writer{Addr: kafka.TCP(o.Brokers...), Topic: o.Topic,
		BatchTimeout: 50 * time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer wr.Close()
	fmt.Fprintf(stdout, "driftmon replay: %d events/s to %s on %s; phases of %s\n", o.Rate, o.Topic, strings.Join(o.Brokers, ","), o.Phase)
	gen := newSynthStream(11)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	perTick := max(1, o.Rate/10)
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			// Phase 0 stable, 1 covariate shift, 2 covariate and prior shift.
			p := int(now.Sub(start)/o.Phase) % 3
			w := [3]int{-1, synthCovariateAt, synthPriorAt}[p]
			msgs := make([]kafka.Message, perTick)
			for i := range msgs {
				msgs[i] = kafka.Message{Key: []byte(synthModel), Value: gen.event(w, now)}
			}
			// A broker outage pauses the stream; kafka-go retries inside.
			if err := wr.WriteMessages(ctx, msgs...); err != nil && ctx.Err() == nil {
				fmt.Fprintln(errs, "driftmon replay:", err)
			}
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
