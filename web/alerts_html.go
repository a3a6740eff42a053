package web

import (
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/driftmon/driftmon/ingest"
	"github.com/driftmon/driftmon/storage"
)

// alertsPage is the HTML view notifications link to: the alert history and
// the active silences, for a person following a link from Slack.
var alertsPage = template.Must(template.New("alerts").Funcs(viewFuncs).Funcs(template.FuncMap{
	"short": shortenNumbers,
	// Seconds: a person matching a notification's time to its row.
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
}).Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>driftmon alerts{{if .Model}}: {{.Model}}{{end}}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}.back{margin:0}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
.firing{background:#fdd}.pending{background:#ffd}.resolved{background:#dfd}</style></head>
<body><p class="back"><a href="/{{with .Model}}?model={{.}}{{end}}">← back to the overview</a></p>
<h1>Alerts{{if .Model}} of {{.Model}}{{end}}</h1>
<table><tr><th>state</th><th>rule</th><th>model</th><th>version</th><th>family</th><th>feature</th><th>method</th>
<th>severity</th><th>value</th><th>started</th><th>fired</th><th>resolved</th><th>told</th><th>why</th></tr>
{{range .Alerts}}<tr class="{{.State}}"><td>{{.State}}</td><td>{{.Rule}}</td><td>{{.Model}}</td><td>{{.ModelVersion}}</td>
<td>{{.Family}}</td><td>{{if .Feature}}<a href="/?model={{.Model}}&amp;feature={{.Feature}}">{{.Feature}}</a>{{end}}</td><td>{{.Method}}</td><td>{{.Severity}}</td><td>{{num .Value}}</td>
<td>{{when .StartedAt}}</td><td>{{when .FiredAt}}</td><td>{{when .ResolvedAt}}</td><td>{{range .Receivers}}{{.}} {{end}}</td>
<td>{{short .Message}}</td></tr>
{{else}}<tr><td colspan="14">no alerts</td></tr>{{end}}</table>
<h2>Active silences</h2>
<table><tr><th>matchers</th><th>from</th><th>until</th><th>by</th><th>comment</th></tr>
{{range .Silences}}<tr><td>{{range $k, $v := .Matchers}}{{$k}}={{$v}} {{end}}</td><td>{{when .StartsAt}}</td>
<td>{{when .EndsAt}}</td><td>{{.CreatedBy}}</td><td>{{.Comment}}</td></tr>
{{else}}<tr><td colspan="5">none</td></tr>{{end}}</table>
</body></html>
`))

// longNumber is a decimal with more fractional digits than formatNum
// keeps: what %v makes of a float64 in an alert's stored message.
var longNumber = regexp.MustCompile(`-?\d+\.\d{5,}(?:e[-+]?\d+)?`)

// shortenNumbers prints the long numbers of an alert's message as the rest
// of the page prints numbers. The message is stored as the rule wrote it
// (notifications carry it too); only its display changes. Short numbers,
// times and versions are left as they are.
func shortenNumbers(msg string) string {
	return longNumber.ReplaceAllStringFunc(msg, func(n string) string {
		x, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return n
		}
		return formatNum(x)
	})
}

// alertsHTML serves GET /alerts[?model=M].
func (s *Server) alertsHTML(w http.ResponseWriter, r *http.Request) error {
	ar := s.store
	model, err := param(r.URL.Query(), "model", false, ingest.ValidModelName, "1 to 128 of [A-Za-z0-9_.-]")
	if err != nil {
		return err
	}
	alerts, err := ar.Alerts(r.Context(), storage.AlertQuery{Model: model, Limit: 200})
	if err != nil {
		return err
	}
	silences, err := ar.Silences(r.Context(), s.clock())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return alertsPage.Execute(w, map[string]any{"Model": model, "Alerts": alerts, "Silences": silences})
}
