package stats

import (
	"math"
	"slices"
)

// radixMinN is the size from which SortFloats uses a radix sort. Below it
// slices.Sort is as fast and allocates nothing; at 1e6 normal values the
// radix sort takes 47 ms against slices.Sort's 127 ms on the 2-core CI
// machine, and sorting is most of the cost of NumericStats.
const radixMinN = 1 << 14

// SortFloats sorts x ascending in place, as NumericStats sorts its
// samples: the order SortedStat and BinCounts take. x must hold no NaN
// (every caller has rejected them); -0 sorts before +0, which compare
// equal anyway.
func SortFloats(x []float64) {
	if len(x) < radixMinN {
		slices.Sort(x)
		return
	}
	radixSortFloats(x)
}

// radixSortFloats is a least-significant-digit radix sort (Knuth, TAOCP
// vol. 3, 5.2.5) over 16-bit digits of an order-preserving integer key:
// flipping every bit of a negative float and only the sign bit of a
// positive one makes unsigned order equal float order (Herf, "Radix
// Tricks", 2001). Four passes over 16-bit digits measured faster than six
// over 11-bit or eight over 8-bit ones at 1e6 values (47, 62 and 61 ms).
// A pass where every key shares the digit (the sign and exponent digit of
// data within one binade) is skipped.
func radixSortFloats(x []float64) {
	const bits = 16
	const buckets = 1 << bits
	const passes = 64 / bits
	n := len(x)
	hist := make([]uint32, passes*buckets)
	keys := make([]uint64, 2*n)
	src, dst := keys[:n], keys[n:]
	for i, v := range x {
		k := floatKey(v)
		src[i] = k
		hist[k&(buckets-1)]++
		hist[buckets+(k>>16)&(buckets-1)]++
		hist[2*buckets+(k>>32)&(buckets-1)]++
		hist[3*buckets+k>>48]++
	}
	for p := range passes {
		h := hist[p*buckets : (p+1)*buckets]
		if slices.Contains(h, uint32(n)) {
			continue // one bucket holds everything: the order stands
		}
		var sum uint32
		for i, c := range h {
			h[i] = sum
			sum += c
		}
		shift := uint(p * bits)
		for _, k := range src {
			d := (k >> shift) & (buckets - 1)
			dst[h[d]] = k
			h[d]++
		}
		src, dst = dst, src
	}
	for i, k := range src {
		x[i] = keyFloat(k)
	}
}

func floatKey(x float64) uint64 {
	u := math.Float64bits(x)
	if u>>63 != 0 {
		return ^u
	}
	return u | 1<<63
}

func keyFloat(k uint64) float64 {
	if k>>63 != 0 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}
