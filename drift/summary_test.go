package drift

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"unsafe"
)

// TestCategoriesSurviveBufferReuse observes categories whose strings alias
// one reused buffer, as decoded events do: the summary must keep its own
// copies, including of categories it has seen before.
func TestCategoriesSurviveBufferReuse(t *testing.T) {
	for _, kind := range []FeatureKind{Categorical, Boolean} {
		s := NewFeatureSummary("f", kind, nil, DefaultLimits(), 1)
		buf := make([]byte, 5)
		values := []string{"true ", "false", "true ", "true ", "false"}
		if kind == Categorical {
			values = []string{"DE   ", "FR   ", "DE   ", "US   ", "DE   "}
		}
		want := map[string]uint64{}
		for _, v := range values {
			copy(buf, v)
			n := len(v)
			if kind == Boolean {
				n = len(trim(v))
			}
			s.Observe(StringValue(unsafe.String(&buf[0], n)))
			want[v[:n]]++
		}
		copy(buf, "XXXXX")
		if !reflect.DeepEqual(s.Categories, want) {
			t.Errorf("%s: categories %v, want %v", kind, s.Categories, want)
		}
	}
}

func trim(s string) string {
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

func TestNumericCategoriesAndOverflow(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxCategories = 2
	s := NewFeatureSummary("f", Categorical, nil, lim, 1)
	for _, v := range []Value{NumberValue(3), NumberValue(3), StringValue("a"), StringValue("b"), NumberValue(0.5), NumberValue(3)} {
		s.Observe(v)
	}
	want := map[string]uint64{"3": 3, "a": 1, OtherCategory: 2}
	if !reflect.DeepEqual(s.Categories, want) || s.Count != 6 {
		t.Errorf("categories %v count %d, want %v and 6", s.Categories, s.Count, want)
	}
}

// TestSummaryJSONCarriesOverflow: values near 1e154 overflow the sum of
// squares; the summary must still encode (checkpoints are JSON) and come
// back the same.
func TestSummaryJSONCarriesOverflow(t *testing.T) {
	s := NewFeatureSummary("x", Numeric, []float64{0}, DefaultLimits(), 1)
	s.Observe(NumberValue(2e154))
	s.Observe(NumberValue(-1.7e308))
	s.Observe(NumberValue(-1.7e308))
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var back FeatureSummary
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if !math.IsInf(back.SumSq, 1) || !math.IsInf(back.Sum, -1) || back.Count != 3 || back.Min != -1.7e308 || back.Max != 2e154 {
		t.Errorf("round trip: sum %v sum_sq %v count %d min %v max %v", back.Sum, back.SumSq, back.Count, back.Min, back.Max)
	}
	if back.Sample.Seen() != 3 || back.Sketch.Count() != 3 || !reflect.DeepEqual(back.BinCounts, []uint64{2, 1}) {
		t.Errorf("round trip lost the sample, sketch or bins: %s", b)
	}
}
