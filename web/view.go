package web

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/ingest"
	"github.com/driftmon/driftmon/storage"
)

// The view at / is rendered on the server from embedded templates: it
// needs no network, no JavaScript and no build step, and a page saved
// from it reads the same offline.
//
//go:embed view/index.html view/style.css
var viewFS embed.FS

var viewPage = template.Must(template.New("index.html").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04Z")
	},
	"num": func(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) },
	"pct": func(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" },
}).ParseFS(viewFS, "view/index.html"))

var viewCSS = func() template.CSS {
	b, err := viewFS.ReadFile("view/style.css")
	if err != nil {
		panic(err)
	}
	return template.CSS(b)
}()

// viewWindows is how many of a model's newest windows the view reads: the
// charts' time axis. Each window is decoded whole, sketches included.
const viewWindows = 48

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 360.0, 120.0
	chartPad       = 6.0
	histW, histH   = 560.0, 180.0
)

type viewData struct {
	CSS     template.CSS
	Models  []string
	Model   string
	Feature string
	Latest  *viewWindow
	Windows []viewWindow // oldest first
	Series  []viewSeries
	Hist    *viewHist
	Firing  []drift.AlertRecord
	History []drift.AlertRecord
}

type viewWindow struct {
	Seq        int64
	Start, End time.Time
	Events     uint64
	Features   []viewVerdict
	Drifted    int
	Selected   bool
}

// viewVerdict is a feature's decision row in one window: the rows that
// only report are not shown.
type viewVerdict struct {
	Family    drift.Family
	Feature   string
	Method    string
	Statistic float64
	Threshold float64
	// Source is where the threshold came from, when calibrated or
	// corrected (drift_results' threshold_source).
	Source  string
	PValue  *float64
	Drifted bool
}

// viewSeries is one feature's decision statistic over the windows, drawn
// against its threshold.
type viewSeries struct {
	Feature, Method   string
	Family            drift.Family
	Statistic, Thresh string // SVG polyline points
	Points            []viewPoint
	Drifted           bool // in the newest window
	Last              viewVerdict
	W, H              float64
}

type viewPoint struct {
	X, Y    float64
	Drifted bool
	Seq     int64
}

type viewHist struct {
	Feature   string
	Seq       int64
	Start     time.Time
	RefSource string
	Bars      []viewBar
	Labels    []viewLabel
	W, H      float64
	Drifted   bool
}

type viewBar struct {
	Class      string // reference | current
	X, Y, W, H float64
	Share      float64
	Bin        string
}

type viewLabel struct {
	X    float64
	Text string
}

