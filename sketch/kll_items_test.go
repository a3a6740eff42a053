package sketch

import (
	"fmt"
	"math/bits"
	"slices"
	"testing"
)

// TestItems checks the weighted items against CDF at every item and the
// count, and that they are the stream itself while the sketch holds it
// whole.
func TestItems(t *testing.T) {
	cases := []struct {
		shape string
		n     int
	}{
		{"uniform", 100}, // no compaction: exact
		{"ties", 50000},  // ten distinct values
		{"normal", 200000},
		{"sawtooth", 30000},
		{"cauchy", 100000},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/n=%d", c.shape, c.n), func(t *testing.T) {
			xs := stream(c.shape, c.n, 7)
			s := NewKLL(DefaultKLLK)
			for _, x := range xs {
				s.Add(x)
			}
			vs, ws := s.Items()
			if len(vs) != s.Retained() || len(ws) != len(vs) {
				t.Fatalf("%d values, %d weights, %d retained", len(vs), len(ws), s.Retained())
			}
			if !slices.IsSorted(vs) {
				t.Fatal("values not ascending")
			}
			var total uint64
			for i, w := range ws {
				if bits.OnesCount64(w) != 1 {
					t.Fatalf("item %d: weight %d is not a power of two", i, w)
				}
				total += w
				// The CDF at an item counts every tie of it.
				if i+1 < len(vs) && vs[i+1] == vs[i] {
					continue
				}
				if got, want := float64(total)/float64(s.Count()), s.CDF(vs[i]); got != want {
					t.Fatalf("item %d at %v: cumulative weight %v, CDF %v", i, vs[i], got, want)
				}
			}
			if total != s.Count() {
				t.Errorf("weights sum to %d, count %d", total, s.Count())
			}
			if vs[0] < s.Min() || vs[len(vs)-1] > s.Max() {
				t.Errorf("items span [%v, %v] outside [%v, %v]", vs[0], vs[len(vs)-1], s.Min(), s.Max())
			}
			if c.n <= DefaultKLLK {
				if want := newExact(xs); !slices.Equal(vs, want) {
					t.Error("an exact sketch's items are not the stream, sorted")
				}
			}
		})
	}
	if xs, ws := NewKLL(DefaultKLLK).Items(); xs != nil || ws != nil {
		t.Error("empty sketch has items")
	}
	var zero KLL
	if xs, _ := zero.Items(); xs != nil {
		t.Error("zero sketch has items")
	}
}
