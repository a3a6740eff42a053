package reference

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"slices"

	"github.com/driftmon/driftmon/drift"
)

// Column is one column of a reference file and the kind it is read as.
type Column struct {
	Name string
	Kind drift.FeatureKind
}

// PredictionName names the prediction's summary in a Reference, whatever
// the file calls the column, as it does in every window summary.
const PredictionName = "prediction"

// MaxNumericValues bounds the valid values held per numeric column while a
// file is read. Exact deciles need every value at once; the bound keeps a
// huge file from exhausting memory (8 bytes a value, about 40 MB a column,
// twice that for the column being sorted). Beyond it FromReader fails,
// naming the column: sample the file, or build the reference from windows.
const MaxNumericValues = 5_000_000

// MaxExactValues bounds the values a file reference's numeric summary
// keeps as its sample: a reference of up to 100,000 values per column is
// held whole (800 KB a column, 80 MB for a hundred), a bigger one as a
// uniform sample of 100,000, whose CDF is within 0.5% of the whole's
// (Dvoretzky-Kiefer-Wolfowitz at 99%) and which big windows combine with
// the sketch as they do their own.
const MaxExactValues = 100_000

// maxExactValues is MaxExactValues; tests lower it.
var maxExactValues = MaxExactValues

// maxNumericValues is MaxNumericValues; tests lower it.
var maxNumericValues = MaxNumericValues

var (
	// ErrTooManyValues: a numeric column holds more than MaxNumericValues
	// valid values.
	ErrTooManyValues = errors.New("too many values for an exact reference")
	// ErrNoValidValues: a numeric column has no finite number, so it has
	// no deciles to bin by.
	ErrNoValidValues = errors.New("no valid numeric values")
	// ErrNoColumns: nothing to summarise.
	ErrNoColumns = errors.New("no feature or prediction columns")
)

// FromCSV reads the CSV file at path (see FromReader) and builds the
// reference for the given feature columns and, when pred is not nil, the
// prediction column (numeric for score and regression, categorical for
// class). Model and ModelVersion are left for the caller to set; Source is
// "file:" + path.
func FromCSV(ctx context.Context, path string, features []Column, pred *Column, lim drift.Limits) (*drift.Reference, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reference file: %w", err)
	}
	defer f.Close()
	return FromReader(ctx, f, path, features, pred, lim)
}

// FromReader builds a reference from CSV text in one pass; name stands for
// the input in errors and in Source ("file:" + name).
//
// The first row is the header; fields are trimmed; the oracle's missing
// tokens ("", "?", "NA", "nan", "NaN", "null") count as Missing. A numeric
// value that is not a finite number (text, "inf", "NAN") counts as Invalid.
// Booleans are true/false (any case) or 1/0; anything else is Invalid.
//
// Numeric summaries are exact: their edges are drift.DecileEdges of all the
// column's valid values, and counts, moments, sketch and sample cover every
// value (the sample is all of them up to lim.SampleSize, a uniform sample
// beyond). Zero fields of lim take drift.DefaultLimits' values. Seeds come
// from the feature names, so rebuilding a reference gives the same one.
//
// Errors name the input, the line and the column: a row with the wrong
// number of fields, a declared column absent from the header, a numeric
// column with no valid value or more than MaxNumericValues.
func FromReader(ctx context.Context, r io.Reader, name string, features []Column, pred *Column, lim drift.Limits) (*drift.Reference, error) {
	if err := validate(features, pred); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	lim = withDefaults(lim)
	cols := slices.Clone(features)
	if pred != nil {
		cols = append(cols, *pred)
	}
	t, err := newTable(r, name)
	if err != nil {
		return nil, err
	}
	accs := make([]*accumulator, len(cols))
	for i, c := range cols {
		idx, err := t.column(c.Name)
		if err != nil {
			return nil, err
		}
		out := c.Name
		if pred != nil && i == len(features) {
			out = PredictionName
		}
		accs[i] = newAccumulator(c, out, idx, lim)
	}
	for {
		rec, line, err := t.next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		for _, a := range accs {
			if err := a.add(rec[a.idx]); err != nil {
				return nil, fmt.Errorf("%s:%d: column %q: %w", name, line, a.col.Name, err)
			}
		}
	}
	ref := &drift.Reference{Source: "file:" + name, Features: make([]*drift.FeatureSummary, len(features))}
	for i, a := range accs {
		s, err := a.summary(lim)
		if err != nil {
			return nil, fmt.Errorf("%s: column %q: %w", name, a.col.Name, err)
		}
		if i < len(features) {
			ref.Features[i] = s
		} else {
			ref.Prediction = s
		}
	}
	return ref, nil
}

