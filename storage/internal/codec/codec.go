package codec

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/sketch"
)

// Roles of a window's rows.
const (
	RoleFeature    = "feature"
	RolePrediction = "prediction"
	// RoleWindow marks the single row of a window with neither features nor
	// a prediction, so the window itself still round-trips.
	RoleWindow = "window"
	// RoleQuality carries the window's own quality counters in the
	// columns of a feature row (Count: duplicate ids; CategoryNames and
	// CategoryCounts: undeclared fields), so that they need no schema
	// change. Only windows with a counter set have one.
	RoleQuality = "quality"
)

// Feature is the flat form of one drift.FeatureSummary. Scalar floats use
// Float so that the JSON form keeps NaN and infinities (a sum can overflow).
type Feature struct {
	Role           string   `json:"role"`
	Name           string   `json:"name"`
	Kind           string   `json:"kind"`
	Count          uint64   `json:"count"`
	Missing        uint64   `json:"missing"`
	Invalid        uint64   `json:"invalid"`
	Sum            Float    `json:"sum"`
	SumSq          Float    `json:"sum_sq"`
	Min            Float    `json:"min"`
	Max            Float    `json:"max"`
	Edges          Floats   `json:"edges,omitempty"`
	BinCounts      []uint64 `json:"bin_counts,omitempty"`
	CategoryNames  []string `json:"category_names,omitempty"`
	CategoryCounts []uint64 `json:"category_counts,omitempty"`
	MaxCategories  uint32   `json:"max_categories,omitempty"`
	// Sketch is EncodeSketch's form; empty when the summary has none.
	Sketch []byte `json:"sketch,omitempty"`
	// Sample holds the reservoir's values, SampleSeen how many it was
	// offered, SampleCap its capacity (0: no reservoir) and SampleRNG its
	// random stream's state, so that a restored sample continues exactly as
	// the original would.
	Sample     Floats `json:"sample,omitempty"`
	SampleSeen uint64 `json:"sample_seen,omitempty"`
	SampleCap  uint32 `json:"sample_cap,omitempty"`
	SampleRNG  []byte `json:"sample_rng,omitempty"`
}

