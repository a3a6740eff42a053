package check

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
)

// WriteHTML writes the report as one self-contained page: the data set's
// verdict on top, then per column both distributions overlaid in an inline
// SVG chart, the statistics with their thresholds and verdicts, and the
// quality checks. It loads nothing (no script, font or style sheet from
// anywhere), so the file opens offline, attached to a CI run.
func (r *Report) WriteHTML(w io.Writer) error {
	page := htmlPage{Report: r}
	for i := range r.Columns {
		page.Columns = append(page.Columns, htmlColumn{Column: &r.Columns[i], Chart: chartOf(r.Columns[i].Distribution)})
	}
	return reportTemplate.Execute(w, page)
}

type htmlPage struct {
	*Report
	Columns []htmlColumn
}

type htmlColumn struct {
	*Column
	Chart *chart
}

// chart is a column's SVG, laid out here so the template only places it.
type chart struct {
	Width, Height int
	Reference     []bar
	Current       []bar
	Labels        []label
	Baseline      float64
	Max           string // the y axis' top, as a percentage
}

type bar struct {
	X, Y, W, H float64
	Title      string
}

type label struct {
	X    float64
	Text string
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 640, 220
	padL, padR     = 40, 10
	padT, padB     = 10, 40
)

// chartOf lays out both sides' shares as bars over the same slots, the
// current side drawn over the reference's: where they differ shows. Every
// bin gets one slot of the same width, so the open-ended outer bins of a
// numeric column are drawn like the others and the edges label the slot
// boundaries.
func chartOf(d *Distribution) *chart {
	if d == nil || len(d.Reference) == 0 {
		return nil
	}
	n := len(d.Reference)
	top := 0.0
	for i := range n {
		top = math.Max(top, math.Max(d.Reference[i], d.Current[i]))
	}
	if top == 0 {
		top = 1
	}
	c := &chart{Width: chartW, Height: chartH, Baseline: chartH - padB, Max: pct(top)}
	slot := float64(chartW-padL-padR) / float64(n)
	plotH := float64(chartH - padT - padB)
	for i := range n {
		x := padL + float64(i)*slot
		name := binName(d, i)
		for _, side := range []struct {
			bars  *[]bar
			share float64
			inset float64
		}{{&c.Reference, d.Reference[i], 1}, {&c.Current, d.Current[i], slot * 0.2}} {
			h := side.share / top * plotH
			*side.bars = append(*side.bars, bar{X: x + side.inset, Y: c.Baseline - h, W: slot - 2*side.inset, H: h,
				Title: fmt.Sprintf("%s: reference %s, current %s", name, pct(d.Reference[i]), pct(d.Current[i]))})
		}
		if d.Categories != nil {
			c.Labels = append(c.Labels, label{X: x + slot/2, Text: d.Categories[i]})
		} else if i > 0 {
			c.Labels = append(c.Labels, label{X: x, Text: strconv.FormatFloat(d.Edges[i-1], 'g', 4, 64)})
		}
	}
	return c
}

func binName(d *Distribution, i int) string {
	if d.Categories != nil {
		return strconv.Quote(d.Categories[i])
	}
	lo, hi := "-∞", "∞"
	if i > 0 {
		lo = strconv.FormatFloat(d.Edges[i-1], 'g', 6, 64)
	}
	if i < len(d.Edges) {
		hi = strconv.FormatFloat(d.Edges[i], 'g', 6, 64)
	}
	return "[" + lo + ", " + hi + ")"
}

