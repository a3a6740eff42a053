package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/server"
)

// defaultConfig is serve's --config when none is given.
const defaultConfig = "driftmon.yaml"

var serveCommand = &command{
	name:     "serve",
	synopsis: []string{"[config]", "[log-level=LEVEL]", "[log-format]"},
	summary:  "run the service",
	doc: `Runs the service: consumes the predictions and labels topics, cuts
each model's events into windows, compares each closed window with the
model's reference, stores the results, alerts, and serves the view, the
API and /metrics. The config is checked whole before anything starts; a
mistake is reported with its key and line, and serve exits 2. It runs
until interrupted (SIGINT, SIGTERM), then stops cleanly.`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context) int {
		path := fs.String("config", defaultConfig, "the YAML config `FILE` (driftmon.example.yaml is a commented example)")
		level := logFlags(fs, e, "info")
		return func(ctx context.Context) int {
			log, err := newLogger(e.stderr, *level, e.logFormat.value)
			if err != nil {
				fmt.Fprintln(e.stderr, "driftmon serve:", err)
				return ExitUsage
			}
			cfg, err := loadServeConfig(*path, isSet(fs, "config"))
			if err != nil {
				fmt.Fprintln(e.stderr, "driftmon serve:", err)
				return ExitUsage
			}
			if err := server.Run(ctx, cfg, server.Options{Logger: log}); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("driftmon serve stopped", "err", err)
				return ExitFailure
			}
			return ExitOK
		}
	},
}

// loadServeConfig loads the config serve runs and refuses one it cannot
// usefully run. explicit says --config was given.
func loadServeConfig(path string, explicit bool) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no config: %s (the default of --config) does not exist in the working directory; "+
				"give one with --config FILE (driftmon.example.yaml is a commented example to start from)", path)
		}
		return nil, err
	}
	// A config without models is valid (an empty file is every default),
	// but serve would join the consumer group, take partitions and send
	// every event to the dead-letter topic (or, with unknown_models:
	// accept, drop it): nothing is monitored, and other instances of the
	// group lose the partitions it holds. Labels, alert rules and the view
	// all hang off models, so there is no zero-model use to keep.
	if len(cfg.Models) == 0 {
		fate := "go to the dead-letter topic"
		if cfg.Kafka.UnknownModels == config.AcceptUnknownModels {
			fate = "be dropped"
		}
		return nil, fmt.Errorf("%s: models: no model is configured, so serve would monitor nothing "+
			"(every event would %s); list at least one (see driftmon.example.yaml)", path, fate)
	}
	return cfg, nil
}

// isSet says the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

var healthCommand = &command{
	name:     "health",
	synopsis: []string{"[url]"},
	summary:  "exit 0 when the service's /readyz says ready",
	doc: `Probes a running service, for container health checks where no curl
is installed: prints the endpoint's status and body, and exits 0 on 200 OK,
1 otherwise (not ready, or no answer within 5 seconds).`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context) int {
		url := fs.String("url", "http://127.0.0.1:8080/readyz", "the endpoint to probe (`URL`)")
		return func(ctx context.Context) int {
			return health(ctx, *url, e.stdout, e.stderr)
		}
	},
}

func health(ctx context.Context, url string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(stderr, "driftmon health:", err)
		return ExitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "driftmon health:", err)
		return ExitFailure
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprintf(stdout, "%s %s\n", resp.Status, strings.TrimSpace(string(body)))
	if resp.StatusCode != http.StatusOK {
		return ExitFailure
	}
	return ExitOK
}