// InferColumns reads the CSV file at path and says how the oracle would
// read each column, in header order: Numeric when every non-missing value
// parses as a float (as Python's float() does, so "inf" counts) and there
// is at least one, else Categorical. It never answers Boolean: the oracle
// compares booleans as categories. Unlike the oracle, it refuses a header
// with an empty or repeated name, which no feature could be declared by.
func InferColumns(ctx context.Context, path string) ([]Column, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reference file: %w", err)
	}
	defer f.Close()
	t, err := newTable(f, path)
	if err != nil {
		return nil, err
	}
	for i, h := range t.header {
		if h == "" {
			return nil, fmt.Errorf("%s:1: column %d has no name", path, i+1)
		}
		if slices.Index(t.header, h) != i {
			return nil, fmt.Errorf("%s:1: column %q: %w in the header", path, h, ErrDuplicateColumn)
		}
	}
	number := make([]bool, len(t.header)) // a value parsed
	text := make([]bool, len(t.header))   // a value did not parse
	for {
		rec, _, err := t.next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		for i, v := range rec {
			if text[i] || drift.IsMissingToken(v) {
				continue
			}
			if _, ok := ParseNumber(v); ok {
				number[i] = true
			} else {
				text[i] = true
			}
		}
	}
	cols := make([]Column, len(t.header))
	for i, h := range t.header {
		cols[i] = Column{Name: h, Kind: drift.Categorical}
		if number[i] && !text[i] {
			cols[i].Kind = drift.Numeric
		}
	}
	return cols, nil
}

func validate(features []Column, pred *Column) error {
	if len(features) == 0 && pred == nil {
		return ErrNoColumns
	}
	seen := make(map[string]bool, len(features))
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
	for _, c := range features {
		if err := check(c); err != nil {
			return err
		}
		if seen[c.Name] {
			return fmt.Errorf("column %q: %w among the features", c.Name, ErrDuplicateColumn)
		}
		seen[c.Name] = true
	}
	if pred != nil {
		return check(*pred)
	}
	return nil
}

func withDefaults(lim drift.Limits) drift.Limits {
	def := drift.DefaultLimits()
	if lim.SampleSize <= 0 {
		lim.SampleSize = def.SampleSize
	}
	if lim.MaxCategories <= 0 {
		lim.MaxCategories = def.MaxCategories
	}
	if lim.SketchK <= 0 {
		lim.SketchK = def.SketchK
	}
	return lim
}

// seed derives a summary's sample seed from its name, so a rebuilt
// reference draws the same sample.
func seed(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// accumulator gathers one column. Categorical and boolean columns go
// straight into their summary; numeric columns keep their valid values,
// in file order, until the edges can be computed from all of them.
type accumulator struct {
	col  Column
	idx  int // position in the header
	name string

	values           []float64
	missing, invalid uint64

	sum *drift.FeatureSummary // categorical and boolean
}

func newAccumulator(c Column, name string, idx int, lim drift.Limits) *accumulator {
	a := &accumulator{col: c, idx: idx, name: name}
	if c.Kind != drift.Numeric {
		a.sum = drift.NewFeatureSummary(name, c.Kind, nil, lim, seed(name))
	}
	return a
}

func (a *accumulator) add(v string) error {
	if drift.IsMissingToken(v) {
		if a.sum != nil {
			a.sum.Observe(drift.Value{Kind: drift.Missing})
		} else {
			a.missing++
		}
		return nil
	}
	switch a.col.Kind {
	case drift.Categorical:
		a.sum.Observe(drift.StringValue(v))
	case drift.Boolean:
		if b, ok := parseBool(v); ok {
			a.sum.Observe(drift.BoolValue(b))
		} else {
			a.sum.Observe(drift.Value{Kind: drift.Invalid})
		}
	case drift.Numeric:
		f, ok := ParseNumber(v)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			a.invalid++
			return nil
		}
		if len(a.values) >= maxNumericValues {
			return fmt.Errorf("more than %d values: %w", maxNumericValues, ErrTooManyValues)
		}
		a.values = append(a.values, f)
	}
	return nil
}

// summary finishes the column. A numeric column's values are released.
func (a *accumulator) summary(lim drift.Limits) (*drift.FeatureSummary, error) {
	if a.sum != nil {
		return a.sum, nil
	}
	if len(a.values) == 0 {
		return nil, ErrNoValidValues
	}
	sorted := slices.Clone(a.values)
	slices.Sort(sorted)
	edges := drift.DecileEdges(sorted)
	// A file reference keeps every value up to MaxExactValues (a window's
	// sample bound is for windows, which are many and stored): the exact
	// tests of small windows then compare with the whole reference, and a
	// big window's sketch estimate has one exact side.
	if n := min(len(a.values), maxExactValues); n > lim.SampleSize {
		lim.SampleSize = n
	}
	s := drift.NewFeatureSummary(a.name, drift.Numeric, edges, lim, seed(a.name))
	// File order, so the sample is the one a stream of the file would
	// draw.
	for _, x := range a.values {
		s.AddNumber(x)
	}
	s.Missing, s.Invalid = a.missing, a.invalid
	a.values = nil
	return s, nil
}
