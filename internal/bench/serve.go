package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ServeResult is what one run of serve measured.
type ServeResult struct {
	// Ready is launch to the first /readyz 200; FirstRecord launch to the
	// first scrape that counts an ingested record (polled every 100 ms).
	Ready, FirstRecord time.Duration
	// AllIngested is launch to driftmon_events_ingested_total reaching
	// the workload's events, interpolated between the two scrapes around
	// it (scraped every second once records flow).
	AllIngested time.Duration
	// PeakRSS is serve's VmHWM in bytes, read once every window was
	// stored (it is the peak over the process's life).
	PeakRSS int64
	// StoreP50, StoreP99 are the window-close latency quantiles, from
	// driftmon_window_store_seconds; StoreCount its observations.
	StoreP50, StoreP99 float64
	StoreCount         float64
	// WindowsWant and WindowsGot count windows over every model: expected
	// (expectedWindows) and stored among those; ModelsShort lists how many
	// models lack any.
	WindowsWant, WindowsGot, ModelsShort int
	// StoredAfter is launch to every expected window being stored (or the
	// wait ending).
	StoredAfter time.Duration
	// CPU is serve's time on a CPU and RunWait its time runnable but
	// waiting for one, from launch to every event ingested.
	CPU, RunWait time.Duration
	// Profile is where serve's CPU profile was written, if asked for.
	Profile string
}

// serveRun is one launch of serve and what the benchmark needs to watch it.
type serveRun struct {
	bin, config, httpAddr, logPath string
	events                         int
	want                           map[string]int
	clickhouse, database           string
	timeout, storeWait             time.Duration
	// pprofAddr, when set, is where a binary built with -tags pprof
	// serves net/http/pprof; profile is how long to profile from the
	// first record.
	pprofAddr, profilePath string
	profile                time.Duration
}

