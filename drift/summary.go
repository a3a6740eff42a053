package drift

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/driftmon/driftmon/sketch"
)

// FeatureKind is the declared type of a feature.
type FeatureKind uint8

const (
	Numeric FeatureKind = iota + 1
	Categorical
	Boolean
)

func (k FeatureKind) String() string {
	switch k {
	case Numeric:
		return "numeric"
	case Categorical:
		return "categorical"
	case Boolean:
		return "boolean"
	}
	return "unknown"
}

// ParseFeatureKind reads the config spelling of a kind.
func ParseFeatureKind(s string) (FeatureKind, error) {
	switch s {
	case "numeric":
		return Numeric, nil
	case "categorical":
		return Categorical, nil
	case "boolean":
		return Boolean, nil
	}
	return 0, fmt.Errorf("unknown feature type %q (want numeric, categorical or boolean)", s)
}

// MarshalText and UnmarshalText let kinds travel as words in JSON.
func (k FeatureKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

func (k *FeatureKind) UnmarshalText(b []byte) error {
	v, err := ParseFeatureKind(string(b))
	*k = v
	return err
}

// OtherCategory collects the categories beyond a summary's bound.
const OtherCategory = "__other__"

// MaxUndeclared bounds the undeclared field names a window keeps: a
// producer sending a fresh field name per event must not grow it.
const MaxUndeclared = 64

// Default bounds of a summary; config may change them per model.
const (
	DefaultSampleSize    = 10000
	DefaultMaxCategories = 1000
	DefaultSketchK       = 256
)

// Limits bound the memory of one feature summary.
type Limits struct {
	SampleSize    int // bounded uniform sample, for exact tests on small windows
	MaxCategories int // distinct categories kept before OtherCategory
	SketchK       int // quantile sketch accuracy parameter
}

// DefaultLimits returns the bounds used when the config says nothing.
func DefaultLimits() Limits {
	return Limits{SampleSize: DefaultSampleSize, MaxCategories: DefaultMaxCategories, SketchK: DefaultSketchK}
}

// FeatureSummary is the mergeable summary of one feature over one window
// (or over a reference). Counts are exact; the sketch and the sample are the
// only approximations, and Sample.Complete() says when the sample is the
// whole window.
type FeatureSummary struct {
	Name string      `json:"name"`
	Kind FeatureKind `json:"kind"`
	// Count is the number of valid values; Missing and Invalid count the
	// rest, so Count+Missing+Invalid is the number of events observed.
	Count   uint64  `json:"count"`
	Missing uint64  `json:"missing"`
	Invalid uint64  `json:"invalid"`
	Sum     float64 `json:"sum"`
	SumSq   float64 `json:"sum_sq"`
	// Min and Max are of the valid values; 0 while Count is 0 (JSON has
	// no infinities).
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	// Edges are the inner bin edges fixed from the model's reference (see
	// Bin); BinCounts has len(Edges)+1 entries. Numeric features only.
	Edges     []float64         `json:"edges,omitempty"`
	BinCounts []uint64          `json:"bin_counts,omitempty"`
	Sketch    *sketch.KLL       `json:"sketch,omitempty"`
	Sample    *sketch.Reservoir `json:"sample,omitempty"`
	// Categories counts values of categorical and boolean features (and of
	// class predictions), at most Limits.MaxCategories of them plus
	// OtherCategory.
	Categories    map[string]uint64 `json:"categories,omitempty"`
	MaxCategories int               `json:"max_categories,omitempty"`

	numBuf []byte            // formats numeric categories without allocating
	keys   map[string]string // category -> the map's own copy of it (see key)
}

// NewFeatureSummary returns an empty summary. edges may be nil (no reference
// bins yet); the slice is shared, not copied, and must not be modified.
func NewFeatureSummary(name string, kind FeatureKind, edges []float64, lim Limits, seed uint64) *FeatureSummary {
	s := &FeatureSummary{Name: name, Kind: kind}
	if kind == Numeric {
		s.Edges = edges
		s.BinCounts = make([]uint64, len(edges)+1)
		s.Sketch = sketch.NewKLL(lim.SketchK)
		s.Sample = sketch.NewReservoir(lim.SampleSize, seed)
	} else {
		s.Categories = make(map[string]uint64)
		s.MaxCategories = lim.MaxCategories
	}
	return s
}

// Total is the number of events the summary observed.
func (s *FeatureSummary) Total() uint64 { return s.Count + s.Missing + s.Invalid }

// Observe adds one value. Values of the wrong type for the feature's kind
// count as Invalid.
func (s *FeatureSummary) Observe(v Value) {
	switch v.Kind {
	case Missing:
		s.Missing++
		return
	case Invalid:
		s.Invalid++
		return
	}
	switch s.Kind {
	case Numeric:
		if v.Kind != Number {
			s.Invalid++
			return
		}
		s.AddNumber(v.Num)
	case Categorical:
		switch v.Kind {
		case String, Bool:
			s.addCategoryString(v.Str)
		case Number:
			s.numBuf = strconv.AppendFloat(s.numBuf[:0], v.Num, 'g', -1, 64)
			s.addCategoryBytes(s.numBuf)
		}
	case Boolean:
		switch {
		case v.Kind == Bool:
			s.addCategoryString(v.Str)
		case v.Kind == Number && (v.Num == 0 || v.Num == 1):
			s.addCategoryString(BoolValue(v.Num == 1).Str)
		case v.Kind == String && (v.Str == "true" || v.Str == "false"):
			s.addCategoryString(v.Str)
		default:
			s.Invalid++
		}
	}
}

// AddNumber adds one finite number to a numeric summary.
func (s *FeatureSummary) AddNumber(x float64) {
	s.Count++
	s.Sum += x
	s.SumSq += x * x
	if s.Count == 1 || x < s.Min {
		s.Min = x
	}
	if s.Count == 1 || x > s.Max {
		s.Max = x
	}
	s.BinCounts[Bin(s.Edges, x)]++
	s.Sketch.Add(x)
	s.Sample.Add(x)
}

func (s *FeatureSummary) addCategoryString(v string) {
	s.Count++
	if k, ok := s.key(v); ok {
		s.Categories[k]++
		return
	}
	if len(s.Categories) < s.MaxCategories {
		k := strings.Clone(v) // v may alias a decode buffer
		s.keys[k] = k
		s.Categories[k]++
		return
	}
	s.Categories[OtherCategory]++
}

func (s *FeatureSummary) addCategoryBytes(b []byte) {
	if k, ok := s.key(string(b)); ok { // no allocation for the lookup
		s.Count++
		s.Categories[k]++
		return
	}
	s.addCategoryString(string(b))
}

// key returns the summary's own copy of category v. Incrementing through it
// matters: assigning to a Go map with a string key stores the key given,
// so m[v]++ with a v that aliases a decode buffer would leave the map keyed
// by bytes the next event overwrites.
func (s *FeatureSummary) key(v string) (string, bool) {
	if s.keys == nil {
		s.keys = make(map[string]string, len(s.Categories))
		for k := range s.Categories {
			s.keys[k] = k
		}
	}
	k, ok := s.keys[v]
	return k, ok
}

// Merge adds o into s. Both must summarise the same feature over the same
// bins; merging is how longer windows and references are built from
// shorter ones.
func (s *FeatureSummary) Merge(o *FeatureSummary) error {
	if s.Kind != o.Kind {
		return fmt.Errorf("merge %s: kind %s with %s", s.Name, s.Kind, o.Kind)
	}
	if len(s.BinCounts) != len(o.BinCounts) {
		return fmt.Errorf("merge %s: %d bins with %d", s.Name, len(s.BinCounts), len(o.BinCounts))
	}
	if o.Count > 0 && s.Kind == Numeric {
		if s.Count == 0 {
			s.Min, s.Max = o.Min, o.Max
		} else {
			s.Min, s.Max = math.Min(s.Min, o.Min), math.Max(s.Max, o.Max)
		}
	}
	s.Count += o.Count
	s.Missing += o.Missing
	s.Invalid += o.Invalid
	s.Sum += o.Sum
	s.SumSq += o.SumSq
	for i, c := range o.BinCounts {
		s.BinCounts[i] += c
	}
	if s.Sketch != nil && o.Sketch != nil {
		s.Sketch.Merge(o.Sketch)
	}
	if s.Sample != nil && o.Sample != nil {
		s.Sample.Merge(o.Sample)
	}
	s.keys = nil // rebuilt from Categories on the next Observe
	for k, c := range o.Categories {
		if _, ok := s.Categories[k]; ok || len(s.Categories) < s.MaxCategories || k == OtherCategory {
			s.Categories[k] += c
		} else {
			s.Categories[OtherCategory] += c
		}
	}
	return nil
}

// SampleValues is the summary's sample of numeric values, nil without one.
func (s *FeatureSummary) SampleValues() []float64 {
	if s.Sample == nil {
		return nil
	}
	return s.Sample.Values()
}

// Mean and Std (population) of the valid values; NaN when empty.
func (s *FeatureSummary) Mean() float64 {
	if s.Count == 0 {
		return math.NaN()
	}
	return s.Sum / float64(s.Count)
}

func (s *FeatureSummary) Std() float64 {
	if s.Count == 0 {
		return math.NaN()
	}
	m := s.Mean()
	v := s.SumSq/float64(s.Count) - m*m
	if v < 0 {
		v = 0 // rounding
	}
	return math.Sqrt(v)
}

// SortedCategories lists the category names in string order (the oracle's).
func (s *FeatureSummary) SortedCategories() []string {
	keys := make([]string, 0, len(s.Categories))
	for k := range s.Categories {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// WindowSummary is everything driftmon keeps of one model's window.
type WindowSummary struct {
	Model        string `json:"model"`
	ModelVersion string `json:"model_version"`
	// Seq numbers the model's windows: for duration windows it is
	// floor(start / duration), for count windows a running count. It keys
	// window rows where DateTime's seconds are too coarse.
	Seq   int64     `json:"seq"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Events counts the predictions in the window; Late counts events that
	// arrived for it after it had closed (they are not in the summaries).
	Events uint64 `json:"events"`
	Late   uint64 `json:"late"`
	// Undeclared counts, per field name not in the config, the events that
	// carried it (at most MaxUndeclared names, the rest under
	// OtherCategory); DuplicateIDs counts events whose id an earlier event
	// of the window already had. Both feed the schema_violations and
	// duplicate_ids quality checks.
	Undeclared   map[string]uint64 `json:"undeclared,omitempty"`
	DuplicateIDs uint64            `json:"duplicate_ids,omitempty"`
	// Features in the config's order; Prediction summarises the model's
	// output (nil when the model declares none).
	Features   []*FeatureSummary `json:"features"`
	Prediction *FeatureSummary   `json:"prediction,omitempty"`
}

// Feature returns the summary of the named feature, or nil.
func (w *WindowSummary) Feature(name string) *FeatureSummary {
	for _, f := range w.Features {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Reference is what a model's windows are compared with: one summary per
// feature (and for the prediction), whose Edges fix the bins of every
// window. Its samples are complete up to Limits.SampleSize values.
type Reference struct {
	Model        string `json:"model"`
	ModelVersion string `json:"model_version"`
	// Source says what the reference was built from: "file:PATH",
	// "window:FROM/TO" or "previous".
	Source     string            `json:"source"`
	Features   []*FeatureSummary `json:"features"`
	Prediction *FeatureSummary   `json:"prediction,omitempty"`
}

// Feature returns the reference summary of the named feature, or nil.
func (r *Reference) Feature(name string) *FeatureSummary {
	for _, f := range r.Features {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// jsonFloat is a float64 whose JSON form also carries +Inf, -Inf and NaN
// (as strings): a sum or a sum of squares overflows on values near 1e154,
// and encoding/json refuses non-finite numbers, which would fail every
// checkpoint of the window holding one.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	x := float64(f)
	switch {
	case math.IsNaN(x):
		return []byte(`"NaN"`), nil
	case math.IsInf(x, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(x, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, x, 'g', -1, 64), nil
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = jsonFloat(math.NaN())
	case `"+Inf"`:
		*f = jsonFloat(math.Inf(1))
	case `"-Inf"`:
		*f = jsonFloat(math.Inf(-1))
	default:
		x, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("sum: %w", err)
		}
		*f = jsonFloat(x)
	}
	return nil
}

// summaryJSON shadows the sums with their non-finite-safe form.
type summaryJSON struct {
	*plainSummary
	Sum   jsonFloat `json:"sum"`
	SumSq jsonFloat `json:"sum_sq"`
}

type plainSummary FeatureSummary

// MarshalJSON encodes the summary; see jsonFloat.
func (s *FeatureSummary) MarshalJSON() ([]byte, error) {
	return json.Marshal(summaryJSON{plainSummary: (*plainSummary)(s), Sum: jsonFloat(s.Sum), SumSq: jsonFloat(s.SumSq)})
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (s *FeatureSummary) UnmarshalJSON(b []byte) error {
	j := summaryJSON{plainSummary: (*plainSummary)(s)}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	s.Sum, s.SumSq = float64(j.Sum), float64(j.SumSq)
	return nil
}
