package demo

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/reference"
)

// csvDemo replays a CSV file: its first 10% of rows are the reference, the
// rest arrive one per minute of event time in count windows of o.Rows.
// With --prediction the chosen column is the model's output; with --label
// the true outcome too, each row's label sent on the labels topic once the
// next window's rows are out, so it lands after its window closed, as
// labels do in production.
func csvDemo(ctx context.Context, o Options, dir string) (*demoData, error) {
	path, rows := o.Data, o.Rows
	if rows < 2 {
		return nil, fmt.Errorf("--window %d: want at least 2 rows", rows)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("--data %s: %w", path, err)
	}
	if len(all) < 21 {
		return nil, fmt.Errorf("--data %s: %d rows; want at least 20 after the header", path, len(all)-1)
	}
	header, body := all[0], all[1:]
	cols, err := mapHeader(header)
	if err == nil {
		err = columnRoles(cols, splitList(o.Ignore), o.Label, o.Prediction)
	}
	if err != nil {
		return nil, fmt.Errorf("--data %s: %w", path, err)
	}
	// The reference holds the features under the demo's names, and the
	// prediction and label under the names the config reads them by.
	var keep []csvColumn
	for _, c := range cols {
		switch c.role {
		case roleFeature:
			keep = append(keep, c)
		case rolePrediction:
			c.name = "prediction"
			keep = append(keep, c)
		case roleLabel:
			c.name = "label"
			keep = append(keep, c)
		}
	}
	nRef := len(body) / 10
	refPath := filepath.Join(dir, "reference.csv")
	if err := writeColumns(refPath, keep, body[:nRef]); err != nil {
		return nil, err
	}
	inferred, err := reference.InferColumns(ctx, refPath)
	if err != nil {
		return nil, err
	}
	kinds := map[string]drift.FeatureKind{}
	for _, c := range inferred {
		kinds[c.Name] = c.Kind
	}

	model := strings.Map(func(r rune) rune {
		if r < 128 && nameByte(byte(r)) && r != ':' {
			return r
		}
		return '_'
	}, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	if model == "" {
		model = "data"
	}
	var yaml strings.Builder
	fmt.Fprintf(&yaml, `  - name: %s
    window: {events: %d}
    idle_timeout: %s
    reference: {file: %q}
`, model, rows, demoIdleTimeout, refPath)
	var predKind string
	pred, label := -1, -1
	for _, c := range cols {
		if c.role == rolePrediction {
			pred = c.pos - 1
			predKind = predictionKind(kinds["prediction"], c.pos-1, body[:nRef])
			fmt.Fprintf(&yaml, "    prediction: %s\n", predKind)
		}
	}
	for _, c := range cols {
		if c.role != roleLabel {
			continue
		}
		label = c.pos - 1
		if err := checkLabels(c, predKind, body); err != nil {
			return nil, fmt.Errorf("--data %s: %w", path, err)
		}
		// A label is sent about one window after its prediction: it must
		// not count as late.
		fmt.Fprintf(&yaml, "    label_delay: %s\n", max(7*24*time.Hour, time.Duration(2*rows)*time.Minute))
	}
	yaml.WriteString("    features:\n")
	for _, c := range cols {
		if c.role == roleFeature {
			fmt.Fprintf(&yaml, "      %q: %s\n", c.name, kinds[c.name])
		}
	}

	notes := renamed(cols)
	for _, c := range cols {
		switch c.role {
		case rolePrediction:
			notes = append(notes, fmt.Sprintf("header column %d %q is the prediction, of kind %s", c.pos, c.header, predKind))
		case roleLabel:
			notes = append(notes, fmt.Sprintf("header column %d %q is the label, sent after the next window's rows", c.pos, c.header))
		case roleIgnored:
			notes = append(notes, fmt.Sprintf("header column %d %q is left out", c.pos, c.header))
		}
	}
	dd := &demoData{model: model, modelYAML: yaml.String(), injectErrors: o.InjectErrors, notes: notes}
	stamp := func(i int) time.Time { return synthStart.Add(time.Duration(i) * time.Minute) }
	cur := body[nRef:]
	for i, rec := range cur {
		fv := map[string]any{}
		for _, c := range cols {
			if c.role == roleFeature {
				fv[c.name] = featureValue(strings.TrimSpace(rec[c.pos-1]), kinds[c.name])
			}
		}
		id := strconv.Itoa(nRef + i)
		ev := map[string]any{"model": model, "id": id, "timestamp": stamp(i).Format(time.RFC3339), "features": fv}
		if pred >= 0 {
			if v, ok := predictionValue(strings.TrimSpace(rec[pred]), predKind); ok {
				ev["prediction"] = v
			}
		}
		b, _ := json.Marshal(ev)
		dd.events = append(dd.events, b)
		if label < 0 {
			continue
		}
		if v := strings.TrimSpace(rec[label]); !drift.IsMissingToken(v) {
			// Window w's labels go out after window w+1's last row, stamped
			// one window after their prediction.
			w := i / rows
			b, _ := json.Marshal(map[string]any{"model": model, "id": id,
				"timestamp": stamp(i + rows).Format(time.RFC3339), "label": v})
			dd.labels = append(dd.labels, demoLabel{after: min((w+2)*rows, len(cur)) - 1, value: b})
			if dd.labelled == nil {
				dd.labelled = map[int]int{}
			}
			dd.labelled[w]++
		}
	}
	dd.windows = (len(dd.events) + rows - 1) / rows
	return dd, nil
}

// checkLabels says whether the label column c can be scored against a
// prediction of kind: a regression's labels are numbers, a score's 0 or 1
// (true or false: the positive class is "1", which matches true but not
// "1.0"), a class's anything. The error names the first row that
// cannot, by its line in the file (the header is line 1).
func checkLabels(c csvColumn, kind string, body [][]string) error {
	for i, r := range body {
		v := strings.TrimSpace(r[c.pos-1])
		if drift.IsMissingToken(v) {
			continue
		}
		_, num := reference.ParseNumber(v)
		switch {
		case kind == "regression" && !num:
			return fmt.Errorf("--label %q: line %d holds %q, but the prediction is a number outside [0, 1] (regression), whose labels are numbers",
				c.header, i+2, v)
		case kind == "score" && v != "0" && v != "1" && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false"):
			return fmt.Errorf("--label %q: line %d holds %q, but the prediction is a score in [0, 1], whose labels are 0 or 1 (true or false)",
				c.header, i+2, v)
		}
	}
	return nil
}

// writeColumns writes the columns cols of rows to a CSV file at path, under
// the columns' demo names.
func writeColumns(path string, cols []csvColumn, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.name
	}
	w.Write(rec)
	for _, r := range rows {
		for i, c := range cols {
			rec[i] = r[c.pos-1]
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// predictionKind is the config's kind of the prediction column col: class
// for text, score for numbers all in [0, 1] (the reference's, as read by
// the demo), regression for other numbers.
func predictionKind(k drift.FeatureKind, col int, ref [][]string) string {
	if k != drift.Numeric {
		return "class"
	}
	for _, r := range ref {
		v := strings.TrimSpace(r[col])
		if drift.IsMissingToken(v) {
			continue
		}
		if x, ok := reference.ParseNumber(v); ok && (x < 0 || x > 1) {
			return "regression"
		}
	}
	return "score"
}

// featureValue is a CSV cell as an event's feature value: null when
// missing, a number for a numeric feature; a cell of the wrong type is sent
// as the text it is, and counted as invalid, as in production.
func featureValue(v string, k drift.FeatureKind) any {
	switch {
	case drift.IsMissingToken(v):
		return nil
	case k == drift.Numeric:
		x, ok := reference.ParseNumber(v)
		if !ok || math.IsInf(x, 0) || math.IsNaN(x) {
			return v
		}
		return x
	}
	return v
}

// predictionValue is a CSV cell as the event's prediction; ok is false when
// it has none (missing, or not a number where the model's output is one:
// the event would be dead-lettered whole for a wrong type).
func predictionValue(v, kind string) (any, bool) {
	if drift.IsMissingToken(v) {
		return nil, false
	}
	if kind == "class" {
		return v, true
	}
	x, ok := reference.ParseNumber(v)
	if !ok || math.IsInf(x, 0) || math.IsNaN(x) {
		return nil, false
	}
	return x, true
}
