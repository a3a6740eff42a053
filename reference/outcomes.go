package reference

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/driftmon/driftmon/drift"
)

// MaxOutcomes bounds the rows Outcomes keeps: the reference performance and
// its calibration need every pair at once (two short strings a row).
const MaxOutcomes = 5_000_000

// Outcome is one reference row's prediction and true label, as text, and
// a probabilities model's probabilities when the file has them.
type Outcome struct {
	Prediction, Label string
	// Probs holds the row's ProbaPrefix columns by class (the column name
	// without the prefix); nil without such columns. A missing or
	// non-numeric cell leaves its class out.
	Probs map[string]float64
}

// ProbaPrefix starts the name of a reference column holding a
// probabilities model's probability of one class: proba_<class>.
const ProbaPrefix = "proba_"

// OutcomesCSV reads the prediction and label columns of the CSV file at
// path, in file order, skipping rows where either is missing. ok is false
// when the header has no label column: the reference then has no
// performance to compare windows with. Errors name the file and line.
func OutcomesCSV(ctx context.Context, path, predColumn, labelColumn string) (out []Outcome, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("reference file: %w", err)
	}
	defer f.Close()
	t, err := newTable(f, path)
	if err != nil {
		return nil, false, err
	}
	if !slices.Contains(t.header, labelColumn) {
		return nil, false, nil
	}
	pi, err := t.column(predColumn)
	if err != nil {
		return nil, false, err
	}
	li, err := t.column(labelColumn)
	if err != nil {
		return nil, false, err
	}
	probaCols := map[int]string{}
	for i, h := range t.header {
		if class, ok := strings.CutPrefix(h, ProbaPrefix); ok && class != "" {
			probaCols[i] = class
		}
	}
	for {
		rec, line, err := t.next(ctx)
		if errors.Is(err, io.EOF) {
			return out, true, nil
		}
		if err != nil {
			return nil, false, err
		}
		p, l := rec[pi], rec[li]
		if drift.IsMissingToken(p) || drift.IsMissingToken(l) {
			continue
		}
		if len(out) >= MaxOutcomes {
			return nil, false, fmt.Errorf("%s:%d: more than %d labelled rows: %w", path, line, MaxOutcomes, ErrTooManyValues)
		}
		o := Outcome{Prediction: p, Label: l}
		if len(probaCols) > 0 {
			o.Probs = make(map[string]float64, len(probaCols))
			for i, class := range probaCols {
				if x, err := strconv.ParseFloat(rec[i], 64); err == nil && !drift.IsMissingToken(rec[i]) {
					o.Probs[class] = x
				}
			}
		}
		out = append(out, o)
	}
}