// Rows flattens a window's summaries: its features in order, then its
// prediction; a window with neither gives one RoleWindow row.
func Rows(w *drift.WindowSummary) ([]Feature, error) {
	rows := make([]Feature, 0, len(w.Features)+1)
	for _, f := range w.Features {
		r, err := FromSummary(RoleFeature, f)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	if w.Prediction != nil {
		r, err := FromSummary(RolePrediction, w.Prediction)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	if w.DuplicateIDs > 0 || len(w.Undeclared) > 0 {
		q := Feature{Role: RoleQuality, Count: w.DuplicateIDs}
		for _, k := range slices.Sorted(maps.Keys(w.Undeclared)) {
			q.CategoryNames = append(q.CategoryNames, k)
			q.CategoryCounts = append(q.CategoryCounts, w.Undeclared[k])
		}
		rows = append(rows, q)
	}
	if len(rows) == 0 {
		rows = append(rows, Feature{Role: RoleWindow})
	}
	return rows, nil
}

// Attach restores rows (in Rows' order) into w's Features and Prediction.
func Attach(w *drift.WindowSummary, rows []Feature) error {
	for _, r := range rows {
		switch r.Role {
		case RoleWindow:
			continue
		case RoleQuality:
			if len(r.CategoryNames) != len(r.CategoryCounts) {
				return fmt.Errorf("window %s/%d: quality row: %d names, %d counts", w.Model, w.Seq, len(r.CategoryNames), len(r.CategoryCounts))
			}
			w.DuplicateIDs = r.Count
			if len(r.CategoryNames) > 0 {
				w.Undeclared = make(map[string]uint64, len(r.CategoryNames))
				for i, k := range r.CategoryNames {
					w.Undeclared[k] = r.CategoryCounts[i]
				}
			}
			continue
		}
		s, err := r.Summary()
		if err != nil {
			return fmt.Errorf("window %s/%d: %w", w.Model, w.Seq, err)
		}
		switch r.Role {
		case RoleFeature:
			w.Features = append(w.Features, s)
		case RolePrediction:
			w.Prediction = s
		default:
			return fmt.Errorf("window %s/%d: row %q has unknown role %q", w.Model, w.Seq, r.Name, r.Role)
		}
	}
	return nil
}

// FromSummary flattens one summary.
func FromSummary(role string, s *drift.FeatureSummary) (Feature, error) {
	switch s.Kind {
	case drift.Numeric, drift.Categorical, drift.Boolean:
	default:
		return Feature{}, fmt.Errorf("feature %q: unknown kind %d", s.Name, s.Kind)
	}
	r := Feature{
		Role: role, Name: s.Name, Kind: s.Kind.String(),
		Count: s.Count, Missing: s.Missing, Invalid: s.Invalid,
		Sum: Float(s.Sum), SumSq: Float(s.SumSq), Min: Float(s.Min), Max: Float(s.Max),
		// Cloned: the window keeps counting into its slices, and an
		// in-memory store must not see that.
		Edges: slices.Clone(s.Edges), BinCounts: slices.Clone(s.BinCounts),
		MaxCategories: clampU32(s.MaxCategories),
	}
	if len(s.Categories) > 0 {
		r.CategoryNames = s.SortedCategories()
		r.CategoryCounts = make([]uint64, len(r.CategoryNames))
		for i, k := range r.CategoryNames {
			r.CategoryCounts[i] = s.Categories[k]
		}
	}
	var err error
	if r.Sketch, err = EncodeSketch(s.Sketch); err != nil {
		return Feature{}, fmt.Errorf("feature %q: %w", s.Name, err)
	}
	if s.Sample != nil {
		b, err := s.Sample.MarshalJSON()
		if err != nil {
			return Feature{}, fmt.Errorf("feature %q: sample: %w", s.Name, err)
		}
		// The reservoir exposes its random state only through its JSON form.
		var j reservoirJSON
		if err := json.Unmarshal(b, &j); err != nil {
			return Feature{}, fmt.Errorf("feature %q: sample: %w", s.Name, err)
		}
		r.Sample, r.SampleSeen, r.SampleRNG = j.Values, j.Seen, j.RNG
		r.SampleCap = clampU32(max(j.Cap, 1))
	}
	return r, nil
}

// reservoirJSON mirrors sketch.Reservoir's JSON form.
type reservoirJSON struct {
	Values []float64 `json:"values"`
	Seen   uint64    `json:"seen"`
	Cap    int       `json:"cap"`
	RNG    []byte    `json:"rng,omitempty"`
}

// Summary restores the summary a row was made from. The summary shares no
// memory with r, so callers may merge into it.
func (r Feature) Summary() (*drift.FeatureSummary, error) {
	kind, err := drift.ParseFeatureKind(r.Kind)
	if err != nil {
		return nil, fmt.Errorf("feature %q: %w", r.Name, err)
	}
	s := &drift.FeatureSummary{
		Name: r.Name, Kind: kind,
		Count: r.Count, Missing: r.Missing, Invalid: r.Invalid,
		Sum: float64(r.Sum), SumSq: float64(r.SumSq), Min: float64(r.Min), Max: float64(r.Max),
		MaxCategories: int(r.MaxCategories),
	}
	if len(r.Edges) > 0 {
		s.Edges = slices.Clone([]float64(r.Edges))
	}
	if kind == drift.Numeric || len(r.BinCounts) > 0 {
		if kind == drift.Numeric && len(r.BinCounts) != len(r.Edges)+1 {
			return nil, fmt.Errorf("feature %q: %d bin counts for %d edges", r.Name, len(r.BinCounts), len(r.Edges))
		}
		s.BinCounts = slices.Clone(r.BinCounts)
	}
	if len(r.CategoryNames) != len(r.CategoryCounts) {
		return nil, fmt.Errorf("feature %q: %d category names, %d counts", r.Name, len(r.CategoryNames), len(r.CategoryCounts))
	}
	if kind != drift.Numeric || len(r.CategoryNames) > 0 {
		s.Categories = make(map[string]uint64, len(r.CategoryNames))
		for i, k := range r.CategoryNames {
			s.Categories[k] = r.CategoryCounts[i]
		}
	}
	if s.Sketch, err = DecodeSketch(r.Sketch); err != nil {
		return nil, fmt.Errorf("feature %q: %w", r.Name, err)
	}
	if r.SampleCap > 0 {
		b, err := json.Marshal(reservoirJSON{Values: r.Sample, Seen: r.SampleSeen, Cap: int(r.SampleCap), RNG: r.SampleRNG})
		if err != nil {
			return nil, fmt.Errorf("feature %q: sample: %w", r.Name, err)
		}
		s.Sample = new(sketch.Reservoir)
		if err := s.Sample.UnmarshalJSON(b); err != nil {
			return nil, fmt.Errorf("feature %q: sample: %w", r.Name, err)
		}
	}
	return s, nil
}

// clampU32 fits a bound into its UInt32 column.
func clampU32(n int) uint32 {
	if n < 0 {
		return 0
	}
	if uint64(n) > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(n)
}

// Tags of EncodeSketch's first byte: which serialisation follows. Only
// the binary form is written; the JSON form, which sketch.KLL also has,
// still decodes.
const (
	tagBinary = 'B'
	tagJSON   = 'J'
)

// EncodeSketch serialises k: a tag byte, then its binary form. A nil
// sketch is empty. sketch.KLL's methods are called directly, so a sketch
// type without them does not build.
func EncodeSketch(k *sketch.KLL) ([]byte, error) {
	if k == nil {
		return nil, nil
	}
	b, err := k.AppendBinary([]byte{tagBinary})
	if err != nil {
		return nil, fmt.Errorf("encode sketch: %w", err)
	}
	return b, nil
}

// DecodeSketch reverses EncodeSketch; empty input is a nil sketch.
func DecodeSketch(b []byte) (*sketch.KLL, error) {
	if len(b) == 0 {
		return nil, nil
	}
	k := new(sketch.KLL)
	var err error
	switch b[0] {
	case tagBinary:
		err = k.UnmarshalBinary(b[1:])
	case tagJSON:
		err = k.UnmarshalJSON(b[1:])
	default:
		return nil, fmt.Errorf("decode sketch: unknown tag %q", b[0])
	}
	if err != nil {
		return nil, fmt.Errorf("decode sketch: %w", err)
	}
	return k, nil
}

// Float is a float64 whose JSON form keeps NaN and the infinities (as the
// strings "NaN", "+Inf" and "-Inf"), which encoding/json refuses.
type Float float64

func (f Float) MarshalJSON() ([]byte, error) { return appendFloat(nil, float64(f)), nil }

func (f *Float) UnmarshalJSON(b []byte) error {
	v, err := parseFloat(b)
	*f = Float(v)
	return err
}

// Floats is a []float64 with Float's JSON form for each element.
type Floats []float64

func (fs Floats) MarshalJSON() ([]byte, error) {
	if fs == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 2+len(fs)*20)
	b = append(b, '[')
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat(b, f)
	}
	return append(b, ']'), nil
}

func (fs *Floats) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*fs = nil
		return nil
	}
	out := make([]float64, len(raw))
	for i, r := range raw {
		v, err := parseFloat(r)
		if err != nil {
			return err
		}
		out[i] = v
	}
	*fs = out
	return nil
}

func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Inf"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

func parseFloat(b []byte) (float64, error) {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "+Inf":
			return math.Inf(1), nil
		case "-Inf":
			return math.Inf(-1), nil
		}
		return 0, fmt.Errorf("float: unexpected string %q", s)
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, fmt.Errorf("float: %w", err)
	}
	return v, nil
}
