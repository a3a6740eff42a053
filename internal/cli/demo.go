package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/driftmon/driftmon/internal/demo"
)

var demoCommand = &command{
	name:     "demo",
	synopsis: []string{"[json]", "[data=FILE.csv]", "[flags]"},
	summary:  "the whole pipeline on one machine",
	doc: `Runs the whole pipeline on one machine: an in-process Kafka-protocol
broker, the service on an embedded store, a webhook receiver, and a
producer of a synthetic model's stream with injected covariate, prior and
concept shifts and data breakage (or of a CSV file, with --data). Each
closed window prints a line, a summary ends the run; the view, the API and
/metrics are served on --listen meanwhile.`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context) int {
		var o demo.Options
		o.Register(fs)
		// demo registers its own --log-level; --log-format is the global
		// flag's.
		fs.Var(e.logFormat, "log-format", "format of the logs on stderr: text (key=value) or json (one object per line)")
		return func(ctx context.Context) int {
			o.LogFormat = e.logFormat.value
			return exit(e.stderr, "driftmon demo", demo.Run(ctx, o, e.stdout, e.stderr))
		}
	},
}

var replayCommand = &command{
	name:     "replay",
	synopsis: []string{"[brokers=HOST:PORT,...]", "[rate=N]", "[give-up=DURATION]", "[flags]"},
	summary:  "produce the synthetic model's stream to Kafka",
	doc: `Produces the demo's synthetic model to a real Kafka, in real time, for
the docker-compose stack's live dashboards: stable, then a covariate shift,
then a prior shift, then around again, until interrupted. A failed write is
logged and retried after a wait that doubles each time (up to 10 s); when
writes have failed for --give-up, replay exits 1 naming the brokers.
With --write-reference it only writes the model's reference CSV.`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context) int {
		brokers := fs.String("brokers", "127.0.0.1:9092", "the Kafka brokers, comma-separated `HOST:PORT` pairs")
		var o demo.ReplayOptions
		fs.StringVar(&o.Topic, "topic", "predictions", "predictions topic")
		fs.IntVar(&o.Rate, "rate", 200, "events per second")
		fs.DurationVar(&o.Phase, "phase", 2*time.Minute, "how long each phase (stable, covariate shift, prior shift) lasts")
		fs.DurationVar(&o.GiveUp, "give-up", time.Minute, "exit 1 when writes have failed for this long")
		writeRef := fs.String("write-reference", "", "write the synthetic model's reference CSV to this `FILE` and exit")
		refRows := fs.Int("reference-rows", 5000, "rows of --write-reference")
		level := logFlags(fs, e, "info")
		return func(ctx context.Context) int {
			if *writeRef != "" {
				if err := demo.WriteReference(*writeRef, *refRows); err != nil {
					fmt.Fprintln(e.stderr, "driftmon replay:", err)
					return ExitFailure
				}
				return ExitOK
			}
			log, err := newLogger(e.stderr, *level, e.logFormat.value)
			if err != nil {
				fmt.Fprintln(e.stderr, "driftmon replay:", err)
				return ExitUsage
			}
			o.Brokers, o.Log = strings.Split(*brokers, ","), log
			return exit(e.stderr, "driftmon replay", demo.Replay(ctx, o, e.stdout))
		}
	},
}

// exit reports err under the command's name and returns the exit status:
// 0 without an error, 2 for a usage error, 1 for any other.
func exit(stderr io.Writer, cmd string, err error) int {
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
	if errors.Is(err, demo.ErrUsage) {
		return ExitUsage
	}
	return ExitFailure
}
