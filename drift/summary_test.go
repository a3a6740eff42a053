package drift

import (
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
