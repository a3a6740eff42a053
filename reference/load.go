package reference

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"unsafe"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/sketch"
	"github.com/driftmon/driftmon/table"
)

// Spec says what Load reads from a reference file.
type Spec struct {
	// Features are summarised under their own names, in this order.
	Features []Column
	// Prediction, when set, is summarised as the Reference's Prediction,
	// named PredictionName whatever the column is called: numeric for
	// score and regression models, categorical for class ones.
	Prediction *Column
	// Label names the column of true labels, if any. When the file has
	// it, Load also reads the outcomes: each row's Prediction and label.
	// A Label needs a Prediction.
	Label string
	// Limits bound the summaries; zero fields take drift.DefaultLimits'
	// values.
	Limits drift.Limits
	// NoSketch leaves the numeric summaries without their KLL sketch. A
	// file reference's sketch is read only where its sample is not the
	// whole column (beyond MaxExactValues), and a service that bounds its
	// references (detectors.Calibrations.Bound) drops it; building it was
	// a sixth of a load.
	NoSketch bool
	// Compact, when above 0, also summarises each numeric column in a
	// sketch.Compact of at most this many entries, made from all of its
	// valid values (File.Compacts): what a service keeps of the column.
	// The column is then sorted once, and its deciles read from it.
	Compact int
}

// File is what Load reads from a reference file.
type File struct {
	// Ref holds the feature and prediction summaries. Model and
	// ModelVersion are left for the caller to set; Source is "file:" +
	// the path.
	Ref *drift.Reference
	// Outcomes are the rows' predictions and true labels, in file order,
	// leaving out the rows where either is missing; see Outcome.
	Outcomes []Outcome
	// HasOutcomes says the file has the Spec's Label column. Without it
	// the reference has no performance to compare windows with.
	HasOutcomes bool
	// Compacts holds, by numeric summary of Ref, its column's
	// sketch.Compact when the Spec asked for them.
	Compacts map[*drift.FeatureSummary]*sketch.Compact
}

// Load reads the reference file at path in one pass and returns the
// summaries of spec's columns and, when the file has spec.Label, its
// outcomes. The file is Parquet or CSV as table.Open decides (the "PAR1"
// magic, or a .parquet or .pq name).
//
// Every cell is read as table gives it, trimmed, the missing tokens of
// drift.IsMissingToken counting as Missing. A CSV value is read for its
// column's kind: a numeric value that is not a finite number (text, "inf",
// "NAN") counts as Invalid; a boolean is true/false (any case) or 1/0, and
// anything else is Invalid. A Parquet value is read the same way from the
// text of a string column; a number or a boolean is read as drift reads
// one from an event (see drift.FeatureSummary.Observe), and a prediction or
// label that is a number becomes its shortest text, as drift writes a
// number category.
//
// Numeric summaries are exact: their edges are drift.DecileEdges of all the
// column's valid values, and counts, moments, sketch and sample cover every
// value (the sample holds every value up to MaxExactValues, a uniform
// sample beyond). Seeds come from the feature names, so loading a file
// again gives the same reference.
//
// Errors name the file, the column and, for a CSV file, the line (and the
// byte column of a malformed quote, as encoding/csv does); for a Parquet
// file, the row. Among them: a declared column absent from the file or
// named twice in it, a CSV row with the wrong number of fields, a numeric
// column with no valid value or more than MaxNumericValues, more than
// MaxOutcomes labelled rows.
func Load(ctx context.Context, path string, spec Spec) (*File, error) {
	if err := spec.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r, err := table.Open(path, table.DuplicateNames())
	if err != nil {
		return nil, fileError(path, err)
	}
	defer r.Close()
	return load(ctx, r, spec)
}

// load reads r in one pass: the summaries of spec's columns and the
// outcomes.
func load(ctx context.Context, r table.Reader, spec Spec) (*File, error) {
	name := r.Name()
	lim := withDefaults(spec.Limits)
	h := header{r: r}

	cols := slices.Clone(spec.Features)
	if spec.Prediction != nil {
		cols = append(cols, *spec.Prediction)
	}
	accs := make([]*accumulator, len(cols))
	var scan []int                                   // the columns read, each once
	feed := make([][]*accumulator, len(r.Columns())) // by column: the summaries it feeds
	for i, c := range cols {
		idx, err := h.index(c.Name)
		if err != nil {
			return nil, err
		}
		out := c.Name
		if i == len(spec.Features) {
			out = PredictionName
		}
		accs[i] = newAccumulator(c, out, lim)
		accs[i].noSketch, accs[i].compactCap = spec.NoSketch, spec.Compact
		if feed[idx] == nil {
			scan = append(scan, idx)
		}
		feed[idx] = append(feed[idx], accs[i])
	}
	var out *outcomes
	if spec.Label != "" && h.has(spec.Label) {
		var err error
		if out, err = newOutcomes(h, spec.Prediction.Name, spec.Label); err != nil {
			return nil, err
		}
		for _, idx := range out.columns() {
			if !slices.Contains(scan, idx) {
				scan = append(scan, idx)
			}
		}
	}
	// Cells come in the order of scan, row by row: a row is whole at its
	// last column.
	last := scan[len(scan)-1]

	var fnErr error
	err := r.Scan(ctx, scan, func(row int64, col int, c table.Cell) error {
		for _, a := range feed[col] {
			if err := a.add(c); err != nil {
				fnErr = fmt.Errorf("%s: column %q: %w", h.at(row), a.col.Name, err)
				return fnErr
			}
		}
		if out != nil {
			out.cell(col, c)
			if col == last {
				if err := out.endRow(); err != nil {
					fnErr = fmt.Errorf("%s: %w", h.at(row), err)
					return fnErr
				}
			}
		}
		return nil
	})
	switch {
	case fnErr != nil:
		return nil, fnErr
	case err != nil:
		return nil, fileError(name, err)
	}

	f := &File{Ref: &drift.Reference{Source: "file:" + name, Features: make([]*drift.FeatureSummary, len(spec.Features))}}
	for i, a := range accs {
		s, err := a.summary(lim)
		if err != nil {
			return nil, fmt.Errorf("%s: column %q: %w", name, a.col.Name, err)
		}
		if i < len(spec.Features) {
			f.Ref.Features[i] = s
		} else {
			f.Ref.Prediction = s
		}
		if a.compact != nil {
			if f.Compacts == nil {
				f.Compacts = map[*drift.FeatureSummary]*sketch.Compact{}
			}
			f.Compacts[s], a.compact = a.compact, nil
		}
	}
	if out != nil {
		f.Outcomes, f.HasOutcomes = out.rows, true
	}
	return f, nil
}

