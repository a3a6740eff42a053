package demo

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/driftmon/driftmon/drift"
)

// The data-quality breakages the synthetic demo injects, one per window,
// each for that window only:
//
//	window 1:  age turns null in every event       -> missing_share, schema_violations
//	window 2:  5 ages of 999 years                  -> out_of_range_share
//	window 3:  5 events carry an undeclared field   -> schema_violations
//	window 5:  10 events repeat an earlier id       -> duplicate_ids
//	window 6:  150 events arrive for window 0       -> late_share (they count in window 6)
//	window 7:  then the producer sends nothing for 6 s -> freshness_seconds (limit 4 s), on the tick
//	window 9:  channel "partner" is sent as "Partner" -> new_category_share
//	window 10: distance_km is sent in metres (x1000) -> out_of_range_share, mean_shift
//	window 11: half the events                      -> volume
//
// The first five leave every drift verdict as it was. The rename and the
// unit change are drift too, of a broken pipeline: they hit channel and
// distance_km, inputs that exist for them, so each drifts in its window
// alone, beside the quality check that says why, and the covariate story
// of amount and country (and its alert) stays as it is. The halved volume
// comes last, in a window that drifts anyway.
const (
	synthNullAt       = 1
	synthOutOfRangeAt = 2
	synthSchemaAt     = 3
	synthDuplicatesAt = 5
	synthLateAt       = 6
	synthLateEvents   = 150
	synthRenameAt     = 9
	synthUnitAt       = 10
	synthHalvedAt     = 11
	synthQuietAfter   = 7
	// The pause outlasts the idle timeout (2 s), so window 7 is stored
	// first, and the freshness limit, so the check fails in it; the limit
	// is above the idle timeout, as a stall long enough to fail it would
	// already have closed windows early and broken the demo anyway.
	// The run's end must come within the limit of the last event too: the
	// last window closes for idleness (2 s), its labels land with the
	// next checkpoint (1 s), and a stream that stops is a silence (settle
	// lets no more time pass).
	synthQuietFor  = 6 * time.Second
	synthFreshness = 4 * time.Second
)

// synthEventsIn is how many events window w sends.
func synthEventsIn(w int) int {
	if w == synthHalvedAt {
		return synthPerWindow / 2
	}
	return synthPerWindow
}

// injectBreakage rewrites the events of window w (i-th of the window) as
// the breakages above say; it returns extra events to send after it.
func injectBreakage(s *synthStream, w, i int, ev []byte) (out []byte, extra [][]byte) {
	edit := func(f func(e map[string]any)) []byte {
		var e map[string]any
		if err := json.Unmarshal(ev, &e); err != nil {
			return ev
		}
		f(e)
		b, _ := json.Marshal(e)
		return b
	}
	feats := func(e map[string]any) map[string]any { return e["features"].(map[string]any) }
	switch {
	case w == synthNullAt:
		ev = edit(func(e map[string]any) { feats(e)["age"] = nil })
	case w == synthOutOfRangeAt && i >= 100 && i < 105:
		ev = edit(func(e map[string]any) { feats(e)["age"] = 999 })
	case w == synthSchemaAt && i < 5:
		ev = edit(func(e map[string]any) { feats(e)["debug_flag"] = true })
	case w == synthDuplicatesAt && i >= 100 && i < 110:
		// The id of the event 50 before, in the same window.
		ev = edit(func(e map[string]any) { e["id"] = fmt.Sprintf("req-%d", s.n-50) })
	case w == synthRenameAt:
		ev = edit(func(e map[string]any) {
			if feats(e)["channel"] == "partner" {
				feats(e)["channel"] = "Partner"
			}
		})
	case w == synthUnitAt:
		ev = edit(func(e map[string]any) { feats(e)["distance_km"] = feats(e)["distance_km"].(float64) * 1000 })
	case w == synthLateAt && i == 0:
		for k := range synthLateEvents {
			extra = append(extra, s.event(0, synthStart.Add(time.Duration(k)*time.Second)))
		}
	}
	return ev, extra
}

// freshnessLine prints a freshness result, decided on a tick: the model
// went quiet, or sends again after it did (the first fresh result of a
// run, with nothing before it, is not news).
func (p *demoPrinter) freshnessLine(results []drift.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range results {
		if r.Method != "freshness_seconds" || !r.Drifted && !p.stale {
			continue
		}
		p.stale = r.Drifted
		if p.json {
			line := map[string]any{"type": "quality", "model": r.Model, "window_seq": r.WindowSeq,
				"window_start": r.WindowStart, "window_end": r.WindowEnd, "failed": []any{}}
			if r.Drifted {
				line["failed"] = []map[string]any{{"feature": "", "check": r.Method, "statistic": r.Statistic, "threshold": r.Threshold}}
			} else {
				line["recovered"] = []string{r.Method}
			}
			b, _ := json.Marshal(line)
			fmt.Fprintln(p.out, string(b))
			continue
		}
		if r.Drifted {
			fmt.Fprintf(p.out, "  quality: %s sent nothing for %.1fs: freshness_seconds=%.3g>%.3g\n", r.Model, r.Statistic, r.Statistic, r.Threshold)
		} else {
			fmt.Fprintf(p.out, "  quality: %s sends again: freshness_seconds back within %.3g\n", r.Model, r.Threshold)
		}
	}
}

// qualityLine prints a window's failed quality checks, if any: a "quality"
// JSON line, or an indented line under the window's.
func (p *demoPrinter) qualityLine(w *drift.WindowSummary, results []drift.Result) {
	type failure struct {
		Feature   string  `json:"feature"`
		Check     string  `json:"check"`
		Statistic float64 `json:"statistic"`
		Threshold float64 `json:"threshold"`
	}
	var failed []failure
	for _, r := range results {
		if r.Family == drift.Quality && r.Drifted {
			failed = append(failed, failure{r.Feature, r.Method, r.Statistic, r.Threshold})
		}
	}
	if len(failed) == 0 {
		return
	}
	if p.json {
		b, _ := json.Marshal(map[string]any{"type": "quality", "model": w.Model, "window_seq": w.Seq,
			"window_start": w.Start, "window_end": w.End, "failed": failed})
		fmt.Fprintln(p.out, string(b))
		return
	}
	var parts []string
	for _, f := range failed {
		name := f.Check
		if f.Feature != "" {
			name = f.Feature + " " + name
		}
		parts = append(parts, fmt.Sprintf("%s=%.3g>%.3g", name, f.Statistic, f.Threshold))
	}
	fmt.Fprintf(p.out, "  quality: %s\n", strings.Join(parts, ", "))
}