func pct(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" }

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"num": num,
	"pvalue": func(p *float64) string {
		if p == nil {
			return "-"
		}
		return num(*p)
	},
	"threshold": func(r Result) string {
		var s string
		switch {
		case r.Threshold == 0:
			return "reported only"
		case r.PValue != nil:
			s = "p < " + num(r.Threshold)
		default:
			s = "> " + num(r.Threshold)
		}
		if r.ThresholdSource != "" {
			s += " (" + r.ThresholdSource + ")"
		}
		return s
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>driftmon check: {{.Current}} against {{.Reference}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
.verdict { padding: .8em 1em; border-radius: 4px; font-size: 1.2em; }
.verdict.drift, .failed { background: #fde2e1; }
tr.report td { color: #777; }
.verdict.ok { background: #e3f5e1; }
section.column { border-top: 1px solid #ccc; margin-top: 1.5em; }
table { border-collapse: collapse; margin: .5em 0; }
td, th { padding: .2em .8em; text-align: left; border-bottom: 1px solid #eee; }
svg .series.reference rect { fill: #4a78c2; fill-opacity: .45; }
svg .series.current rect { fill: #e0702a; fill-opacity: .7; }
svg text { font-size: 11px; fill: #555; }
.legend span { display: inline-block; width: 1em; height: 1em; vertical-align: middle; margin: 0 .3em 0 1em; }
</style>
</head>
<body>
<h1>driftmon check</h1>
<p>reference: <code>{{.Reference}}</code> ({{.RowsReference}} rows)<br>current: <code>{{.Current}}</code> ({{.RowsCurrent}} rows)</p>
{{with .Dataset}}<p id="dataset" class="verdict {{if .Drifted}}drift{{else}}ok{{end}}" data-drifted="{{.Drifted}}">
<strong>{{if .Drifted}}DRIFT{{else}}No drift{{end}}</strong>: {{.DriftedColumns}} of {{.Columns}} columns drifted
(share {{printf "%.3f" .DriftedShare}}, allowed {{printf "%.3f" .Threshold}}){{end}};
{{.QualityFailures}} quality check{{if ne .QualityFailures 1}}s{{end}} failed.</p>
<p class="legend">Bars: <span style="background:#4a78c2;opacity:.45"></span>reference <span style="background:#e0702a;opacity:.7"></span>current, each as a share of its own values; numbers over the reference's decile bins (the outer ones open-ended).</p>
{{range .Columns}}
<section class="column" data-column="{{.Name}}">
<h2>{{.Name}} <small>({{.Kind}})</small>: {{if .Drifted}}DRIFT{{else if and .Note (not .Results)}}not compared{{else}}no drift{{end}}{{if .Results}} <small>by {{.DecidedBy}}</small>{{end}}</h2>
<p>values: {{.NReference}} reference, {{.NCurrent}} current; missing {{.MissingReference}} / {{.MissingCurrent}}{{if eq .Kind "numeric"}}; invalid {{.InvalidReference}} / {{.InvalidCurrent}}{{end}}{{with .Note}}. {{.}}{{end}}</p>
{{with .Chart}}<svg class="chart" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="reference and current distributions">
<line x1="40" y1="{{.Baseline}}" x2="{{.Width}}" y2="{{.Baseline}}" stroke="#999"/>
<text x="0" y="20">{{.Max}}</text>
<g class="series reference">{{range .Reference}}<rect x="{{printf "%.1f" .X}}" y="{{printf "%.1f" .Y}}" width="{{printf "%.1f" .W}}" height="{{printf "%.1f" .H}}"><title>{{.Title}}</title></rect>{{end}}</g>
<g class="series current">{{range .Current}}<rect x="{{printf "%.1f" .X}}" y="{{printf "%.1f" .Y}}" width="{{printf "%.1f" .W}}" height="{{printf "%.1f" .H}}"><title>{{.Title}}</title></rect>{{end}}</g>
<g class="labels">{{$b := .Baseline}}{{range .Labels}}<text x="{{printf "%.1f" .X}}" y="{{$b}}" dy="16" text-anchor="middle">{{.Text}}</text>{{end}}</g>
</svg>{{end}}
{{if .Results}}<table class="statistics">
<tr><th>statistic</th><th>value</th><th>p-value</th><th>threshold</th><th>verdict</th></tr>
{{range .Results}}{{if .Decision}}<tr class="decision{{if .Drifted}} failed{{end}}"><td>{{.Method}} (decides)</td><td>{{num .Statistic}}</td><td>{{pvalue .PValue}}</td><td>{{threshold .}}</td><td>{{if .Drifted}}drift{{else if eq .Threshold 0.0}}-{{else}}ok{{end}}</td></tr>
{{else}}<tr class="report"><td>{{.Method}}</td><td>{{num .Statistic}}</td><td>{{pvalue .PValue}}</td><td>{{threshold .}}</td><td>report</td></tr>
{{end}}{{end}}</table>{{end}}
{{if .Quality}}<table class="quality">
<tr><th>quality check</th><th>value</th><th>limit</th><th>result</th></tr>
{{range .Quality}}<tr{{if .Drifted}} class="failed"{{end}}><td>{{.Method}}</td><td>{{num .Statistic}}</td><td>{{num .Threshold}}</td><td>{{if .Drifted}}FAILED{{else}}ok{{end}}</td></tr>
{{end}}</table>{{end}}
</section>
{{end}}
{{range .Skipped}}<p>skipped {{.Name}}: {{.Reason}}</p>{{end}}
</body>
</html>
`))
