package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"
)

// sample is one line of the soak's /proc CSV:
// unix_seconds,pid,rss_kb,hwm_kb,fds.
type sample struct {
	at            time.Time
	pid           int
	rss, hwm, fds int64
}

type span struct {
	name                   string
	from, to               time.Time
	n                      int
	rssMin, rssMax, hwmMax int64
	fdMin, fdMax           int64
	pids                   map[int]bool
}

func (s *span) add(x sample) {
	if x.at.Before(s.from) || !x.at.Before(s.to) {
		return
	}
	if s.n == 0 || x.rss < s.rssMin {
		s.rssMin = x.rss
	}
	if s.n == 0 || x.fds < s.fdMin {
		s.fdMin = x.fds
	}
	s.rssMax, s.hwmMax, s.fdMax = max(s.rssMax, x.rss), max(s.hwmMax, x.hwm), max(s.fdMax, x.fds)
	s.n++
	s.pids[x.pid] = true
}

func (s *span) String() string {
	return fmt.Sprintf("%-22s %4d samples %d processes  RSS %6.1f-%6.1f MiB (VmHWM max %6.1f)  fds %3d-%3d",
		s.name, s.n, len(s.pids), mib(s.rssMin), mib(s.rssMax), mib(s.hwmMax), s.fdMin, s.fdMax)
}

func mib(kb int64) float64 { return float64(kb) / 1024 }

// flat reads the samples and checks that serve's memory and descriptors
// stay flat: the last phase's maximum RSS (and VmHWM) within rss-growth
// percent of the first phase's after the warm-up, and its maximum open
// descriptors within fd-growth of the first's. serve is restarted by the
// soak, so each phase spans several processes of comparable ages.
func flat(args []string) error {
	fs := flag.NewFlagSet("flat", flag.ExitOnError)
	path := fs.String("csv", "", "the samples")
	warmup := fs.Duration("warmup", 2*time.Minute, "left out of the first phase")
	phase := fs.Duration("phase", 10*time.Minute, "length of the first and last phases compared")
	rssGrowth := fs.Float64("rss-growth", 25, "allowed growth of the maximum RSS, in percent")
	fdGrowth := fs.Int64("fd-growth", 16, "allowed growth of the maximum open descriptors")
	fs.Parse(args)
	f, err := os.Open(*path)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return err
	}
	var ss []sample
	for i, r := range rows {
		if i == 0 || len(r) != 5 {
			continue // the header
		}
		var v [5]int64
		for j := range r {
			if v[j], err = strconv.ParseInt(r[j], 10, 64); err != nil {
				return fmt.Errorf("line %d: %w", i+1, err)
			}
		}
		ss = append(ss, sample{time.Unix(v[0], 0), int(v[1]), v[2], v[3], v[4]})
	}
	if len(ss) < 2 {
		return fmt.Errorf("%d samples", len(ss))
	}
	t0, t1 := ss[0].at, ss[len(ss)-1].at.Add(time.Second)
	if t1.Sub(t0) < *warmup+2**phase {
		return fmt.Errorf("%s of samples: too short for a warm-up of %s and two phases of %s", t1.Sub(t0), *warmup, *phase)
	}
	newSpan := func(name string, from, to time.Time) *span {
		return &span{name: name, from: from, to: to, pids: map[int]bool{}}
	}
	first := newSpan(fmt.Sprintf("first %s (after %s)", *phase, *warmup), t0.Add(*warmup), t0.Add(*warmup+*phase))
	last := newSpan(fmt.Sprintf("last %s", *phase), t1.Add(-*phase), t1)
	spans := []*span{newSpan("whole run", t0, t1)}
	for from := t0; from.Before(t1); from = from.Add(*phase) {
		to := from.Add(*phase)
		if to.After(t1) {
			to = t1
		}
		spans = append(spans, newSpan(fmt.Sprintf("minutes %d-%d", int(from.Sub(t0).Minutes()), int(to.Sub(t0).Minutes())), from, to))
	}
	spans = append(spans, first, last)
	for _, s := range ss {
		for _, sp := range spans {
			sp.add(s)
		}
	}
	for _, sp := range spans {
		fmt.Println(sp)
	}
	limit := float64(first.rssMax) * (1 + *rssGrowth/100)
	hwmLimit := float64(first.hwmMax) * (1 + *rssGrowth/100)
	fmt.Printf("bound: last phase's max RSS %.1f MiB <= %.1f MiB (first's %.1f + %g%%), max VmHWM %.1f <= %.1f MiB, max fds %d <= %d (first's %d + %d)\n",
		mib(last.rssMax), limit/1024, mib(first.rssMax), *rssGrowth, mib(last.hwmMax), hwmLimit/1024, last.fdMax, first.fdMax+*fdGrowth, first.fdMax, *fdGrowth)
	if first.n == 0 || last.n == 0 {
		return fmt.Errorf("a phase has no samples")
	}
	if float64(last.rssMax) > limit || float64(last.hwmMax) > hwmLimit {
		return fmt.Errorf("memory grew: max RSS %.1f MiB (VmHWM %.1f) in the last phase, %.1f (%.1f) in the first", mib(last.rssMax), mib(last.hwmMax), mib(first.rssMax), mib(first.hwmMax))
	}
	if last.fdMax > first.fdMax+*fdGrowth {
		return fmt.Errorf("open descriptors grew: %d in the last phase, %d in the first", last.fdMax, first.fdMax)
	}
	return nil
}