func (s *Spec) validate() error {
	if len(s.Features) == 0 && s.Prediction == nil {
		return ErrNoColumns
	}
	seen := make(map[string]bool, len(s.Features))
	check := func(c Column) error {
		if c.Name == "" {
			return errors.New("a column has no name")
		}
		switch c.Kind {
		case drift.Numeric, drift.Categorical, drift.Boolean:
		default:
			return fmt.Errorf("column %q: unknown kind %d", c.Name, c.Kind)
		}
		return nil
	}
	for _, c := range s.Features {
		if err := check(c); err != nil {
			return err
		}
		if seen[c.Name] {
			return fmt.Errorf("column %q: %w among the features", c.Name, ErrDuplicateColumn)
		}
		seen[c.Name] = true
	}
	if s.Prediction != nil {
		if err := check(*s.Prediction); err != nil {
			return err
		}
	}
	if s.Label != "" && s.Prediction == nil {
		return fmt.Errorf("label column %q: outcomes pair it with a prediction column, and none is given", s.Label)
	}
	return nil
}

// header finds declared columns in a file's header (a Parquet file's
// schema) and says where a row is, as errors write it.
type header struct {
	r table.Reader
}

// isCSV reports a CSV file, whose columns are Untyped: its positions are
// lines.
func (h header) isCSV() bool {
	cols := h.r.Columns()
	return len(cols) > 0 && cols[0].Type == table.Untyped
}

// start is where header errors point: line 1 of a CSV file.
func (h header) start() string {
	if h.isCSV() {
		return h.r.Name() + ":1"
	}
	return h.r.Name()
}

// at is where errors about a row point: file:line for CSV, "file: row n"
// for Parquet.
func (h header) at(row int64) string {
	if line := h.r.Line(row); line > 0 {
		return fmt.Sprintf("%s:%d", h.r.Name(), line)
	}
	return h.r.Name() + ": " + h.r.Location(row)
}

func (h header) has(name string) bool {
	return slices.ContainsFunc(h.r.Columns(), func(c table.Column) bool { return c.Name == name })
}

// index returns the position of a column. A name the file gives twice is
// an error only when asked for: an unused duplicate does no harm.
func (h header) index(name string) (int, error) {
	at := -1
	for i, c := range h.r.Columns() {
		if c.Name != name {
			continue
		}
		if at >= 0 {
			return 0, fmt.Errorf("%s: column %q: %w in the header", h.start(), name, ErrDuplicateColumn)
		}
		at = i
	}
	if at < 0 {
		return 0, fmt.Errorf("%s: column %q: %w", h.start(), name, ErrColumnNotFound)
	}
	return at, nil
}

// fileError gives an error of table (opening or scanning name) the form
// reference's errors have: file:line: for a CSV file's structure, as
// encoding/csv wrote them when it read the files here.
func fileError(name string, err error) error {
	var le *table.LineError
	if errors.As(err, &le) {
		switch {
		case le.CSV != nil && errors.Is(le.Err, table.ErrFieldCount):
			return fmt.Errorf("%s:%d: %s: %w", name, le.Line, le.Msg, le.CSV.Err)
		case le.CSV != nil:
			return fmt.Errorf("%s:%d:%d: %w", name, le.CSV.Line, le.CSV.Column, le.CSV.Err)
		}
		return fmt.Errorf("%s:%d: %s: %w", name, le.Line, le.Msg, le.Err)
	}
	// table leaves I/O errors and the context's bare; the rest name the
	// file already.
	if pe, ok := err.(*fs.PathError); ok && pe.Op == "open" {
		return fmt.Errorf("reference file: %w", err)
	}
	if _, ok := err.(*fs.PathError); ok || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", name, err)
	}
	return err
}

// text is a cell's bytes as a string without a copy, for values that are
// only looked at: drift.Value.Str may alias a buffer (a summary copies the
// categories it keeps), and the parsers keep nothing.
func text(c table.Cell) string {
	return unsafe.String(unsafe.SliceData(c.Text), len(c.Text))
}

// formatNumber writes a number cell as drift writes a number category.
func formatNumber(x float64) string {
	return strconv.FormatFloat(x, 'g', -1, 64)
}
