// Command bench is scripts/bench-e2e.sh's helper: it runs one end-to-end
// benchmark of `driftmon serve` (package bench) and prints the report.
// Every flag's default can also come from DRIFTMON_BENCH_<FLAG> (upper
// case, dashes as underscores), e.g. DRIFTMON_BENCH_EVENTS=1000000.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/driftmon/driftmon/internal/bench"
)

func main() {
	var o bench.Options
	var ceiling string
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	fs.IntVar(&o.Events, "events", 2000000, "events on the predictions topic (N)")
	fs.IntVar(&o.Models, "models", 10, "models (M)")
	fs.IntVar(&o.Features, "features", 20, "features a model has, half numeric, half categorical (F)")
	fs.IntVar(&o.RefRows, "ref-rows", 20000, "rows of each model's reference file (R)")
	fs.DurationVar(&o.Window, "window", time.Minute, "window length")
	fs.IntVar(&o.Windows, "windows", 10, "windows of event time the events span")
	fs.IntVar(&o.Partitions, "partitions", 4, "partitions of the predictions topic")
	fs.StringVar(&o.Broker, "broker", "kfake", "kfake (in this process) or a real broker's address")
	fs.StringVar(&o.ClickHouse, "clickhouse", "", "ClickHouse native address (required)")
	fs.StringVar(&o.Bin, "bin", "", "the built driftmon binary (required)")
	fs.StringVar(&o.Dir, "dir", "", "folder for the config, serve's log and the profile (required)")
	fs.StringVar(&o.RefDir, "refs", "", "folder for the reference files, reused by later runs (default: -dir)")
	fs.StringVar(&ceiling, "ceiling", "reader,batch", "read-ceiling modes to measure before serve, comma-separated (reader, batch), or none")
	fs.BoolVar(&o.ServeOff, "ceiling-only", false, "measure the read ceiling only, no serve")
	fs.DurationVar(&o.Timeout, "timeout", 15*time.Minute, "how long serve may take to ingest every event")
	fs.DurationVar(&o.StoreWait, "store-wait", 5*time.Minute, "how long the windows may take to be stored after that")
	fs.IntVar(&o.Workers, "workers", 0, "evaluation.workers in serve's config (0: serve's default, the CPUs)")
	fs.DurationVar(&o.Profile, "profile", 0, "take serve's CPU profile for this long from its first record (needs a binary built with -tags pprof)")
	fs.VisitAll(func(f *flag.Flag) {
		env := "DRIFTMON_BENCH_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if err := f.Value.Set(v); err != nil {
				fmt.Fprintf(os.Stderr, "bench: %s=%q: %v\n", env, v, err)
				os.Exit(2)
			}
		}
	})
	fs.Parse(os.Args[1:])
	if o.ClickHouse == "" || o.Bin == "" || o.Dir == "" {
		fmt.Fprintln(os.Stderr, "bench: -clickhouse, -bin and -dir are required")
		os.Exit(2)
	}
	if o.RefDir == "" {
		o.RefDir = o.Dir
	}
	if ceiling != "none" && ceiling != "" {
		o.Ceiling = strings.Split(ceiling, ",")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := bench.Run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
