package check

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
)

// WriteHTML writes the report as one self-contained page: the data set's
// verdict on top, then a summary table of every column (its verdict, the
// deciding method, statistic and threshold, its quality), each row
// linking to the column's section, in the summary's order (drifted first,
// then by how far past its threshold); then per column, in the file's
// order, both distributions overlaid in an inline SVG chart, the
// statistics with their thresholds and verdicts, and the quality checks.
//
// It loads nothing (no script, font or style sheet from anywhere), so the
// file opens offline, attached to a CI run; its one inline script sorts
// the summary when a heading is clicked, and its Content-Security-Policy
// allows that script alone (by its hash) and no request at all. Without
// JavaScript the summary keeps its order.
func (r *Report) WriteHTML(w io.Writer) error {
	page := htmlPage{Report: r, Summary: r.summary(), CSP: contentSecurityPolicy, Script: template.JS(sortScript)}
	anchors := make([]string, len(r.Columns))
	for _, s := range page.Summary {
		anchors[s.Index] = s.Anchor
	}
	for i := range r.Columns {
		page.Columns = append(page.Columns, htmlColumn{Column: &r.Columns[i], Anchor: anchors[i], Chart: chartOf(r.Columns[i].Distribution)})
	}
	return reportTemplate.Execute(w, page)
}

type htmlPage struct {
	*Report
	Summary []summaryRow
	Columns []htmlColumn
	CSP     string
	Script  template.JS
}

type htmlColumn struct {
	*Column
	Anchor string
	Chart  *chart
}

// sortScript sorts the summary table by the clicked (or Enter-pressed)
// heading, ascending then descending; a cell's data-sort, when present,
// is its key (numbers for data-type="number" headings, unknowns last
// either way). It marks the headings it serves with aria-sort, which is
// also how a test sees that it ran.
const sortScript = `(function () {
  var table = document.getElementById("summary-table");
  if (!table) return;
  var heads = table.tHead.rows[0].cells;
  function key(row, i, num) {
    var c = row.cells[i], v = c.getAttribute("data-sort");
    if (v === null) v = c.textContent;
    return num ? (v === "" ? NaN : Number(v)) : v.toLowerCase();
  }
  Array.prototype.forEach.call(heads, function (th, i) {
    var num = th.getAttribute("data-type") === "number";
    th.tabIndex = 0;
    th.setAttribute("aria-sort", "none");
    function sort() {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a, i, num), y = key(b, i, num);
        if (num && (isNaN(x) || isNaN(y))) return isNaN(x) - isNaN(y);
        var d = num ? (x > y) - (x < y) : x.localeCompare(y);
        return asc ? d : -d;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
    });
  });
})();`