// view serves GET / [?model=M&feature=F&seq=N].
func (s *Server) view(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	model, err := param(q, "model", false, ingest.ValidModelName, "1 to 128 of [A-Za-z0-9_.-]")
	if err != nil {
		return err
	}
	feature, err := param(q, "feature", false, nameRE.MatchString, "1 to 128 of [A-Za-z0-9_.:-]")
	if err != nil {
		return err
	}
	seq := int64(math.MinInt64)
	if v := q.Get("seq"); v != "" {
		if seq, err = strconv.ParseInt(v, 10, 64); err != nil {
			return badRequest{"seq: want an integer"}
		}
	}
	ctx := r.Context()
	d := viewData{CSS: viewCSS}
	if d.Models, err = s.store.Models(ctx); err != nil {
		return err
	}
	if model == "" && len(d.Models) > 0 {
		model = d.Models[0]
	}
	d.Model = model
	if model != "" {
		if err := s.viewModel(ctx, &d, feature, seq); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return viewPage.Execute(w, &d)
}

func (s *Server) viewModel(ctx context.Context, d *viewData, feature string, seq int64) error {
	from, to, err := s.viewSpan(ctx, d.Model)
	if err != nil || from.IsZero() {
		return err
	}
	// No row limit: storage returns the oldest rows first, so a cap would
	// drop the newest windows of a wide model. The span's viewWindows
	// windows times the configured features and methods bound the rows.
	var res []drift.Result
	for _, fam := range []drift.Family{drift.Covariate, drift.Prior, drift.Concept} {
		rs, err := s.store.Results(ctx, storage.ResultQuery{Model: d.Model, Family: fam, From: from, To: to})
		if err != nil {
			return err
		}
		res = append(res, rs...)
	}
	wins, err := s.store.Windows(ctx, d.Model, from, to)
	if err != nil {
		return err
	}
	bySeq := map[int64]int{}
	for _, ws := range wins {
		if _, ok := bySeq[ws.Seq]; ok {
			continue // another model version's window of the same seq
		}
		bySeq[ws.Seq] = len(d.Windows)
		d.Windows = append(d.Windows, viewWindow{Seq: ws.Seq, Start: ws.Start, End: ws.End, Events: ws.Events})
	}
	for _, r := range res {
		i, ok := bySeq[r.WindowSeq]
		if !ok || !r.Decision || (r.Family != drift.Covariate && r.Family != drift.Prior && r.Family != drift.Concept) {
			continue
		}
		v := viewVerdict{Family: r.Family, Feature: r.Feature, Method: r.Method, Statistic: r.Statistic,
			Threshold: r.Threshold, Source: r.ThresholdSource, PValue: r.PValue, Drifted: r.Drifted}
		if r.Family == drift.Concept && v.Feature == "" {
			// The window's performance verdict (accuracy, or mae), once
			// its labels came: shown as a row of its own.
			v.Feature = r.Method
		}
		d.Windows[i].Features = append(d.Windows[i].Features, v)
		if v.Drifted {
			d.Windows[i].Drifted++
		}
	}
	if len(d.Windows) == 0 {
		return nil
	}
	d.Latest = &d.Windows[len(d.Windows)-1]
	d.Series = buildSeries(d.Windows)

	// The histogram: the chosen window (default the newest) and feature
	// (default the first drifted one there, else the first).
	wi := len(d.Windows) - 1
	if i, ok := bySeq[seq]; ok {
		wi = i
	}
	d.Windows[wi].Selected = true
	if feature == "" {
		for _, v := range d.Windows[wi].Features {
			if v.Drifted && v.Family == drift.Covariate {
				feature = v.Feature
				break
			}
		}
	}
	var cur *drift.WindowSummary
	for _, ws := range wins {
		if ws.Seq == d.Windows[wi].Seq {
			cur = ws
			break
		}
	}
	if feature == "" && len(cur.Features) > 0 {
		feature = cur.Features[0].Name
	}
	d.Feature = feature
	ref, source := s.viewReference(d.Model, wins, cur)
	d.Hist = buildHist(feature, cur, ref, source)
	if d.Hist != nil {
		for _, v := range d.Windows[wi].Features {
			if v.Feature == feature && v.Family == drift.Covariate {
				d.Hist.Drifted = v.Drifted
			}
		}
	}

	alerts, err := s.store.Alerts(ctx, storage.AlertQuery{Model: d.Model, Limit: 200})
	if err != nil {
		return err
	}
	sort.SliceStable(alerts, func(i, j int) bool { return alerts[i].UpdatedAt.After(alerts[j].UpdatedAt) })
	for _, a := range alerts {
		if a.State == drift.AlertFiring {
			d.Firing = append(d.Firing, a)
		}
	}
	d.History = alerts[:min(len(alerts), 20)]
	return nil
}

// viewSpan finds the start times of the model's newest viewWindows windows
// from its dataset rows (one per window, no sketches to decode), looking
// at the last 31 days first and at all history when those are empty (a
// replay of old data, a model that went quiet).
func (s *Server) viewSpan(ctx context.Context, model string) (from, to time.Time, err error) {
	q := storage.ResultQuery{Model: model, Family: drift.Dataset, Method: "drifted_share", From: s.clock().Add(-maxWindowSpan)}
	rows, err := s.store.Results(ctx, q)
	if err == nil && len(rows) == 0 {
		q.From = time.Time{}
		rows, err = s.store.Results(ctx, q)
	}
	if err != nil || len(rows) == 0 {
		return from, to, err
	}
	starts := make([]time.Time, 0, len(rows))
	for _, r := range rows {
		if len(starts) == 0 || !r.WindowStart.Equal(starts[len(starts)-1]) {
			starts = append(starts, r.WindowStart)
		}
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	starts = slices.CompactFunc(starts, func(a, b time.Time) bool { return a.Equal(b) })
	from = starts[max(0, len(starts)-viewWindows)]
	return from, starts[len(starts)-1].Add(time.Second), nil
}

// viewReference returns what the chosen window was compared with: the
// model's file reference when the server has one, else the window before
// it (the reference of previous-window models, and a fair picture of a
// pinned-window model's recent change).
func (s *Server) viewReference(model string, wins []*drift.WindowSummary, cur *drift.WindowSummary) (*drift.Reference, string) {
	if s.references != nil {
		if ref := s.references(model); ref != nil {
			// A file reference's path is the server's business: its
			// name says which one it is.
			src := ref.Source
			if f, ok := strings.CutPrefix(src, "file:"); ok {
				src = "file " + filepath.Base(f)
			}
			return ref, "reference " + src
		}
	}
	for i, ws := range wins {
		if ws == cur && i > 0 {
			p := wins[i-1]
			return &drift.Reference{Model: model, Features: p.Features, Prediction: p.Prediction},
				fmt.Sprintf("previous window (seq %d)", p.Seq)
		}
	}
	return nil, ""
}

// buildSeries turns the decision rows into one chart per feature. Each
// chart scales to its own statistic and threshold: statistics of
// different methods do not share a unit.
func buildSeries(wins []viewWindow) []viewSeries {
	type key struct {
		fam  drift.Family
		name string
	}
	var order []key
	byKey := map[key]*viewSeries{}
	for _, w := range wins {
		for _, v := range w.Features {
			k := key{v.Family, v.Feature}
			if byKey[k] == nil {
				byKey[k] = &viewSeries{Feature: v.Feature, Family: v.Family, W: chartW, H: chartH}
				order = append(order, k)
			}
		}
	}
	out := make([]viewSeries, 0, len(order))
	n := len(wins)
	x := func(i int) float64 {
		if n == 1 {
			return chartW / 2
		}
		return chartPad + float64(i)*(chartW-2*chartPad)/float64(n-1)
	}
	for _, k := range order {
		sr := byKey[k]
		hi := 0.0
		for _, w := range wins {
			for _, v := range w.Features {
				if v.Family == k.fam && v.Feature == k.name {
					hi = max(hi, finite(v.Statistic), finite(v.Threshold))
				}
			}
		}
		if hi == 0 {
			hi = 1
		}
		hi *= 1.1
		y := func(v float64) float64 { return chartH - chartPad - finite(v)/hi*(chartH-2*chartPad) }
		var stat, thr []byte
		for i, w := range wins {
			for _, v := range w.Features {
				if v.Family != k.fam || v.Feature != k.name {
					continue
				}
				px, py := x(i), y(v.Statistic)
				stat = fmt.Appendf(stat, "%.1f,%.1f ", px, py)
				thr = fmt.Appendf(thr, "%.1f,%.1f ", px, y(v.Threshold))
				sr.Points = append(sr.Points, viewPoint{X: px, Y: py, Drifted: v.Drifted, Seq: w.Seq})
				sr.Method, sr.Last = v.Method, v
			}
		}
		sr.Statistic, sr.Thresh = string(stat), string(thr)
		sr.Drifted = sr.Last.Drifted && len(sr.Points) > 0 && sr.Points[len(sr.Points)-1].Seq == wins[n-1].Seq
		out = append(out, *sr)
	}
	return out
}

func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
		return 0
	}
	return x
}

