package reference

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/sketch"
	"github.com/driftmon/driftmon/table"
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
// twice that for the column being sorted). Beyond it Load fails,
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

// Problems of a reference file or of its Spec; errors wrap them with the
// file, line and column they concern.
var (
	// ErrNoHeader: the file has no header row.
	ErrNoHeader = table.ErrNoHeader
	// ErrColumnNotFound: a declared column is not in the header.
	ErrColumnNotFound = errors.New("not in the header")
	// ErrDuplicateColumn: a column name appears twice in the header, or
	// twice among the declared features.
	ErrDuplicateColumn = errors.New("appears more than once")
	// ErrTooManyValues: a numeric column holds more than MaxNumericValues
	// valid values.
	ErrTooManyValues = errors.New("too many values for an exact reference")
	// ErrNoValidValues: a numeric column has no finite number, so it has
	// no deciles to bin by.
	ErrNoValidValues = errors.New("no valid numeric values")
	// ErrNoColumns: nothing to summarise.
	ErrNoColumns = errors.New("no feature or prediction columns")
)

// FromReader builds a reference from CSV text in one pass, as Load does
// from a CSV file; name stands for the input in errors and in Source
// ("file:" + name). r is not closed.
func FromReader(ctx context.Context, r io.Reader, name string, features []Column, pred *Column, lim drift.Limits) (*drift.Reference, error) {
	spec := Spec{Features: features, Prediction: pred, Limits: lim}
	if err := spec.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t, err := table.ReadCSV(r, name, table.DuplicateNames())
	if err != nil {
		return nil, fileError(name, err)
	}
	f, err := load(ctx, t, spec)
	if err != nil {
		return nil, err
	}
	return f.Ref, nil
}

// InferColumns reads the reference file at path (CSV or Parquet, as Load
// does) and says how the oracle would read each column, in header order:
// Numeric when every non-missing value is a number, as Python's float()
// reads one (so "inf" counts) from CSV text, and there is at least one,
// else Categorical. It never answers Boolean: the oracle compares booleans
// as categories. Unlike the oracle, it refuses a header with an empty or
// repeated name, which no feature could be declared by. Parquet columns of
// a type table does not read (table.OtherType) are left out.
func InferColumns(ctx context.Context, path string) ([]Column, error) {
	r, err := table.Open(path, table.DuplicateNames())
	if err != nil {
		return nil, fileError(path, err)
	}
	defer r.Close()
	h := header{r: r}
	var scan []int
	for i, c := range r.Columns() {
		if c.Name == "" {
			return nil, fmt.Errorf("%s: column %d has no name", h.start(), i+1)
		}
		if _, err := h.index(c.Name); err != nil {
			return nil, err
		}
		if c.Type != table.OtherType {
			scan = append(scan, i)
		}
	}
	number := make([]bool, len(r.Columns())) // a value parsed
	other := make([]bool, len(r.Columns()))  // a value did not parse
	err = r.Scan(ctx, scan, func(_ int64, i int, c table.Cell) error {
		switch {
		case other[i] || c.Kind == table.Missing:
		case c.Kind == table.Number:
			number[i] = true
		case c.Kind == table.Text:
			if _, ok := ParseNumber(text(c)); ok {
				number[i] = true
			} else {
				other[i] = true
			}
		default:
			other[i] = true
		}
		return nil
	})
	if err != nil {
		return nil, fileError(path, err)
	}
	var cols []Column
	for _, i := range scan {
		c := Column{Name: r.Columns()[i].Name, Kind: drift.Categorical}
		if number[i] && !other[i] {
			c.Kind = drift.Numeric
		}
		cols = append(cols, c)
	}
	return cols, nil
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
	name string

	values           []float64
	missing, invalid uint64
	noSketch         bool
	compactCap       int
	compact          *sketch.Compact

	sum *drift.FeatureSummary // boolean
	cat *categories           // categorical
}

// categories counts a categorical column as drift.FeatureSummary.Observe
// would, category by category in the order they first appear, the first
// MaxCategories of them kept and the rest counted as OtherCategory, with
// one map lookup a cell instead of Observe's two (counting categories was
// a seventh of a reference's load). summary makes the FeatureSummary.
type categories struct {
	index  map[string]int // category -> its place in counts
	keys   []string
	counts []uint64
	other  uint64 // values of categories beyond the bound
	max    int
	numBuf []byte
}

func (c *categories) add(k string) {
	if i, ok := c.index[k]; ok {
		c.counts[i]++
		return
	}
	if len(c.keys) < c.max {
		k = strings.Clone(k) // k may alias the reader's buffer
		c.index[k] = len(c.keys)
		c.keys = append(c.keys, k)
		c.counts = append(c.counts, 1)
		return
	}
	c.other++
}

