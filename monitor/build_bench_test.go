package monitor

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driftmon/driftmon/config"
)

// BenchmarkBuild times monitor.Build of many models, each with its own
// 20,000-row CSV reference of 20 features (10 numeric of four shapes, 10
// categorical of 4 to 40 categories), as serve starts: the issue's
// 1,000 models took 67-79 s. One op is one Build of every model; it
// reports the heap's peak during Build (sampled every 2 ms) and what stays
// after it (after a GC).
//
// DRIFTMON_BENCH_FEATURES=numeric or categorical declares only that half
// of the columns, so that three runs give the heap a feature of each kind
// keeps (heap-after-KB/model: both - categorical is ten numeric features,
// both - numeric ten categorical ones).
//
// DRIFTMON_BENCH_MODELS sets the number of models (default 100),
// DRIFTMON_BENCH_DIR a directory that keeps the generated files between
// runs (default: a temporary one, generated for each run):
//
//	DRIFTMON_BENCH_MODELS=1000 DRIFTMON_BENCH_DIR=/tmp/refs \
//	  go test -run '^$' -bench Build -benchtime 1x -count 5 ./monitor/
func BenchmarkBuild(b *testing.B) {
	models := 100
	if s := os.Getenv("DRIFTMON_BENCH_MODELS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("DRIFTMON_BENCH_MODELS=%q", s)
		}
		models = n
	}
	dir := os.Getenv("DRIFTMON_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	cfg := benchConfig(b, dir, models)
	b.Run(fmt.Sprintf("models=%d", models), func(b *testing.B) {
		var peak, after uint64
		var cpu time.Duration
		for b.Loop() {
			runtime.GC()
			stop := sampleHeap(&peak)
			c0 := cpuTime()
			ms, err := Build(context.Background(), cfg)
			cpu += cpuTime() - c0
			stop()
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			// Twice: a pool's buffers (the CSV reader's) survive one
			// collection, and are no model's.
			runtime.GC()
			runtime.GC()
			after = max(after, heapBytes())
			runtime.KeepAlive(ms)
			b.StartTimer()
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(after)/(1<<20), "heap-after-MB")
		b.ReportMetric(float64(after)/float64(models)/(1<<10), "heap-after-KB/model")
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/float64(models)*1e3, "ms/model")
		// The process's CPU time (all threads, the GC's included) says
		// what a model costs whatever else the machine runs; wall time
		// on a shared machine does not.
		b.ReportMetric(cpu.Seconds()/float64(b.N)/float64(models)*1e3, "cpu-ms/model")
	})
}

// benchConfig writes (or finds) the models' reference files in dir and
// returns their config.
func benchConfig(b *testing.B, dir string, models int) *config.Config {
	b.Helper()
	var yaml strings.Builder
	yaml.WriteString("models:\n")
	var features strings.Builder
	kinds := os.Getenv("DRIFTMON_BENCH_FEATURES")
	if kinds != "" && kinds != "numeric" && kinds != "categorical" {
		b.Fatalf("DRIFTMON_BENCH_FEATURES=%q: want numeric or categorical", kinds)
	}
	for i := range 10 {
		if kinds != "categorical" {
			fmt.Fprintf(&features, "num_%d: numeric, ", i)
		}
		if kinds != "numeric" {
			fmt.Fprintf(&features, "cat_%d: categorical, ", i)
		}
	}
	fs := strings.TrimSuffix(features.String(), ", ")
	paths := make([]string, models)
	for m := range models {
		paths[m] = filepath.Join(dir, fmt.Sprintf("ref_%04d.csv", m))
		fmt.Fprintf(&yaml, "  - name: m%04d\n    window: {events: 2000}\n    reference: {file: %q}\n    features: {%s}\n", m, paths[m], fs)
	}
	start := time.Now()
	var made atomic.Int64
	next := make(chan int, models)
	for m := range models {
		next <- m
	}
	close(next)
	var wg sync.WaitGroup
	errs := make(chan error, models)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for m := range next {
				if _, err := os.Stat(paths[m]); err == nil {
					continue
				}
				if err := writeBenchReference(paths[m], uint64(m)); err != nil {
					errs <- err
					return
				}
				made.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	if n := made.Load(); n > 0 {
		b.Logf("wrote %d reference files in %v", n, time.Since(start).Round(time.Millisecond))
	}
	cfg, err := config.Parse([]byte(yaml.String()), dir)
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

// writeBenchReference writes one model's 20,000-row reference (to a
// temporary name first, so an interrupted run leaves no half file).
func writeBenchReference(path string, seed uint64) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := range 10 {
		fmt.Fprintf(w, "num_%d,", i)
	}
	for i := range 10 {
		fmt.Fprintf(w, "cat_%d", i)
		if i < 9 {
			w.WriteByte(',')
		}
	}
	w.WriteByte('\n')
	var buf []byte
	for range 20000 {
		buf = buf[:0]
		for i := range 10 {
			var x float64
			switch i % 4 {
			case 0:
				x = rng.NormFloat64() * float64(i+1)
			case 1:
				x = math.Round(math.Exp(rng.NormFloat64()+3)*100) / 100
			case 2:
				x = float64(18 + rng.IntN(60))
			default:
				x = rng.Float64()
			}
			buf = strconv.AppendFloat(buf, x, 'g', -1, 64)
			buf = append(buf, ',')
		}
		for i := range 10 {
			k := 4 + 4*i
			c := min(int(math.Abs(rng.NormFloat64())*float64(k)/3), k-1)
			buf = append(buf, 'c')
			buf = strconv.AppendInt(buf, int64(c), 10)
			if i < 9 {
				buf = append(buf, ',')
			}
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// heapBytes is the heap held by objects, live or not yet swept.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap records the heap's peak in *peak until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			*peak = max(*peak, heapBytes())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		*peak = max(*peak, heapBytes())
	}
}