// buildHist draws the feature's reference and current distributions as
// shares side by side: numeric features over the reference's bins (the
// window's bin counts are exact over them), categorical ones per category.
func buildHist(feature string, cur *drift.WindowSummary, ref *drift.Reference, source string) *viewHist {
	var cf, rf *drift.FeatureSummary
	if feature == "prediction" {
		cf = cur.Prediction
		if ref != nil {
			rf = ref.Prediction
		}
	} else {
		cf = cur.Feature(feature)
		if ref != nil {
			rf = ref.Feature(feature)
		}
	}
	if cf == nil {
		return nil
	}
	h := &viewHist{Feature: feature, Seq: cur.Seq, Start: cur.Start, RefSource: source, W: histW, H: histH}
	var labels []string
	var refShare, curShare []float64
	switch {
	case cf.Kind == drift.Numeric:
		edges := cf.Edges
		labels = binLabels(edges)
		curShare = shares(cf.BinCounts)
		if rf != nil && slices.Equal(rf.Edges, edges) && len(rf.BinCounts) == len(cf.BinCounts) {
			refShare = shares(rf.BinCounts)
		}
	default:
		seen := map[string]bool{}
		for _, c := range cf.SortedCategories() {
			labels, seen[c] = append(labels, c), true
		}
		if rf != nil {
			for _, c := range rf.SortedCategories() {
				if !seen[c] {
					labels = append(labels, c)
				}
			}
			sort.Strings(labels)
		}
		curShare = categoryShares(cf.Categories, labels)
		if rf != nil {
			refShare = categoryShares(rf.Categories, labels)
		}
		labels, curShare, refShare = foldCategories(labels, curShare, refShare)
	}
	if len(labels) == 0 {
		return h
	}
	if refShare == nil {
		h.RefSource = ""
	}
	hi := 0.0
	for _, v := range append(slices.Clone(curShare), refShare...) {
		hi = max(hi, v)
	}
	if hi == 0 {
		hi = 1
	}
	plotH := histH - 20 // room for the bin labels
	slot := (histW - 2*chartPad) / float64(len(labels))
	bw := slot * 0.4
	for i, l := range labels {
		x0 := chartPad + float64(i)*slot + slot*0.1
		if refShare != nil {
			bh := refShare[i] / hi * (plotH - chartPad)
			h.Bars = append(h.Bars, viewBar{Class: "reference", X: x0, Y: plotH - bh, W: bw, H: bh, Share: refShare[i], Bin: l})
		}
		bh := curShare[i] / hi * (plotH - chartPad)
		h.Bars = append(h.Bars, viewBar{Class: "current", X: x0 + bw, Y: plotH - bh, W: bw, H: bh, Share: curShare[i], Bin: l})
		h.Labels = append(h.Labels, viewLabel{X: x0 + bw, Text: l})
	}
	return h
}