func (s *serveRun) run(ctx context.Context, log io.Writer) (ServeResult, error) {
	var res ServeResult
	logf, err := os.Create(s.logPath)
	if err != nil {
		return res, err
	}
	defer logf.Close()
	cmd := exec.Command(s.bin, "serve", "--config", s.config)
	cmd.Stdout, cmd.Stderr = logf, logf
	if s.pprofAddr != "" {
		cmd.Env = append(os.Environ(), "DRIFTMON_PPROF_ADDR="+s.pprofAddr)
	}
	launched := time.Now()
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("launch %s: %w", s.bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		// SIGTERM, then SIGKILL: a benchmark that failed must not leave
		// serve running.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	client := &http.Client{Timeout: 30 * time.Second}
	base := "http://" + s.httpAddr

	var profWG sync.WaitGroup
	defer profWG.Wait()
	var profErr error
	prev, prevAt := 0.0, launched
	for {
		select {
		case err := <-exited:
			exited <- err
			return res, fmt.Errorf("serve exited (%v) before ingesting every event; see %s", err, s.logPath)
		case <-ctx.Done():
			return res, fmt.Errorf("after %s, %.0f of %d events ingested: %w; see %s", s.timeout, prev, s.events, ctx.Err(), s.logPath)
		default:
		}
		if res.Ready == 0 && get(ctx, client, base+"/readyz") == nil {
			res.Ready = time.Since(launched)
		}
		at := time.Now()
		sc, err := scrapeMetrics(ctx, client, base+"/metrics")
		if err != nil {
			if res.FirstRecord > 0 {
				fmt.Fprintf(log, "scrape: %v\n", err)
			}
			sleep(ctx, 100*time.Millisecond)
			continue
		}
		if res.FirstRecord == 0 && sc.ingested > 0 {
			res.FirstRecord = at.Sub(launched)
			if s.pprofAddr != "" {
				profWG.Go(func() {
					profErr = fetchProfile(context.Background(), s.pprofAddr, s.profile, s.profilePath)
				})
			}
		}
		if sc.ingested >= float64(s.events) {
			// Linear between the scrape before and this one.
			frac := 1.0
			if sc.ingested > prev {
				frac = (float64(s.events) - prev) / (sc.ingested - prev)
			}
			res.AllIngested = prevAt.Sub(launched) + time.Duration(frac*float64(at.Sub(prevAt)))
			if res.CPU, res.RunWait, err = schedTimes(cmd.Process.Pid); err != nil {
				return res, err
			}
			break
		}
		prev, prevAt = sc.ingested, at
		if res.FirstRecord == 0 {
			sleep(ctx, 100*time.Millisecond)
		} else {
			// A scrape of 1,000 models is megabytes: once a second keeps
			// its cost small beside serve's.
			sleep(ctx, time.Second)
		}
	}
	fmt.Fprintf(log, "all %d events ingested after %.1fs; waiting for every model's windows\n", s.events, res.AllIngested.Seconds())

	// The timeout bounded the ingest; the stores have a wait of their own
	// (and a minute for the last count).
	ctx, cancel = context.WithTimeout(parent, s.storeWait+time.Minute)
	defer cancel()
	got, err := s.waitStored(ctx, log)
	if err != nil {
		return res, err
	}
	res.StoredAfter = time.Since(launched)
	for m, n := range s.want {
		res.WindowsWant += n
		res.WindowsGot += min(got[m], n)
		if got[m] < n {
			res.ModelsShort++
		}
	}
	if res.PeakRSS, err = vmHWM(cmd.Process.Pid); err != nil {
		return res, err
	}
	sc, err := scrapeMetrics(ctx, client, base+"/metrics")
	if err != nil {
		return res, err
	}
	res.StoreP50, res.StoreP99, res.StoreCount = quantile(0.5, sc.buckets), quantile(0.99, sc.buckets), sc.count
	profWG.Wait()
	if profErr != nil {
		fmt.Fprintf(log, "cpu profile: %v\n", profErr)
	} else if s.pprofAddr != "" {
		res.Profile = s.profilePath
	}
	return res, nil
}

// waitStored polls ClickHouse until every model holds its expected windows
// or the wait ends, and returns the windows found by model.
func (s *serveRun) waitStored(ctx context.Context, log io.Writer) (map[string]int, error) {
	conn, err := ch.Open(&ch.Options{Addr: []string{s.clickhouse}})
	if err != nil {
		return nil, fmt.Errorf("open ClickHouse %s: %w", s.clickhouse, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(s.storeWait)
	for {
		got, err := countWindows(ctx, conn, s.database)
		if err != nil {
			return nil, err
		}
		short := 0
		for m, n := range s.want {
			if got[m] < n {
				short++
			}
		}
		if short == 0 || time.Now().After(deadline) {
			return got, nil
		}
		fmt.Fprintf(log, "%d models still lack windows\n", short)
		sleep(ctx, 2*time.Second)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}

// countWindows counts each model's stored windows (distinct sequence
// numbers) in one query: asking the store model by model takes minutes
// for 1,000 models on a busy server.
func countWindows(ctx context.Context, conn driver.Conn, database string) (map[string]int, error) {
	rows, err := conn.Query(ctx, "SELECT model, uniqExact(seq) FROM "+database+".window_summaries GROUP BY model")
	if err != nil {
		return nil, fmt.Errorf("count windows in %s: %w", database, err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var model string
		var n uint64
		if err := rows.Scan(&model, &n); err != nil {
			return nil, fmt.Errorf("count windows in %s: %w", database, err)
		}
		got[model] = int(n)
	}
	return got, rows.Err()
}

func get(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

func scrapeMetrics(ctx context.Context, c *http.Client, url string) (scrape, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return scrape{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return scrape{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return scrape{}, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return parseMetrics(resp.Body)
}

// fetchProfile asks a binary built with -tags pprof for a CPU profile of
// d and writes it to path.
func fetchProfile(ctx context.Context, addr string, d time.Duration, path string) error {
	c := &http.Client{Timeout: d + 30*time.Second}
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, int(d.Seconds()))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// vmHWM is a process's peak resident set, in bytes.
func vmHWM(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmHWM of %d: %w", pid, err)
			}
			return kb << 10, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmHWM in /proc/" + strconv.Itoa(pid) + "/status")
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// schedTimes sums a process's threads' time on a CPU and time runnable
// but waiting for one (/proc/PID/task/*/schedstat, nanoseconds): on a
// shared machine the second says how much of the run serve was starved
// rather than idle. Threads that already exited are not counted.
func schedTimes(pid int) (run, wait time.Duration, err error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if err != nil {
			continue // the thread ended meanwhile
		}
		f := strings.Fields(string(b))
		if len(f) < 2 {
			continue
		}
		r, err1 := strconv.ParseInt(f[0], 10, 64)
		w, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return 0, 0, fmt.Errorf("schedstat of %d/%s: %q", pid, t.Name(), b)
		}
		run += time.Duration(r)
		wait += time.Duration(w)
	}
	return run, wait, nil
}
