package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// runReplay produces the synthetic model's stream to a real Kafka, in real
// time, for the docker-compose stack's live dashboards: stable at first,
// then a covariate shift, then a prior shift, then around again.
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("brokers", "127.0.0.1:9092", "comma-separated Kafka brokers")
	topic := fs.String("topic", "predictions", "predictions topic")
	rate := fs.Int("rate", 200, "events per second")
	phase := fs.Duration("phase", 2*time.Minute, "how long each phase (stable, covariate shift, prior shift) lasts")
	writeRef := fs.String("write-reference", "", "write the synthetic model's reference CSV to this file and exit")
	refRows := fs.Int("reference-rows", 5000, "rows of --write-reference")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *writeRef != "" {
		f, err := os.Create(*writeRef)
		if err == nil {
			err = writeSynthReference(f, 7, *refRows)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "driftmon replay:", err)
			return 1
		}
		return 0
	}
	if *rate <= 0 || *phase <= 0 {
		fmt.Fprintln(stderr, "driftmon replay: --rate and --phase must be positive")
		return exitUsage
	}
	wr := &kafka.Writer{Addr: kafka.TCP(strings.Split(*brokers, ",")...), Topic: *topic,
		BatchTimeout: 50 * time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer wr.Close()
	fmt.Fprintf(stdout, "driftmon replay: %d events/s to %s on %s; phases of %s\n", *rate, *topic, *brokers, *phase)
	gen := newSynthStream(11)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	perTick := max(1, *rate/10)
	for {
		select {
		case <-ctx.Done():
			return 0
		case now := <-tick.C:
			// Phase 0 stable, 1 covariate shift, 2 covariate and prior shift.
			p := int(now.Sub(start) / *phase) % 3
			w := [3]int{-1, synthCovariateAt, synthPriorAt}[p]
			msgs := make([]kafka.Message, perTick)
			for i := range msgs {
				msgs[i] = kafka.Message{Key: []byte(synthModel), Value: gen.event(w, now)}
			}
			// A broker outage pauses the stream; kafka-go retries inside.
			if err := wr.WriteMessages(ctx, msgs...); err != nil && ctx.Err() == nil {
				fmt.Fprintln(stderr, "driftmon replay:", err)
			}
		}
	}
}