func newAccumulator(c Column, name string, lim drift.Limits) *accumulator {
	a := &accumulator{col: c, name: name}
	switch c.Kind {
	case drift.Categorical:
		a.cat = &categories{index: map[string]int{}, max: lim.MaxCategories}
	case drift.Boolean:
		a.sum = drift.NewFeatureSummary(name, c.Kind, nil, lim, seed(name))
	}
	return a
}

// add adds a cell to the column; see Load for how each kind of cell reads.
func (a *accumulator) add(c table.Cell) error {
	if c.Kind == table.Missing {
		if a.sum != nil {
			a.sum.Observe(drift.Value{Kind: drift.Missing})
		} else {
			a.missing++
		}
		return nil
	}
	switch a.col.Kind {
	case drift.Categorical:
		// The category Observe makes of each kind of value.
		switch c.Kind {
		case table.Text:
			a.cat.add(text(c))
		case table.Number:
			a.cat.numBuf = strconv.AppendFloat(a.cat.numBuf[:0], c.Num, 'g', -1, 64)
			a.cat.add(unsafe.String(unsafe.SliceData(a.cat.numBuf), len(a.cat.numBuf)))
		case table.Bool:
			a.cat.add(drift.BoolValue(c.Bool).Str)
		}
	case drift.Boolean:
		switch c.Kind {
		case table.Text:
			if b, ok := parseBool(text(c)); ok {
				a.sum.Observe(drift.BoolValue(b))
			} else {
				a.sum.Observe(drift.Value{Kind: drift.Invalid})
			}
		case table.Number:
			a.sum.Observe(drift.Value{Kind: drift.Number, Num: c.Num})
		case table.Bool:
			a.sum.Observe(drift.BoolValue(c.Bool))
		}
	case drift.Numeric:
		var f float64
		ok := false
		switch c.Kind {
		case table.Text:
			f, ok = ParseNumber(text(c))
		case table.Number:
			f, ok = c.Num, true
		}
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
	if c := a.cat; c != nil {
		s := drift.NewFeatureSummary(a.name, drift.Categorical, nil, lim, seed(a.name))
		for i, k := range c.keys {
			s.Categories[k] = c.counts[i]
			s.Count += c.counts[i]
		}
		if c.other > 0 {
			s.Categories[drift.OtherCategory] += c.other // a value may be spelt __other__
			s.Count += c.other
		}
		s.Missing = a.missing
		return s, nil
	}
	if len(a.values) == 0 {
		return nil, ErrNoValidValues
	}
	var edges []float64
	if a.compactCap > 0 {
		// The compact summary needs the column sorted: its deciles are
		// read there, with no selection.
		sorted := slices.Clone(a.values)
		stats.SortFloats(sorted)
		edges = drift.DecileEdges(sorted)
		cp, err := sketch.NewCompact(sorted, a.compactCap)
		if err != nil {
			return nil, err
		}
		a.compact = cp
	} else {
		edges = decileEdges(a.values)
	}
	// A file reference keeps every value up to MaxExactValues (a window's
	// sample bound is for windows, which are many and stored): the exact
	// tests of small windows then compare with the whole reference, and a
	// big window's sketch estimate has one exact side.
	if n := min(len(a.values), maxExactValues); n > lim.SampleSize {
		lim.SampleSize = n
	}
	s := drift.NewFeatureSummary(a.name, drift.Numeric, edges, lim, seed(a.name))
	if a.noSketch {
		s.Sketch = nil
	}
	// A column that fits the sample is the sample, as adding its values
	// one by one makes it, without a copy.
	if len(a.values) <= lim.SampleSize {
		r, err := sketch.NewReservoirOf(a.values, lim.SampleSize, seed(a.name))
		if err != nil {
			return nil, err
		}
		s.Sample = r
	}
	// File order, so that the sums are the ones a stream of the file
	// adds, and a sample of a longer column the one it draws.
	addNumbers(s, a.values, len(a.values) > lim.SampleSize)
	s.Missing, s.Invalid = a.missing, a.invalid
	a.values = nil
	return s, nil
}

// addNumbers is drift.FeatureSummary.AddNumber for each of xs (finite) in
// turn, without the sample unless sample, and without the sketch when the
// summary has none.
func addNumbers(s *drift.FeatureSummary, xs []float64, sample bool) {
	for _, x := range xs {
		s.Count++
		s.Sum += x
		s.SumSq += x * x
		if s.Count == 1 || x < s.Min {
			s.Min = x
		}
		if s.Count == 1 || x > s.Max {
			s.Max = x
		}
		s.BinCounts[drift.Bin(s.Edges, x)]++
		if s.Sketch != nil {
			s.Sketch.Add(x)
		}
		if sample {
			s.Sample.Add(x)
		}
	}
}
