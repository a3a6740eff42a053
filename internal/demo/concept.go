package demo

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/driftmon/driftmon/concept"
	"github.com/driftmon/driftmon/drift"
)

// demoMetric is one performance row as the demo prints it.
type demoMetric struct {
	Method    string  `json:"method"`
	Statistic float64 `json:"statistic"`
	Threshold float64 `json:"threshold"`
	Drifted   bool    `json:"drifted"`
}

// conceptLine prints a window's label results as they come (a window's
// labels arrive after it closed, in one or more batches, each updating its
// row; the text shows the update that completes them): the realised
// performance against the reference's, the stream
// detectors that signalled drift among its labels, and the label
// distribution's verdict.
func (p *demoPrinter) conceptLine(results []drift.Result) {
	var metrics []demoMetric
	var detectors []string
	var label *drift.Result
	var w drift.Result
	var n uint64 // the labelled events, from the accuracy row
	for i, r := range results {
		switch {
		case r.Family == drift.Concept && r.Feature == "" && slices.Contains(concept.Detectors, r.Method):
			if r.Drifted {
				detectors = append(detectors, r.Method)
			}
		case r.Family == drift.Concept && r.Feature == "":
			metrics = append(metrics, demoMetric{r.Method, r.Statistic, r.Threshold, r.Drifted})
			if r.Method == concept.MethodAccuracy {
				n = r.NCurrent
			}
		case r.Family == drift.Prior && r.Feature == concept.LabelFeature && r.Decision:
			label = &results[i]
		default:
			continue
		}
		w = r
	}
	if metrics == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.labelled == nil {
		p.labelled = map[int64]uint64{}
	}
	if n > p.labelled[w.WindowSeq] {
		p.labelled[w.WindowSeq] = n
	}
	if !p.json && p.first != nil {
		// The text shows a window's performance once, when all its labels
		// are in (the demo knows how many it sends): a line per batch
		// would print accuracies of a few labels. --json has every update.
		want := uint64(p.wantLabelled[int(w.WindowSeq-*p.first)])
		if want > 0 && (n < want || p.shown[w.WindowSeq]) {
			p.checkDone()
			return
		}
		if p.shown == nil {
			p.shown = map[int64]bool{}
		}
		p.shown[w.WindowSeq] = true
	}
	if p.json {
		line := map[string]any{"type": "concept", "model": w.Model, "window_seq": w.WindowSeq,
			"window_start": w.WindowStart, "window_end": w.WindowEnd, "labelled": n, "metrics": metrics,
			"detectors": nonNilStrings(detectors)}
		if label != nil {
			line["label"] = demoFeature{Name: label.Feature, Drifted: label.Drifted, Method: label.Method,
				Statistic: label.Statistic, Threshold: label.Threshold}
		}
		b, _ := json.Marshal(line)
		fmt.Fprintln(p.out, string(b))
	} else {
		var parts, worseParts []string
		for _, m := range metrics {
			switch m.Method {
			case concept.MethodAccuracy, concept.MethodF1Macro, concept.MethodROCAUC, concept.MethodLogLoss:
			default:
				continue // the rest are in --json and in drift_results
			}
			parts = append(parts, fmt.Sprintf("%s=%.3f", m.Method, m.Statistic))
			if m.Drifted {
				cmp := "<"
				if m.Method == concept.MethodLogLoss {
					cmp = ">" // a loss gets worse as it grows
				}
				worseParts = append(worseParts, fmt.Sprintf("%s %.3f%s%.3f", m.Method, m.Statistic, cmp, m.Threshold))
			}
		}
		verdict := "as the reference"
		if len(worseParts) > 0 {
			verdict = "WORSE " + strings.Join(worseParts, ", ")
		}
		fmt.Fprintf(p.out, "concept %-8s %s .. %s  labelled=%-5d %s  %s", w.Model,
			w.WindowStart.Format("2006-01-02 15:04"), w.WindowEnd.Format("15:04"), n, strings.Join(parts, " "), verdict)
		if len(detectors) > 0 {
			fmt.Fprintf(p.out, "; detectors: %s", strings.Join(detectors, " "))
		}
		if label != nil {
			fmt.Fprintf(p.out, "; label prior %s=%.3f", label.Method, label.Statistic)
			if label.Drifted {
				fmt.Fprint(p.out, " DRIFT")
			}
		}
		fmt.Fprintln(p.out)
	}
	p.checkDone()
}

// estimateLine prints, as a window closes, what its scores alone say of
// its performance (CBPE) and of its class mix (BBSE): the estimates a user
// has before the labels come.
func (p *demoPrinter) estimateLine(w *drift.WindowSummary, results []drift.Result) {
	var metrics []demoMetric
	prior := map[string]float64{}
	for _, r := range results {
		switch r.Method {
		case concept.MethodCBPEAccuracy, concept.MethodCBPEF1, concept.MethodCBPEROCAUC:
			metrics = append(metrics, demoMetric{r.Method, r.Statistic, r.Threshold, r.Drifted})
		case concept.MethodBBSEPrior:
			prior[r.Feature] = r.Statistic
		}
	}
	if metrics == nil && len(prior) == 0 {
		return
	}
	if p.json {
		b, _ := json.Marshal(map[string]any{"type": "estimate", "model": w.Model, "window_seq": w.Seq,
			"window_start": w.Start, "window_end": w.End, "metrics": metrics, "bbse_prior": prior})
		fmt.Fprintln(p.out, string(b))
		return
	}
	var parts []string
	for _, m := range metrics {
		parts = append(parts, fmt.Sprintf("%s=%.3f", m.Method, m.Statistic))
	}
	classes := make([]string, 0, len(prior))
	for c := range prior {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	for _, c := range classes {
		parts = append(parts, fmt.Sprintf("bbse_prior[%s]=%.3f", c, prior[c]))
	}
	fmt.Fprintf(p.out, "  estimate before labels: %s\n", strings.Join(parts, " "))
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
