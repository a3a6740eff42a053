package check

import (
	"slices"

	"github.com/driftmon/driftmon/drift"
)

// Distribution is a column's two sides over shared bins, for the HTML
// report's chart (and in JSON, where scripts can plot it too).
type Distribution struct {
	// Edges are a numeric column's inner bin edges: the reference's
	// deciles, duplicates merged, as the service bins its windows. The
	// bins are (-inf, e1), [e1, e2), ..., [eK, +inf): len(Edges)+1 of
	// them.
	Edges []float64 `json:"edges,omitempty"`
	// Categories are a categorical column's values, sorted.
	Categories []string `json:"categories,omitempty"`
	// Reference and Current are each side's share of its own values per
	// bin or category (each sums to 1, or is all 0 for a side without
	// values).
	Reference []float64 `json:"reference"`
	Current   []float64 `json:"current"`
}

// numericDistribution bins both samples at the reference's deciles.
func numericDistribution(ref, cur []float64) *Distribution {
	if len(ref) == 0 {
		return nil
	}
	sorted := ref
	if !slices.IsSorted(sorted) {
		sorted = slices.Sorted(slices.Values(ref))
	}
	d := &Distribution{Edges: drift.DecileEdges(sorted)}
	d.Reference, d.Current = shares(d.Edges, ref), shares(d.Edges, cur)
	return d
}

func shares(edges, xs []float64) []float64 {
	out := make([]float64, len(edges)+1)
	for _, x := range xs {
		out[drift.Bin(edges, x)]++
	}
	for i := range out {
		if len(xs) > 0 {
			out[i] /= float64(len(xs))
		}
	}
	return out
}

// categoricalDistribution turns aligned counts into shares.
func categoricalDistribution(cats []string, rc, cc []uint64) *Distribution {
	if len(cats) == 0 {
		return nil
	}
	return &Distribution{Categories: cats, Reference: countShares(rc), Current: countShares(cc)}
}

func countShares(c []uint64) []float64 {
	n := total(c)
	out := make([]float64, len(c))
	for i, v := range c {
		if n > 0 {
			out[i] = float64(v) / float64(n)
		}
	}
	return out
}
