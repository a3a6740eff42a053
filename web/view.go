package web

import (
	"bytes"
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

// viewFuncs are the view's and /alerts' template functions: one way to
// print a time, a number and a share on every page.
var viewFuncs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04Z")
	},
	"num": formatNum,
	"pct": formatPct,
	"f1":  func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) },
}

var viewPage = template.Must(template.New("index.html").Funcs(viewFuncs).ParseFS(viewFS, "view/index.html"))

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

// Chart geometry, in SVG user units: the whole drawing, and the margins
// around the plot that hold the axes' labels.
const (
	chartW, chartH = 372.0, 160.0
	histW, histH   = 640.0, 240.0
	axisLeft       = 46.0 // value labels
	axisRight      = 12.0
	axisTop        = 8.0
	axisBottom     = 20.0 // time labels
	histBottom     = 36.0 // edge labels and the outer bins' min and max
	chartPad       = 6.0  // between the frame and the first and last point
)

type viewData struct {
	CSS      template.CSS
	Models   []string
	Model    string
	Feature  string
	Selected *viewWindow // the chosen window, the newest by default
	Newest   *viewWindow
	Windows  []viewWindow // oldest first
	Series   []viewSeries
	Hist     *viewHist
	Stats    []viewStats // the histogram's feature: reference, then the window
	Quality  *viewQuality
	Ingest   *viewIngest
	Firing   []drift.AlertRecord
	History  []drift.AlertRecord
}

type viewWindow struct {
	Seq        int64
	Start, End time.Time
	Events     uint64
	Late       uint64
	Features   []viewVerdict
	Drifted    int
	// QualityFailed of QualityChecks failed in the window.
	QualityChecks, QualityFailed int
	Selected                     bool
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
	Sel               *viewVerdict // in the chosen window, nil without one
	Axes              viewAxes
	// SelX is the chosen window's x when it is not the newest (the
	// newest is the right edge), else 0.
	SelX float64
}

type viewPoint struct {
	X, Y    float64
	Drifted bool
	Seq     int64
	Title   string // the hover text: window, statistic, threshold, verdict
}

// viewAxes is a chart's frame: its plot area and the ticks along its
// value (y) and time or bin (x) axes.
type viewAxes struct {
	W, H           float64
	X0, X1, Y0, Y1 float64 // the plot area; Y0 is its top
	YTicks         []viewTick
	XTicks         []viewTick
}

// PlotW and PlotH are the plot area's size, TickEnd the x ticks' foot.
func (a viewAxes) PlotW() float64   { return a.X1 - a.X0 }
func (a viewAxes) PlotH() float64   { return a.Y1 - a.Y0 }
func (a viewAxes) TickEnd() float64 { return a.Y1 + 4 }

type viewTick struct {
	Pos   float64 // x or y, by axis
	Label string
	// Anchor is the label's text-anchor, as a class (style.css sets it;
	// a presentation attribute would lose to the stylesheet): start and
	// end keep the outermost labels of a histogram inside the drawing.
	Anchor string
	// Class marks the outer bins' observed min and max.
	Class string
}

type viewHist struct {
	Feature   string
	Seq       int64
	Start     time.Time
	RefSource string
	Numeric   bool
	Bars      []viewBar
	Labels    []viewTick // category names under their bars
	Axes      viewAxes
	Drifted   bool
	// Outer says what the open-ended bins held, per side.
	Outer []string
}

type viewBar struct {
	Class      string // reference | current
	X, Y, W, H float64
	Title      string
}

