package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, radixMinN - 1, radixMinN, 100000} {
		x := make([]float64, n)
		for i := range x {
			switch i % 5 {
			case 0:
				x[i] = rng.NormFloat64() * 1e-300
			case 1:
				x[i] = float64(rng.IntN(10)) // ties
			default:
				x[i] = rng.NormFloat64() * math.Exp(rng.NormFloat64()*20)
			}
		}
		if n > 10 {
			x[3], x[4], x[5], x[6] = math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 5e-324
		}
		want := slices.Clone(x)
		slices.Sort(want)
		SortFloats(x)
		for i := range x {
			if x[i] != want[i] {
				t.Fatalf("n=%d: [%d] = %v, want %v", n, i, x[i], want[i])
			}
		}
	}
	// every pass skipped: all keys alike but in the lowest digit
	x := []float64{}
	for i := range radixMinN {
		x = append(x, math.Float64frombits(math.Float64bits(1.5)+uint64((i*7919)%radixMinN)))
	}
	SortFloats(x)
	if !slices.IsSorted(x) {
		t.Error("one-digit keys unsorted")
	}
}

// TestNumpySum: the streaming sum is pairwiseSum term for term, also across
// numpy's blocks and with runs of zeros.
func TestNumpySum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 7, 8, 129, numpyBlock - 1, numpyBlock, numpyBlock + 1, 3*numpyBlock + 17} {
		x := make([]float64, n)
		s := newNumpySum(n)
		for i := range x {
			if i%11 < 4 {
				s.addZeros(1)
				continue
			}
			x[i] = rng.NormFloat64() * math.Exp(rng.NormFloat64()*10)
			s.add(x[i])
		}
		if got, want := s.sum(), pairwiseSum(x); got != want {
			t.Errorf("n=%d: %v, pairwiseSum %v", n, got, want)
		}
	}
	s := newNumpySum(0)
	s.add(1)
	s.addZeros(2*numpyBlock + 5)
	s.add(2)
	if s.sum() != 3 {
		t.Errorf("zeros: %v", s.sum())
	}
}
