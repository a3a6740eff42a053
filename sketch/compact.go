package sketch

import (
	"fmt"
	"math"
)

// DefaultCompactCap is the number of entries a Compact keeps by default:
// 2,048 entries are 24 KiB (a float64 and a uint32 each), and the CDF a
// comparison builds on them 16 KiB more, so a numeric reference feature
// stays within 64 KiB however long its file. A column of at most 2,048
// distinct values is held exactly; a longer one within 1/4,096 of its CDF
// at every point.
const DefaultCompactCap = 2048

// Compact is a bounded summary of a sample of finite values, kept sorted:
// its distinct values with the number of values up to each.
//
// While the sample has at most Cap distinct values the summary is exact:
// Expand gives the sorted sample back, value for value. Beyond that the
// sorted sample is cut into Cap runs of equal length (to one value), and
// each run is kept as its middle value with the run's length (neighbouring
// runs of one value merge). Every value then stands within its run, so the
// empirical CDF of the expansion is within 1/(2 Cap) of the sample's at
// every point (half a run), and each quantile within half a run of ranks:
// a Kolmogorov-Smirnov distance moves by at most that much, a Wasserstein
// distance by at most the mean spread of a value within its run.
//
// A Compact is read-only once made and safe for concurrent use.
type Compact struct {
	values []float64 // ascending, distinct
	ends   []uint32  // ends[i]: how many sample values are <= values[i]
	exact  bool
}

// NewCompact summarises sorted (ascending, finite, fewer than 2^32 values)
// in at most capacity entries (at least 1). sorted is not kept.
func NewCompact(sorted []float64, capacity int) (*Compact, error) {
	n := len(sorted)
	if uint64(n) >= math.MaxUint32 {
		return nil, fmt.Errorf("compact: %d values: at most %d", n, math.MaxUint32-1)
	}
	for i, x := range sorted {
		if x-x != 0 {
			return nil, fmt.Errorf("compact: value %d is %v: want finite values", i, x)
		}
		if i > 0 && x < sorted[i-1] {
			return nil, fmt.Errorf("compact: value %d below value %d: want them sorted", i, i-1)
		}
	}
	capacity = max(capacity, 1)
	distinct := 0
	for i := range sorted {
		if i+1 == n || sorted[i+1] != sorted[i] {
			distinct++
		}
	}
	c := &Compact{}
	if distinct <= capacity {
		c.exact = true
		c.values = make([]float64, 0, distinct)
		c.ends = make([]uint32, 0, distinct)
		for i, x := range sorted {
			if i+1 == n || sorted[i+1] != x {
				c.values = append(c.values, x)
				c.ends = append(c.ends, uint32(i+1))
			}
		}
		return c, nil
	}
	c.values = make([]float64, 0, capacity)
	c.ends = make([]uint32, 0, capacity)
	for j := range capacity {
		lo := uint64(j) * uint64(n) / uint64(capacity)
		hi := uint64(j+1) * uint64(n) / uint64(capacity)
		if hi == lo {
			continue
		}
		x := sorted[(lo+hi-1)/2]
		if k := len(c.values) - 1; k >= 0 && c.values[k] == x {
			c.ends[k] = uint32(hi)
			continue
		}
		c.values = append(c.values, x)
		c.ends = append(c.ends, uint32(hi))
	}
	return c, nil
}

// N is the number of values summarised.
func (c *Compact) N() uint64 {
	if len(c.ends) == 0 {
		return 0
	}
	return uint64(c.ends[len(c.ends)-1])
}

// Exact reports whether the summary holds every value (Expand gives the
// sample back).
func (c *Compact) Exact() bool { return c.exact }

// Values are the distinct values kept, ascending (shared: do not modify).
func (c *Compact) Values() []float64 { return c.values }

// Ends are, per value of Values, how many values are at most it (shared:
// do not modify).
func (c *Compact) Ends() []uint32 { return c.ends }

// Expand writes the N values the summary stands for, ascending, into dst
// (grown when too small) and returns them: the sorted sample itself when
// the summary is exact.
func (c *Compact) Expand(dst []float64) []float64 {
	n := int(c.N())
	if cap(dst) < n {
		dst = make([]float64, n)
	}
	dst = dst[:n]
	from := 0
	for i, x := range c.values {
		to := int(c.ends[i])
		for j := from; j < to; j++ {
			dst[j] = x
		}
		from = to
	}
	return dst
}

// Bytes is the memory the summary holds.
func (c *Compact) Bytes() int { return 8*cap(c.values) + 4*cap(c.ends) }