// contentSecurityPolicy lets the page run its own script and inline
// styles and fetch nothing, so a report opened from a CI artifact cannot
// be made to call anywhere.
var contentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(sortScript))
	return "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

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
	"num":     num,
	"warning": warning,
	// sortKey is a number as the sort script reads it: "" for unknown.
	"sortKey": func(x float64) string {
		switch {
		case math.IsNaN(x):
			return ""
		case math.IsInf(x, 1):
			return "Infinity"
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	},
	"value": func(d *Result) string {
		v := numDigits(decisionValue(d), 4)
		if d.PValue != nil {
			v = "p = " + v
		}
		return v
	},
	"valueKey":       decisionValue,
	"shortThreshold": func(d *Result) string { return thresholdText(*d, 4) },
	"source":         func(d *Result) string { return sourceText(*d) },
	"past": func(x float64) string {
		switch {
		case math.IsNaN(x):
			return "-"
		case math.IsInf(x, 1):
			return "∞"
		}
		return numDigits(x, 3) + "×"
	},
	// breakable lets a long column name wrap after its underscores, where
	// a reader splits it, before it wraps anywhere.
	"breakable": func(name string) template.HTML {
		return template.HTML(strings.ReplaceAll(template.HTMLEscapeString(name), "_", "_<wbr>"))
	},
	"rank":         func(v string) int { return verdictRank[v] },
	"verdictClass": func(v string) string { return strings.ReplaceAll(v, " ", "-") },
	"failed":       func(f []Result) string { return strings.TrimPrefix(qualityText(f, 4, false), "FAIL ") },
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
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<title>driftmon check: {{.Current}} against {{.Reference}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 76em; padding: 0 1em; color: #222; }
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
table.summary { width: 100%; font-size: 13px; }
table.summary td, table.summary th { padding: .2em .5em; }
table.summary td.quality { white-space: nowrap; }
table.summary td:first-child { min-width: 10em; max-width: 20em; overflow-wrap: anywhere; }
code { overflow-wrap: anywhere; }
table.summary th[aria-sort] { cursor: pointer; white-space: nowrap; }
table.summary th[aria-sort]::after { content: " \2195"; color: #aaa; }
table.summary th[aria-sort="ascending"]::after { content: " \2191"; color: #222; }
table.summary th[aria-sort="descending"]::after { content: " \2193"; color: #222; }
table.summary td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.outcome.drifted, td.quality.failed { color: #b00020; font-weight: 600; }
td.outcome.report-only, td.outcome.not-compared { color: #777; }
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
{{/* The page is the data set's verdict, then its parts in order, each a
     section: a part that judges the data set as a whole belongs here,
     above the summary of the columns. */}}
{{template "summary" .}}
<p class="legend">Bars: <span style="background:#4a78c2;opacity:.45"></span>reference <span style="background:#e0702a;opacity:.7"></span>current, each as a share of its own values; numbers over the reference's decile bins (the outer ones open-ended).</p>
{{range .Columns}}
<section class="column" id="{{.Anchor}}" data-column="{{.Name}}">
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
{{range .Results}}{{if .Decision}}<tr class="decision{{if .Drifted}} failed{{end}}"><td>{{.Method}} (decides){{with warning .Note}}<br><small class="note">{{.}}</small>{{end}}</td><td>{{num .Statistic}}</td><td>{{pvalue .PValue}}</td><td>{{threshold .}}</td><td>{{if .Drifted}}drift{{else if eq .Threshold 0.0}}-{{else}}ok{{end}}</td></tr>
{{else}}<tr class="report"><td>{{.Method}}{{with warning .Note}}<br><small class="note">{{.}}</small>{{end}}</td><td>{{num .Statistic}}</td><td>{{pvalue .PValue}}</td><td>{{threshold .}}</td><td>report</td></tr>
{{end}}{{end}}</table>{{end}}
{{if .Quality}}<table class="quality">
<tr><th>quality check</th><th>value</th><th>limit</th><th>result</th></tr>
{{range .Quality}}<tr{{if .Drifted}} class="failed"{{end}}><td>{{.Method}}</td><td>{{num .Statistic}}</td><td>{{num .Threshold}}</td><td>{{if .Drifted}}FAILED{{else}}ok{{end}}</td></tr>
{{end}}</table>{{end}}
</section>
{{end}}
{{range .Skipped}}<p>skipped {{.Name}}: {{.Reason}}</p>{{end}}
<script>{{.Script}}</script>
</body>
</html>
{{define "summary"}}<section id="summary">
<h2>Columns</h2>
<p>Drifted first, then by how far past its threshold each column's statistic is (past: the statistic over its
threshold, or for a test the threshold over its p-value; above 1 drifts); quality lists the failed checks with their
values. A column's name leads to its details.</p>
<table class="summary" id="summary-table">
<thead><tr><th>column</th><th>kind</th><th data-type="number">verdict</th><th>decided by</th><th data-type="number">statistic</th><th data-type="number">threshold</th><th>threshold source</th><th data-type="number">past</th><th data-type="number">quality</th></tr></thead>
<tbody>
{{range .Summary}}<tr class="{{verdictClass .Verdict}}" data-column="{{.Name}}"><td><a href="#{{.Anchor}}">{{breakable .Name}}</a></td><td>{{.Kind}}</td><td class="outcome {{verdictClass .Verdict}}" data-sort="{{rank .Verdict}}">{{.Verdict}}</td>
{{- with .Decision}}<td>{{.Method}}</td><td class="num" data-sort="{{sortKey (valueKey .)}}">{{value .}}</td><td class="num" data-sort="{{if .Threshold}}{{sortKey .Threshold}}{{end}}">{{shortThreshold .}}</td><td>{{source .}}</td>
{{- else}}<td>-</td><td class="num" data-sort="">-</td><td class="num" data-sort="">-</td><td>-</td>{{end -}}
<td class="num" data-sort="{{sortKey .Past}}">{{past .Past}}</td><td class="quality{{if .Failed}} failed{{end}}" data-sort="{{len .Failed}}">{{range $i, $q := .Failed}}{{if $i}}<br>{{end}}{{$q.Method}} {{num $q.Statistic}}{{else}}ok{{end}}</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}`))
