package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Options configure one benchmark run.
type Options struct {
	Workload
	// Broker is "kfake" (run in this process, its records in memory) or
	// the address of a real broker with no topics of the benchmark's yet.
	Broker string
	// ClickHouse is the native address serve stores into; a database of
	// the run's own is created there.
	ClickHouse string
	// Bin is the built driftmon binary.
	Bin string
	// Dir holds the config, serve's log and the profile; RefDir the
	// reference files (kept for the next run).
	Dir, RefDir string
	// Ceiling lists the read-ceiling modes to measure ("reader",
	// "batch"), before serve runs; ServeOff skips serve (ceiling only).
	Ceiling  []string
	ServeOff bool
	// Timeout bounds serve's run; StoreWait how long the windows may take
	// to be stored once every event is ingested.
	Timeout, StoreWait time.Duration
	// Workers, when positive, sets evaluation.workers in serve's config
	// (serve's default otherwise).
	Workers int
	// Profile, when positive, takes serve's CPU profile for that long
	// from its first record (Bin must be built with -tags pprof).
	Profile time.Duration
}

// Run sets the workload up, measures the read ceiling and serve, and
// prints the report to out (progress to log).
func Run(ctx context.Context, o Options, out, log io.Writer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	broker := o.Broker
	kind := "kafka"
	if broker == "kfake" {
		kind = "kfake"
		c, err := kfake.NewCluster(kfake.NumBrokers(1))
		if err != nil {
			return fmt.Errorf("start kfake: %w", err)
		}
		defer c.Close()
		broker = c.ListenAddrs()[0]
	}
	if err := os.MkdirAll(o.RefDir, 0o755); err != nil {
		return err
	}
	st := newStamps(o.Workload, time.Now())
	t0 := time.Now()
	refs, err := writeReferences(o.Workload, o.RefDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "references: %d files of %d rows in %s (%.1fs)\n", len(refs), o.RefRows, o.RefDir, time.Since(t0).Seconds())
	if err := createTopics(ctx, broker, o.Partitions); err != nil {
		return err
	}
	t0 = time.Now()
	bytes, err := produce(ctx, broker, o.Workload, st)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "produced %d events (%.0f MB of JSON, lz4) to %s on %s in %.1fs\n",
		o.Events, float64(bytes)/1e6, predictionsTopic, broker, time.Since(t0).Seconds())
	ends, err := endOffsets(ctx, broker)
	if err != nil {
		return err
	}
	var total int64
	for _, e := range ends {
		total += e
	}
	if total != int64(o.Events) {
		return fmt.Errorf("the topic holds %d records, want %d (a producer retry wrote some twice)", total, o.Events)
	}

	fmt.Fprintf(out, "workload: %d events, %d models x %d features (%d numeric), %s windows over %d windows of event time, %d partitions, %d reference rows a model; broker %s\n",
		o.Events, o.Models, o.Features, o.numeric(), o.Window, o.Windows, o.Partitions, o.RefRows, kind)
	fmt.Fprintf(out, "machine: %s\n", machine())
	var ceilings []Ceiling
	for _, mode := range o.Ceiling {
		c, err := readCeiling(ctx, broker, mode, ends)
		if err != nil {
			return err
		}
		ceilings = append(ceilings, c)
		fmt.Fprintf(out, "ceiling %-6s: %d records in %.2fs = %.0f records/s\n", c.Mode, c.Records, c.Elapsed.Seconds(), c.Rate())
	}
	if o.ServeOff {
		return nil
	}

	httpAddr, err := freeAddr()
	if err != nil {
		return err
	}
	database := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	cfg := filepath.Join(o.Dir, "driftmon.yaml")
	if err := writeConfig(cfg, o.Workload, o.Workers, broker, o.ClickHouse, database, httpAddr, refs); err != nil {
		return err
	}
	sr := &serveRun{bin: o.Bin, config: cfg, httpAddr: httpAddr, logPath: filepath.Join(o.Dir, "serve.log"),
		events: o.Events, want: st.expectedWindows(), clickhouse: o.ClickHouse, database: database,
		timeout: o.Timeout, storeWait: o.StoreWait}
	if o.Profile > 0 {
		if sr.pprofAddr, err = freeAddr(); err != nil {
			return err
		}
		sr.profile, sr.profilePath = o.Profile, filepath.Join(o.Dir, "serve.cpu.pprof")
	}
	fmt.Fprintf(log, "launching %s serve (ClickHouse %s, database %s)\n", o.Bin, o.ClickHouse, database)
	r, err := sr.run(ctx, log)
	if err != nil {
		return err
	}
	rate := float64(o.Events) / r.AllIngested.Seconds()
	fmt.Fprintf(out, "serve: %.0f events/s from launch to %s = %d (%.1fs); %.0f events/s from the first record\n",
		rate, ingestedSeries, o.Events, r.AllIngested.Seconds(), float64(o.Events)/(r.AllIngested-r.FirstRecord).Seconds())
	for _, c := range ceilings {
		fmt.Fprintf(out, "serve from launch: %.0f%% of the %s ceiling\n", 100*rate/c.Rate(), c.Mode)
	}
	fmt.Fprintf(out, "serve until then: %.1fs on a CPU (%.1f us an event), %.1fs runnable but waiting for a CPU\n",
		r.CPU.Seconds(), 1e6*r.CPU.Seconds()/float64(o.Events), r.RunWait.Seconds())
	fmt.Fprintf(out, "start-up: /readyz 200 after %.2fs; first record ingested after %.2fs\n", r.Ready.Seconds(), r.FirstRecord.Seconds())
	fmt.Fprintf(out, "peak RSS (VmHWM): %.0f MiB\n", float64(r.PeakRSS)/(1<<20))
	fmt.Fprintf(out, "window close to durable (driftmon_window_store_seconds, %.0f windows): p50 %s, p99 %s\n",
		r.StoreCount, seconds(r.StoreP50), seconds(r.StoreP99))
	verdict := "all stored"
	if r.WindowsGot < r.WindowsWant {
		verdict = fmt.Sprintf("MISSING %d, %d models short", r.WindowsWant-r.WindowsGot, r.ModelsShort)
	}
	fmt.Fprintf(out, "windows stored: %d of %d expected over %d models (%s), %.1fs after launch\n",
		r.WindowsGot, r.WindowsWant, o.Models, verdict, r.StoredAfter.Seconds())
	if r.Profile != "" {
		fmt.Fprintf(out, "cpu profile: %s (go tool pprof -top %s %s)\n", r.Profile, o.Bin, r.Profile)
	}
	if r.WindowsGot < r.WindowsWant {
		return fmt.Errorf("%d of %d windows not stored", r.WindowsWant-r.WindowsGot, r.WindowsWant)
	}
	return nil
}

func seconds(s float64) string {
	if math.IsNaN(s) {
		return "none"
	}
	return fmt.Sprintf("%.3fs", s)
}

// freeAddr is a loopback address nothing listens on now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// machine describes the host: CPUs, their model, memory.
func machine() string {
	cpu, mem := "unknown CPU", "unknown memory"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				var kb int64
				if _, err := fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb); err == nil {
					mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
				}
				break
			}
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = ", load " + strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return fmt.Sprintf("%d CPUs (%s), %s%s, %s", runtime.NumCPU(), cpu, mem, load, runtime.Version())
}
