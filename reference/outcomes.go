package reference

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/table"
)

// MaxOutcomes bounds the rows File.Outcomes keeps: the reference
// performance and its calibration need every pair at once (two short
// strings a row).
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

// outcomes gathers each row's prediction, label and probabilities.
type outcomes struct {
	pred, label int
	proba       []int    // the ProbaPrefix columns
	class       []string // by column: the class of a ProbaPrefix column
	rows        []Outcome

	// The current row.
	p, l  string
	probs map[string]float64
	// The prediction and label texts, kept once each: a class model has a
	// handful.
	interned map[string]string
}

// maxInterned bounds the distinct texts outcomes keeps one copy of: a
// regression's labels are mostly all different.
const maxInterned = 4096

func newOutcomes(h header, predColumn, labelColumn string) (*outcomes, error) {
	pi, err := h.index(predColumn)
	if err != nil {
		return nil, err
	}
	li, err := h.index(labelColumn)
	if err != nil {
		return nil, err
	}
	cols := h.r.Columns()
	o := &outcomes{pred: pi, label: li, class: make([]string, len(cols)), interned: map[string]string{}}
	for i, c := range cols {
		if class, ok := strings.CutPrefix(c.Name, ProbaPrefix); ok && class != "" && c.Type != table.OtherType {
			o.proba = append(o.proba, i)
			o.class[i] = class
		}
	}
	return o, nil
}

// columns are the columns the outcomes read.
func (o *outcomes) columns() []int {
	return append([]int{o.pred, o.label}, o.proba...)
}

// cell takes one cell of the current row.
func (o *outcomes) cell(col int, c table.Cell) {
	if col == o.pred {
		o.p = o.text(c)
	}
	if col == o.label {
		o.l = o.text(c)
	}
	if class := o.class[col]; class != "" {
		var x float64
		switch c.Kind {
		case table.Text:
			var err error
			if x, err = strconv.ParseFloat(text(c), 64); err != nil {
				return
			}
		case table.Number:
			x = c.Num
		default:
			return
		}
		if o.probs == nil {
			o.probs = make(map[string]float64, len(o.proba))
		}
		o.probs[class] = x
	}
}

// text is a prediction's or a label's text; "" when missing.
func (o *outcomes) text(c table.Cell) string {
	switch c.Kind {
	case table.Text:
		if s, ok := o.interned[text(c)]; ok {
			return s
		}
		s := string(c.Text)
		if len(o.interned) < maxInterned {
			o.interned[s] = s
		}
		return s
	case table.Number:
		return formatNumber(c.Num)
	case table.Bool:
		return drift.BoolValue(c.Bool).Str
	}
	return ""
}

// endRow keeps the current row when it has both a prediction and a label.
func (o *outcomes) endRow() error {
	p, l, probs := o.p, o.l, o.probs
	o.p, o.l, o.probs = "", "", nil
	if p == "" || l == "" {
		return nil
	}
	if len(o.rows) >= MaxOutcomes {
		return fmt.Errorf("more than %d labelled rows: %w", MaxOutcomes, ErrTooManyValues)
	}
	if probs == nil && len(o.proba) > 0 {
		probs = map[string]float64{}
	}
	o.rows = append(o.rows, Outcome{Prediction: p, Label: l, Probs: probs})
	return nil
}
