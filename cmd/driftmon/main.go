// Command driftmon watches ML models in production for drift: `serve` runs
// the service, `demo` runs the whole pipeline on one machine, and `check`
// compares two files for a CI pipeline.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/internal/demo"
	"github.com/driftmon/driftmon/server"
)

const usage = `driftmon: drift and data-quality monitoring for ML models in production.

Usage:
  driftmon serve --config driftmon.yaml   run the service
  driftmon demo [--json] [--data FILE.csv]
                                          the whole pipeline on one machine
  driftmon replay [--brokers B] [--rate N]
                                          produce the synthetic model's stream to Kafka
  driftmon check --reference A --current B [--format table|json]
                                          compare two files; exit 0 no drift, 1 drift, 2 error
  driftmon health [--url URL]            exit 0 when the service's /readyz says ready
  driftmon version

Run "driftmon COMMAND -h" for a command's flags.
`

// exitUsage is the exit code for usage and input errors.
const exitUsage = 2

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stderr)
	case "demo":
		return runDemo(ctx, args[1:], stdout, stderr)
	case "replay":
		return runReplay(ctx, args[1:], stdout, stderr)
	case "check":
		return runCheck(ctx, args[1:], stdout, stderr)
	case "health":
		return runHealth(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "driftmon", version)
		return 0
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "driftmon: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

var version = "dev"

func runServe(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "driftmon.yaml", "path to the YAML config")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	log, err := newLogger(stderr, *level)
	if err != nil {
		fmt.Fprintln(stderr, "driftmon serve:", err)
		return exitUsage
	}
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, "driftmon serve:", err)
		return exitUsage
	}
	if err := server.Run(ctx, cfg, server.Options{Logger: log}); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("driftmon serve stopped", "err", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// runHealth probes a running service, for container health checks where no
// curl is installed.
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080/readyz", "the endpoint to probe")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintln(stderr, "driftmon health:", err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "driftmon health:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprintf(stdout, "%s %s\n", resp.Status, strings.TrimSpace(string(body)))
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o demo.Options
	o.Register(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	return exit(stderr, "driftmon demo", demo.Run(ctx, o, stdout, stderr))
}

// runReplay produces the synthetic model's stream to a real Kafka, in real
// time, for the docker-compose stack's live dashboards.
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("brokers", "127.0.0.1:9092", "comma-separated Kafka brokers")
	var o demo.ReplayOptions
	fs.StringVar(&o.Topic, "topic", "predictions", "predictions topic")
	fs.IntVar(&o.Rate, "rate", 200, "events per second")
	fs.DurationVar(&o.Phase, "phase", 2*time.Minute, "how long each phase (stable, covariate shift, prior shift) lasts")
	fs.DurationVar(&o.GiveUp, "give-up", time.Minute, "exit 1 when writes have failed for this long")
	writeRef := fs.String("write-reference", "", "write the synthetic model's reference CSV to this file and exit")
	refRows := fs.Int("reference-rows", 5000, "rows of --write-reference")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *writeRef != "" {
		if err := demo.WriteReference(*writeRef, *refRows); err != nil {
			fmt.Fprintln(stderr, "driftmon replay:", err)
			return 1
		}
		return 0
	}
	o.Brokers = strings.Split(*brokers, ",")
	o.Log = slog.New(slog.NewTextHandler(stderr, nil))
	return exit(stderr, "driftmon replay", demo.Replay(ctx, o, stdout))
}

// exit reports err under the command's name and returns the exit status:
// 0 without an error, 2 for a usage error, 1 for any other.
func exit(stderr io.Writer, cmd string, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
	if errors.Is(err, demo.ErrUsage) {
		return exitUsage
	}
	return 1
}