// maxHistCategories bounds the bars of a categorical histogram: a window
// keeps up to a thousand categories, which no chart shows legibly.
const maxHistCategories = 20

// foldCategories keeps the maxHistCategories-1 categories with the largest
// share in either distribution, in their order, and sums the rest into one
// last bar, so the shares still add up to one.
func foldCategories(labels []string, cur, ref []float64) ([]string, []float64, []float64) {
	if len(labels) <= maxHistCategories {
		return labels, cur, ref
	}
	weight := func(i int) float64 {
		if ref != nil {
			return max(cur[i], ref[i])
		}
		return cur[i]
	}
	idx := make([]int, len(labels))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return weight(idx[a]) > weight(idx[b]) })
	keep := idx[:maxHistCategories-1]
	sort.Ints(keep)
	var outL []string
	var outC, outR []float64
	restC, restR := 1.0, 1.0
	for _, i := range keep {
		outL, outC = append(outL, labels[i]), append(outC, cur[i])
		restC -= cur[i]
		if ref != nil {
			outR = append(outR, ref[i])
			restR -= ref[i]
		}
	}
	outL = append(outL, fmt.Sprintf("%d others", len(labels)-len(keep)))
	outC = append(outC, max(restC, 0))
	if ref != nil {
		outR = append(outR, max(restR, 0))
	}
	return outL, outC, outR
}

func binLabels(edges []float64) []string {
	out := make([]string, len(edges)+1)
	for i := range out {
		switch {
		case len(edges) == 0:
			out[i] = "all"
		case i == 0:
			out[i] = "<" + strconv.FormatFloat(edges[0], 'g', 3, 64)
		default:
			out[i] = "≥" + strconv.FormatFloat(edges[i-1], 'g', 3, 64)
		}
	}
	return out
}

func shares(counts []uint64) []float64 {
	var n uint64
	for _, c := range counts {
		n += c
	}
	out := make([]float64, len(counts))
	for i, c := range counts {
		if n > 0 {
			out[i] = float64(c) / float64(n)
		}
	}
	return out
}

func categoryShares(m map[string]uint64, labels []string) []float64 {
	counts := make([]uint64, len(labels))
	for i, l := range labels {
		counts[i] = m[l]
	}
	return shares(counts)
}