// viewStats are one side's figures of the histogram's feature.
type viewStats struct {
	Side                string
	Total, Valid        uint64
	Missing, Invalid    uint64
	Numeric             bool
	Mean, Std, Min, Max float64
	Categories          int
	TopCategory         string
	TopShare            float64
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
	// Rendered whole before the first byte goes out: a template error
	// is then a clean 500, not half a page.
	var page bytes.Buffer
	if err := viewPage.Execute(&page, &d); err != nil {
		return fmt.Errorf("view of model %q: %w", d.Model, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = w.Write(page.Bytes())
	return err
}

func (s *Server) viewModel(ctx context.Context, d *viewData, feature string, seq int64) error {
	d.Ingest = s.ingestFigures(d.Model)
	from, to, err := s.viewSpan(ctx, d.Model)
	if err != nil || from.IsZero() {
		return err
	}
	// No row limit: storage returns the oldest rows first, so a cap would
	// drop the newest windows of a wide model. The span's viewWindows
	// windows times the configured features and methods bound the rows.
	var res []drift.Result
	for _, fam := range []drift.Family{drift.Covariate, drift.Prior, drift.Concept, drift.Quality} {
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
	var sums []*drift.WindowSummary // one per seq, as d.Windows
	for _, ws := range wins {
		if _, ok := bySeq[ws.Seq]; ok {
			continue // another model version's window of the same seq
		}
		bySeq[ws.Seq] = len(d.Windows)
		sums = append(sums, ws)
		d.Windows = append(d.Windows, viewWindow{Seq: ws.Seq, Start: ws.Start, End: ws.End, Events: ws.Events, Late: ws.Late})
	}
	if len(d.Windows) == 0 {
		return nil
	}
	// The chosen window (default the newest).
	wi := len(d.Windows) - 1
	if i, ok := bySeq[seq]; ok {
		wi = i
	}
	d.Windows[wi].Selected = true
	var quality []drift.Result // the chosen window's
	for _, r := range res {
		i, ok := bySeq[r.WindowSeq]
		if !ok {
			continue
		}
		if r.Family == drift.Quality {
			d.Windows[i].QualityChecks++
			if r.Drifted {
				d.Windows[i].QualityFailed++
			}
			if i == wi {
				quality = append(quality, r)
			}
			continue
		}
		if !r.Decision {
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
	d.Newest = &d.Windows[len(d.Windows)-1]
	d.Selected = &d.Windows[wi]
	d.Series = buildSeries(d.Windows, wi)
	d.Quality = buildQuality(quality, sums[wi])

	// The histogram: the chosen window's, of the chosen feature (default
	// the first drifted one there, else the first).
	if feature == "" {
		for _, v := range d.Selected.Features {
			if v.Drifted && v.Family == drift.Covariate {
				feature = v.Feature
				break
			}
		}
	}
	cur := sums[wi]
	if feature == "" && len(cur.Features) > 0 {
		feature = cur.Features[0].Name
	}
	d.Feature = feature
	ref, source := s.viewReference(d.Model, sums, wi)
	d.Hist, d.Stats = buildHist(feature, cur, ref, source)
	if d.Hist != nil {
		for _, v := range d.Selected.Features {
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
func (s *Server) viewReference(model string, wins []*drift.WindowSummary, i int) (*drift.Reference, string) {
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
	if i > 0 {
		p := wins[i-1]
		return &drift.Reference{Model: model, Features: p.Features, Prediction: p.Prediction},
			fmt.Sprintf("previous window (seq %d)", p.Seq)
	}
	return nil, ""
}

// buildSeries turns the decision rows into one chart per feature, on a
// time axis of the windows' starts; sel is the chosen window's index.
// Each chart scales to its own statistic and threshold: statistics of
// different methods do not share a unit.
func buildSeries(wins []viewWindow, sel int) []viewSeries {
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
				byKey[k] = &viewSeries{Feature: v.Feature, Family: v.Family}
				order = append(order, k)
			}
		}
	}
	n := len(wins)
	t0, t1 := wins[0].Start, wins[n-1].Start
	frame := viewAxes{W: chartW, H: chartH, X0: axisLeft, X1: chartW - axisRight, Y0: axisTop, Y1: chartH - axisBottom}
	x := func(t time.Time) float64 {
		if !t1.After(t0) {
			return (frame.X0 + frame.X1) / 2
		}
		span := frame.X1 - frame.X0 - 2*chartPad
		return frame.X0 + chartPad + float64(t.Sub(t0))/float64(t1.Sub(t0))*span
	}
	ticks, layout := timeTicks(t0, t1, 6)
	for _, tk := range ticks {
		frame.XTicks = append(frame.XTicks, viewTick{Pos: x(tk), Label: tk.Format(layout)})
	}
	out := make([]viewSeries, 0, len(order))
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
		sr.Axes = frame
		yt, step := niceScale(0, hi, 5)
		top := yt[len(yt)-1]
		y := func(v float64) float64 { return frame.Y1 - finite(v)/top*(frame.Y1-frame.Y0) }
		for _, v := range yt {
			sr.Axes.YTicks = append(sr.Axes.YTicks, viewTick{Pos: y(v), Label: tickLabel(v, step)})
		}
		var stat, thr []byte
		for i, w := range wins {
			for _, v := range w.Features {
				if v.Family != k.fam || v.Feature != k.name {
					continue
				}
				px, py := x(w.Start), y(v.Statistic)
				stat = fmt.Appendf(stat, "%.1f,%.1f ", px, py)
				thr = fmt.Appendf(thr, "%.1f,%.1f ", px, y(v.Threshold))
				verdict := "no drift"
				if v.Drifted {
					verdict = "drifted"
				}
				title := fmt.Sprintf("seq %d, %s: %s %s vs threshold %s, %s", w.Seq, w.Start.UTC().Format("2006-01-02 15:04Z"),
					v.Method, formatNum(v.Statistic), formatNum(v.Threshold), verdict)
				sr.Points = append(sr.Points, viewPoint{X: px, Y: py, Drifted: v.Drifted, Seq: w.Seq, Title: title})
				sr.Method, sr.Last = v.Method, v
				if i == sel {
					sr.Sel = &v
					if sel != n-1 {
						sr.SelX = px
					}
				}
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

// histSide is one distribution of the histogram: its shares per slot and
// what the summary says of it.
type histSide struct {
	name   string // "reference …" or "this window"
	fs     *drift.FeatureSummary
	shares []float64
}

// buildHist draws the feature's reference and current distributions as
// shares side by side: numeric features over the reference's bins (the
// window's bin counts are exact over them), categorical ones per category.
// It returns the two sides' figures too.
func buildHist(feature string, cur *drift.WindowSummary, ref *drift.Reference, source string) (*viewHist, []viewStats) {
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
		return nil, nil
	}
	h := &viewHist{Feature: feature, Seq: cur.Seq, Start: cur.Start, RefSource: source, Numeric: cf.Kind == drift.Numeric}
	var labels []string
	var refShare, curShare []float64
	switch {
	case h.Numeric:
		curShare = shares(cf.BinCounts)
		if rf != nil && slices.Equal(rf.Edges, cf.Edges) && len(rf.BinCounts) == len(cf.BinCounts) {
			refShare = shares(rf.BinCounts)
		}
		labels = make([]string, len(curShare))
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
	var sides []histSide
	if refShare != nil {
		sides = append(sides, histSide{name: source, fs: rf, shares: refShare})
	} else {
		h.RefSource = ""
	}
	sides = append(sides, histSide{name: "this window", fs: cf, shares: curShare})
	stats := make([]viewStats, 0, len(sides))
	for _, sd := range sides {
		stats = append(stats, summaryStats(sd.name, sd.fs))
	}
	if len(labels) == 0 {
		return h, stats
	}
	hi := 0.0
	for _, sd := range sides {
		for _, v := range sd.shares {
			hi = max(hi, v)
		}
	}
	bottom := axisBottom
	if h.Numeric {
		bottom = histBottom
	}
	h.Axes = viewAxes{W: histW, H: histH, X0: axisLeft, X1: histW - axisRight, Y0: axisTop, Y1: histH - bottom}
	// Shares as percentages: the ticks say 20%, not 0.2.
	yt, step := niceScale(0, 100*hi, 5)
	top := yt[len(yt)-1] / 100
	y := func(share float64) float64 { return h.Axes.Y1 - share/top*(h.Axes.Y1-h.Axes.Y0) }
	for _, v := range yt {
		h.Axes.YTicks = append(h.Axes.YTicks, viewTick{Pos: y(v / 100), Label: tickLabel(v, step) + "%"})
	}
	slot := (h.Axes.X1 - h.Axes.X0) / float64(len(labels))
	bw := slot * 0.4
	if h.Numeric {
		h.Axes.XTicks, h.Outer = edgeTicks(cf.Edges, sides, h.Axes.X0, slot)
	}
	for i, l := range labels {
		x0 := h.Axes.X0 + float64(i)*slot + slot*0.1
		for j, sd := range sides {
			class := "current"
			if j == 0 && len(sides) == 2 {
				class = "reference"
			}
			what := l
			if h.Numeric {
				what = binRange(sd.fs, cf.Edges, i)
			}
			title := fmt.Sprintf("%s: %s of %s values in %s", sd.name, formatPct(sd.shares[i]), formatNum(float64(sd.fs.Count)), what)
			top := y(sd.shares[i])
			x := x0
			if class == "current" {
				x += bw
			}
			h.Bars = append(h.Bars, viewBar{Class: class, X: x, Y: top, W: bw, H: h.Axes.Y1 - top, Title: title})
		}
		if !h.Numeric {
			h.Labels = append(h.Labels, viewTick{Pos: x0 + bw, Label: l})
		}
	}
	return h, stats
}

// binRange names the values of one side in bin i of edges: [lo, hi) for
// an inner bin; for the open-ended outer bins, the side's observed min or
// max stands in for the missing bound, so that a bin reads [-3, 0) or
// [1, 9], not "below 0" or "1 and above", whenever it holds values.
func binRange(fs *drift.FeatureSummary, edges []float64, i int) string {
	n := len(edges)
	switch {
	case n == 0:
		return "all values"
	case i == 0:
		if v, ok := outerExtreme(fs, 0, n+1); ok {
			return "[" + formatNum(v) + ", " + formatNum(edges[0]) + ")"
		}
		return "below " + formatNum(edges[0])
	case i == n:
		if v, ok := outerExtreme(fs, n, n+1); ok {
			return "[" + formatNum(edges[n-1]) + ", " + formatNum(v) + "]"
		}
		return formatNum(edges[n-1]) + " and above"
	}
	return "[" + formatNum(edges[i-1]) + ", " + formatNum(edges[i]) + ")"
}

// outerExtreme returns the smallest value one side held in the lowest bin,
// or the largest in the highest, when that bin holds values. The
// summary's min sits in the lowest bin whenever that bin holds a value
// (bins are ordered by value), and its max in the highest, so the two are
// exact, not estimated.
func outerExtreme(fs *drift.FeatureSummary, bin, bins int) (float64, bool) {
	if fs == nil || fs.Count == 0 || len(fs.Edges) == 0 || bins < 2 || bin >= len(fs.BinCounts) || fs.BinCounts[bin] == 0 {
		return 0, false
	}
	switch bin {
	case 0:
		return fs.Min, true
	case bins - 1:
		return fs.Max, true
	}
	return 0, false
}

// edgeTicks labels a numeric histogram's x axis at the bins' edges, and
// its two ends with the smallest and the largest value either side held
// in the open-ended outer bins (left blank when both are empty), and says
// per side what those bins held.
func edgeTicks(edges []float64, sides []histSide, x0, slot float64) ([]viewTick, []string) {
	var ticks []viewTick
	for i, e := range edges {
		ticks = append(ticks, viewTick{Pos: x0 + float64(i+1)*slot, Label: formatNum(e), Anchor: "middle"})
	}
	if len(edges) == 0 {
		return ticks, nil
	}
	bins := len(edges) + 1
	var outer []string
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, sd := range sides {
		var said []string
		if v, ok := outerExtreme(sd.fs, 0, bins); ok {
			lo = min(lo, v)
			said = append(said, formatPct(sd.shares[0])+" in "+binRange(sd.fs, edges, 0))
		}
		if v, ok := outerExtreme(sd.fs, bins-1, bins); ok {
			hi = max(hi, v)
			said = append(said, formatPct(sd.shares[bins-1])+" in "+binRange(sd.fs, edges, bins-1))
		}
		if len(said) == 0 {
			said = append(said, "nothing below "+formatNum(edges[0])+" or from "+formatNum(edges[len(edges)-1])+" up")
		}
		outer = append(outer, sd.name+": "+strings.Join(said, ", "))
	}
	if !math.IsInf(lo, 0) {
		ticks = append([]viewTick{{Pos: x0, Label: "min " + formatNum(lo), Anchor: "start", Class: "outer"}}, ticks...)
	}
	if !math.IsInf(hi, 0) {
		ticks = append(ticks, viewTick{Pos: x0 + float64(bins)*slot, Label: "max " + formatNum(hi), Anchor: "end", Class: "outer"})
	}
	return ticks, outer
}

// summaryStats are the figures of one side of the histogram.
func summaryStats(side string, fs *drift.FeatureSummary) viewStats {
	st := viewStats{Side: side, Total: fs.Total(), Valid: fs.Count, Missing: fs.Missing, Invalid: fs.Invalid,
		Numeric: fs.Kind == drift.Numeric}
	if st.Numeric {
		st.Mean, st.Std, st.Min, st.Max = fs.Mean(), fs.Std(), fs.Min, fs.Max
		return st
	}
	st.Categories = len(fs.Categories)
	for _, c := range fs.SortedCategories() {
		if n := fs.Categories[c]; st.TopCategory == "" || n > fs.Categories[st.TopCategory] {
			st.TopCategory = c
		}
	}
	if fs.Count > 0 {
		st.TopShare = float64(fs.Categories[st.TopCategory]) / float64(fs.Count)
	}
	return st
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
