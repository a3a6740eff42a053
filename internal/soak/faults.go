package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// signs are the series, summed over their labels, of which at least one
// must change across a fault of each kind for the fault to count as seen.
var signs = map[string][]string{
	// A SIGKILLed serve is a new process.
	"kill": {"process_start_time_seconds"},
	// Checkpoints (every second) and window writes fail while ClickHouse
	// is down, and are retried.
	"clickhouse": {"driftmon_storage_write_errors_total"},
	// Fetches fail while the broker is down: the partitions are reopened
	// from their checkpoints, or the whole group fails and is joined again.
	"kafka": {"driftmon_ingest_partition_restarts_total", "driftmon_ingest_group_rejoins_total"},
}

// faults compares the /metrics scraped before and after each fault (files
// NNN-KIND-before.prom and NNN-KIND-after.prom) and fails when a fault left
// no sign there.
func faults(args []string) error {
	fs := flag.NewFlagSet("faults", flag.ExitOnError)
	dir := fs.String("dir", "", "the scrapes")
	fs.Parse(args)
	befores, err := filepath.Glob(filepath.Join(*dir, "*-before.prom"))
	if err != nil {
		return err
	}
	slices.Sort(befores)
	seen, unseen := map[string]int{}, 0
	total := map[string]int{}
	for _, b := range befores {
		name := strings.TrimSuffix(filepath.Base(b), "-before.prom")
		_, kind, _ := strings.Cut(name, "-")
		total[kind]++
		before, err1 := readMetrics(b)
		after, err2 := readMetrics(strings.TrimSuffix(b, "-before.prom") + "-after.prom")
		var changed []string
		ok := false
		if err1 == nil && err2 == nil {
			for _, s := range signs[kind] {
				if before[s] != after[s] {
					ok = true
				}
			}
			for k, v := range after {
				if strings.HasPrefix(k, "driftmon_") && strings.HasSuffix(k, "_total") && v != before[k] &&
					!strings.Contains(k, "events") && !strings.Contains(k, "commits") && !strings.Contains(k, "windows_closed") &&
					!strings.Contains(k, "http") {
					changed = append(changed, fmt.Sprintf("%s %g->%g", k, before[k], v))
				}
			}
			if s := "process_start_time_seconds"; before[s] != after[s] {
				changed = append(changed, "process_start_time_seconds changed")
			}
		} else {
			changed = append(changed, fmt.Sprintf("scrape failed: %v %v", err1, err2))
		}
		slices.Sort(changed)
		verdict := "seen"
		if ok {
			seen[kind]++
		} else {
			verdict = "NOT SEEN"
			unseen++
		}
		fmt.Printf("%s: %s (want a change in %s): %s\n", name, verdict, strings.Join(signs[kind], " or "), strings.Join(changed, ", "))
	}
	var sum []string
	for _, k := range []string{"kill", "clickhouse", "kafka"} {
		sum = append(sum, fmt.Sprintf("%s %d/%d", k, seen[k], total[k]))
	}
	fmt.Println("faults seen in the metrics:", strings.Join(sum, ", "))
	if len(befores) == 0 {
		return fmt.Errorf("no fault recorded in %s", *dir)
	}
	if unseen > 0 {
		return fmt.Errorf("%d faults left no sign in the metrics", unseen)
	}
	return nil
}

// readMetrics sums a Prometheus text exposition's samples by metric name.
func readMetrics(path string) (map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name := line[:i]
		if j := strings.IndexByte(name, '{'); j >= 0 {
			name = name[:j]
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		m[name] += v
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%s: no samples", filepath.Base(path))
	}
	return m, sc.Err()
}
