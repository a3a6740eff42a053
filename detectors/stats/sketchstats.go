package stats

import (
	"math"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/sketch"
)

// A window bigger than its sample computes ks, wasserstein and
// wasserstein_norm from everything its summary holds rather than from its
// uniform subsample alone: the KLL sketch, which saw every value and whose
// rank error is about the same everywhere; the sample, which is finer in
// the tails; and what the summary knows exactly, its counts below each bin
// edge (anchored) and its mean (sketchPair.wasserstein). The KS p-value then
// speaks for the window's true size, not for 10,000 values. See FeaturePair
// for the error bounds.

// pwCDF is a CDF that is linear between knots and may jump at them: at
// xs[i] its left limit is left[i] and its value right[i], and between
// xs[i] and xs[i+1] it runs linearly from right[i] to left[i+1]. It is 0
// below xs[0] and 1 from the last knot on. An empirical CDF is the case
// left[i+1] == right[i] (flat between values, a jump at each).
type pwCDF struct {
	xs, left, right []float64
	n               uint64 // the number of values it stands for
}

// exactCDF is the empirical CDF of a sorted, non-empty sample, each
// fraction formed as scipy forms it (count / n).
//
// An empirical CDF's left limit at each knot is its value at the knot
// before, so left and right are one array offset by one, and a sample
// without ties is its own list of knots: the CDF costs 8 bytes a knot
// beside the sample (a prepared reference keeps one for every window),
// not 24. The slices are capped, so that nothing appended to one
// overwrites another; sorted must not change while the CDF is in use.
func exactCDF(sorted []float64) pwCDF {
	n := float64(len(sorted))
	knots := 0
	for i := range sorted {
		if i+1 == len(sorted) || sorted[i+1] != sorted[i] {
			knots++
		}
	}
	xs := sorted[:len(sorted):len(sorted)]
	if knots < len(sorted) {
		xs = make([]float64, 0, knots)
	}
	fs := make([]float64, 1, knots+1) // fs[0] = 0, the left limit at the first knot
	for i, x := range sorted {
		if i+1 < len(sorted) && sorted[i+1] == x {
			continue
		}
		if knots < len(sorted) {
			xs = append(xs, x)
		}
		fs = append(fs, float64(i+1)/n)
	}
	return pwCDF{xs: xs, left: fs[:knots:knots], right: fs[1 : knots+1 : knots+1], n: uint64(len(sorted))}
}

// sketchCDF estimates a sketch's CDF from its weighted items.
//
// The plain estimate, the sum of the weights at or below x, is a step
// function whose steps are as tall as the items' weights (up to 2^h / n for
// items at level h): on continuous data it runs below the true CDF just
// before each item and above it just after, a sawtooth that wasserstein
// integrates over the whole range. So an item retained once spreads its
// weight evenly from halfway to the item below it to halfway to the item
// above it (the outermost ones as far out as in, within the exact Min and
// Max), which makes the estimate piecewise linear where the data are
// continuous. The gain is modest (on insects' Att15 at 13,150 values, the
// sketch's own wasserstein error went from 0.024 to 0.022 reference stds):
// most of its error is rank error, which sideCDF reduces with the sample.
// A value retained as two or more items is an atom of the distribution (a
// tie too frequent for any compaction to lose: a binary or small-integer
// column, an imputed constant) and keeps its whole weight as a jump, as
// does the only value of a sketch holding one. A sketch that has never
// compacted holds the values themselves and gives their empirical CDF.
func sketchCDF(k *sketch.KLL) pwCDF {
	vs, ws := k.Items()
	if len(vs) == int(k.Count()) {
		return exactCDF(vs) // the sketch still holds every value
	}
	n := float64(k.Count())
	lo, hi := k.Min(), k.Max()
	// Distinct values, their total weight and whether each is an atom.
	type group struct {
		v    float64
		w    uint64
		atom bool
	}
	var gs []group
	for i, v := range vs {
		if len(gs) > 0 && gs[len(gs)-1].v == v {
			gs[len(gs)-1].w += ws[i]
			gs[len(gs)-1].atom = true
			continue
		}
		gs = append(gs, group{v: v, w: ws[i]})
	}
	if len(gs) == 1 {
		gs[0].atom = true
	}
	c := pwCDF{n: k.Count()}
	var cum uint64
	// knot appends a knot, merging it with the last when they coincide.
	knot := func(x, l, r float64) {
		if m := len(c.xs); m > 0 && c.xs[m-1] == x {
			c.right[m-1] = r
			return
		}
		c.xs, c.left, c.right = append(c.xs, x), append(c.left, l), append(c.right, r)
	}
	// mids[j] is the boundary between groups j and j+1, computed once so
	// that the spreads of neighbours meet exactly.
	mids := make([]float64, len(gs)-1)
	for j := range mids {
		mids[j] = gs[j].v + (gs[j+1].v-gs[j].v)/2
	}
	for j, g := range gs {
		before := float64(cum) / n
		cum += g.w
		after := float64(cum) / n
		if g.atom {
			knot(g.v, before, after)
			continue
		}
		var a, b float64
		if j > 0 {
			a = mids[j-1]
		}
		if j < len(mids) {
			b = mids[j]
		}
		switch j {
		case 0:
			a = max(g.v-(b-g.v), lo)
		case len(gs) - 1:
			b = min(g.v+(g.v-a), hi)
		}
		if !(a < b) { // no room to spread (a gap below float resolution)
			knot(g.v, before, after)
			continue
		}
		knot(a, before, before)
		knot(b, after, after)
	}
	c.right[len(c.right)-1] = 1 // rounding of cum/n
	return c
}

// cursor evaluates a pwCDF at ascending points.
type cursor struct {
	c *pwCDF
	i int // the knots before i are at or below the last point asked
}

// at returns the left limit and the value at x; x must not decrease from
// one call to the next.
func (u *cursor) at(x float64) (l, r float64) {
	c := u.c
	for u.i < len(c.xs) && c.xs[u.i] < x {
		u.i++
	}
	if u.i < len(c.xs) && c.xs[u.i] == x {
		return c.left[u.i], c.right[u.i]
	}
	switch {
	case u.i == 0:
		return 0, 0
	case u.i == len(c.xs):
		return 1, 1
	}
	x0, x1 := c.xs[u.i-1], c.xs[u.i]
	f0, f1 := c.right[u.i-1], c.left[u.i]
	f := f0 + (f1-f0)*((x-x0)/(x1-x0))
	return f, f
}

// unionKnots is the sorted union of both CDFs' knots.
func unionKnots(a, b pwCDF) []float64 {
	out := make([]float64, 0, len(a.xs)+len(b.xs))
	i, j := 0, 0
	for i < len(a.xs) || j < len(b.xs) {
		var v float64
		switch {
		case i == len(a.xs):
			v = b.xs[j]
		case j == len(b.xs):
			v = a.xs[i]
		default:
			v = min(a.xs[i], b.xs[j])
		}
		for i < len(a.xs) && a.xs[i] == v {
			i++
		}
		for j < len(b.xs) && b.xs[j] == v {
			j++
		}
		out = append(out, v)
	}
	return out
}

// cdfKS is sup |F_a - F_b|. Between the union's knots both are linear, so
// the supremum is at a knot, on one side of it or the other.
func cdfKS(a, b pwCDF) float64 {
	ua, ub := cursor{c: &a}, cursor{c: &b}
	var d float64
	for _, x := range unionKnots(a, b) {
		la, ra := ua.at(x)
		lb, rb := ub.at(x)
		d = max(d, math.Abs(la-lb), math.Abs(ra-rb))
	}
	return d
}

// cdfWasserstein is the integral of |F_a - F_b|, exact for the two
// piecewise linear functions: on each gap between the union's knots the
// difference is linear, and where it changes sign the gap splits at its
// root. The terms are summed with Neumaier's compensation (tens of
// thousands of them, of mixed size). For two empirical CDFs it is scipy's
// wasserstein_distance up to rounding.
func cdfWasserstein(a, b pwCDF) float64 {
	pos, neg := cdfWassersteinParts(a, b)
	return pos + neg
}

// cdfWassersteinParts is the integrals of the positive and the negative
// part of F_a - F_b (cdfWasserstein is their sum).
func cdfWassersteinParts(a, b pwCDF) (pos, neg float64) {
	ua, ub := cursor{c: &a}, cursor{c: &b}
	var ps, pc, ns, nc float64
	// add sums with Neumaier's compensation into (s, c).
	add := func(s, c *float64, term float64) {
		t := *s + term
		if math.Abs(*s) >= math.Abs(term) {
			*c += (*s - t) + term
		} else {
			*c += (term - t) + *s
		}
		*s = t
	}
	// part adds the integral over a gap of h of a linear difference
	// running from d0 to d1 to the right side.
	part := func(d0, d1, h float64) {
		switch {
		case d0 >= 0 && d1 >= 0:
			add(&ps, &pc, h*(d0+d1)/2)
		case d0 <= 0 && d1 <= 0:
			add(&ns, &nc, -h*(d0+d1)/2)
		default:
			// The root splits the gap at t = |d0| / (|d0| + |d1|).
			t := math.Abs(d0) / (math.Abs(d0) + math.Abs(d1))
			a0, a1 := h*t*math.Abs(d0)/2, h*(1-t)*math.Abs(d1)/2
			if d0 > 0 {
				add(&ps, &pc, a0)
				add(&ns, &nc, a1)
			} else {
				add(&ns, &nc, a0)
				add(&ps, &pc, a1)
			}
		}
	}
	var prev, prevDiff float64
	for k, x := range unionKnots(a, b) {
		la, ra := ua.at(x)
		lb, rb := ub.at(x)
		if k > 0 {
			part(prevDiff, la-lb, x-prev)
		}
		prev, prevDiff = x, ra-rb
	}
	return ps + pc, ns + nc
}

// sketchPair is one feature's input to the sketch path: the reference's
// exact CDF when its sample is complete, its sketch's otherwise, and the
// window's sketch.
type sketchPair struct {
	ref, cur pwCDF
	refStd   float64
	// dMean is mean(cur) - mean(ref), exact from the summaries' counts and
	// sums: the signed integral of F_ref - F_cur (see wasserstein).
	dMean float64
	w     float64
	wDone bool
}

// sketched reports whether a summary's statistics come from its sketch:
// its sample is not the whole window (or it has none) and its sketch holds
// values.
func sketched(f *drift.FeatureSummary) bool {
	return (f.Sample == nil || !f.Sample.Complete()) && f.Sketch != nil && f.Sketch.Count() > 0
}

// newSketchPair returns the sketch path's input, or nil when the window is
// not sketched (its sample is complete, so the exact path applies) or the
// reference has neither a complete sample nor a sketch. The reference's
// side (its exact CDF and std when its sample is complete, else its
// anchored estimate and moment std) comes prepared; curSorted is the
// window's sample, sorted (shared with the sample methods).
func newSketchPair(pr *PreparedFeature, cf *drift.FeatureSummary, curSorted func() []float64) *sketchPair {
	if !sketched(cf) {
		return nil
	}
	side, ok := pr.side()
	if !ok {
		return nil
	}
	sp := &sketchPair{cur: anchored(sideCDF(cf, curSorted), cf), ref: side.cdf, refStd: side.std}
	sp.dMean = cf.Mean() - pr.rf.Mean()
	return sp
}

// sketchPointError is the standard deviation of a KLL sketch's estimate of
// the CDF at one point, as a share of its RankError: measured at k = 256 on
// normal streams of 12,000 to 1,000,000 values, 10 seeds each, 0.0018 to
// 0.0021 (RankError 0.0105), the same in the tails as in the body.
const sketchPointError = 0.2

// sideCDF estimates the CDF of a summary whose sample is not the whole
// window from both of its independent estimates: the sketch (sketchCDF),
// whose error is about the same at every rank (sd sketchPointError *
// RankError), and the uniform sample of m of the N values, whose error is
// binomial, sd sqrt(F (1 - F) / m * (N - m) / (N - 1)): larger than the
// sketch's in the body, far smaller in the tails. At each knot of either
// the two are averaged with inverse-variance weights, so the body follows
// the sketch and the tails the sample. That matters for wasserstein, which
// integrates the error over x, and the tails span most of a skewed
// feature's range: on the insects features alone at 13,000 values, the
// sketch's error was up to 0.022 reference stds, a 10,000-value subsample's
// up to 0.012; on synthetic streams of 12,000 to 1,000,000 values the
// combination is about as good as the better of the two everywhere (and ks
// a little better than either). A weighted average of two CDFs at each
// point is within the larger of their errors there; it is made monotone by
// a running maximum (the weights change along x).
func sideCDF(f *drift.FeatureSummary, sorted func() []float64) pwCDF {
	k := sketchCDF(f.Sketch)
	if f.Sample == nil || len(f.Sample.Values()) == 0 {
		return k
	}
	s := exactCDF(sorted())
	m, n := float64(len(f.Sample.Values())), float64(f.Sample.Seen())
	fpc := (n - m) / max(n-1, 1)
	wk := 1 / math.Pow(sketchPointError*f.Sketch.RankError(), 2)
	mix := func(fk, fs float64) float64 {
		p := (fk + fs) / 2
		vs := p*(1-p)/m*fpc + 1e-300 // 0 where both say 0 or 1: the sample decides
		ws := 1 / vs
		return (wk*fk + ws*fs) / (wk + ws)
	}
	knots := unionKnots(k, s)
	out := pwCDF{
		xs:    knots,
		left:  make([]float64, 0, len(knots)),
		right: make([]float64, 0, len(knots)),
		n:     k.n,
	}
	ka, sa := cursor{c: &k}, cursor{c: &s}
	prev := 0.0
	for _, x := range knots {
		lk, rk := ka.at(x)
		ls, rs := sa.at(x)
		l := max(mix(lk, ls), prev)
		r := max(mix(rk, rs), l)
		out.left, out.right = append(out.left, l), append(out.right, r)
		prev = r
	}
	out.right[len(out.right)-1] = 1
	return out
}

// momentStd is the population std of a summary's valid values from its
// exact count, sum and sum of squares: what np.std of the whole reference
// gives, up to the rounding of the one-pass formula (relative error about
// 1e-16 * mean^2 / variance, far below anything a threshold sees).
func momentStd(f *drift.FeatureSummary) float64 {
	if f.Count == 0 {
		return math.NaN()
	}
	if f.Min == f.Max {
		return 0 // the formula would leave rounding noise
	}
	return f.Std()
}

// wasserstein corrects the estimated integral of |F_ref - F_cur| with what
// the summaries know exactly. With D = F_ref - F_cur and P, N the integrals
// of its positive and negative parts, P - N is mean(cur) - mean(ref), exact
// from the summaries' sums, so W = P + N = 2N + dMean = 2P - dMean: one part
// estimated is enough. The estimates' error lies in the tails, where the
// sketch and the sample hold few values spread over much of the range, so
// the part estimated is the one without the tails: a window reaching above
// the reference's maximum puts its upper tail in P (there F_ref = 1 >
// F_cur), one reaching below the minimum puts its lower tail in N, and so
// on. When both tails fall in one part, the other part alone is estimated
// (and is 0 where one distribution lies wholly above the other, which makes
// W exact there); when they fall in different parts, or neither side
// reaches beyond the other, both are, as P + N.
func (s *sketchPair) wasserstein() float64 {
	if s.wDone {
		return s.w
	}
	pos, neg := cdfWassersteinParts(s.ref, s.cur)
	s.w, s.wDone = pos+neg, true
	if math.IsNaN(s.dMean) || math.IsInf(s.dMean, 0) || len(s.ref.xs) == 0 || len(s.cur.xs) == 0 {
		return s.w
	}
	// tail is +1 when a tail lies in P, -1 in N, 0 when there is none.
	tail := func(refEnd, curEnd float64, upper bool) int {
		switch {
		case refEnd == curEnd:
			return 0
		case (curEnd > refEnd) == upper:
			// The window reaches beyond: above, F_ref = 1 > F_cur (P);
			// below, F_cur > 0 = F_ref (N).
			if upper {
				return 1
			}
			return -1
		default:
			if upper {
				return -1
			}
			return 1
		}
	}
	hi := tail(s.ref.xs[len(s.ref.xs)-1], s.cur.xs[len(s.cur.xs)-1], true)
	lo := tail(s.ref.xs[0], s.cur.xs[0], false)
	switch {
	case hi >= 0 && lo >= 0 && hi+lo > 0: // the tails in P: estimate N
		s.w = max(2*neg+s.dMean, math.Abs(s.dMean))
	case hi <= 0 && lo <= 0 && hi+lo < 0: // the tails in N: estimate P
		s.w = max(2*pos-s.dMean, math.Abs(s.dMean))
	}
	return s.w
}

// anchored pins an estimated CDF to the points where the summary knows its
// CDF exactly: just below each of its bin edges, the share of values below
// it (its exact bin counts), and 0 below Min, 1 at Max. Between two
// anchors the estimate is mapped affinely onto the exact rise, so its
// shape there stays the sketch's and sample's while its error no longer
// accumulates across bins.
func anchored(c pwCDF, f *drift.FeatureSummary) pwCDF {
	if len(f.Edges) == 0 || len(f.BinCounts) != len(f.Edges)+1 || f.Count == 0 || len(c.xs) == 0 {
		return c
	}
	n := float64(f.Count)
	// Anchors: (x, exact F(x-)), ascending, inside [Min, Max].
	type anchor struct{ x, f float64 }
	as := []anchor{{f.Min, 0}}
	var cum uint64
	for j, e := range f.Edges {
		cum += f.BinCounts[j]
		if e > f.Min && e <= f.Max && e > as[len(as)-1].x {
			as = append(as, anchor{e, float64(cum) / n})
		}
	}
	// The knots: the estimate's and the anchors'.
	ax := make([]float64, len(as))
	for i, a := range as {
		ax[i] = a.x
	}
	xs := unionKnots(c, pwCDF{xs: ax})
	out := pwCDF{xs: xs, left: make([]float64, len(xs)), right: make([]float64, len(xs)), n: c.n}
	cur := cursor{c: &c}
	for i, x := range xs {
		out.left[i], out.right[i] = cur.at(x)
	}
	// Estimated F(x-) at each anchor, then the affine map per segment
	// [a_j, a_j+1) (the last runs to the end).
	est := make([]float64, len(as))
	k := 0
	for j, a := range as {
		for xs[k] < a.x {
			k++
		}
		est[j] = out.left[k]
	}
	j := 0
	mapv := func(v float64, j int) float64 {
		lo, hi := as[j].f, 1.0
		elo, ehi := est[j], 1.0
		if j+1 < len(as) {
			hi, ehi = as[j+1].f, est[j+1]
		}
		if !(ehi > elo) {
			return lo // the estimate puts nothing here: keep the exact rise at the next anchor
		}
		return lo + (hi-lo)*(min(max(v, elo), ehi)-elo)/(ehi-elo)
	}
	for i, x := range xs {
		for j+1 < len(as) && as[j+1].x <= x {
			j++
		}
		// The left limit at an anchor belongs to the segment before it.
		lj := j
		if x == as[j].x && j > 0 {
			lj = j - 1
		}
		if x == as[j].x {
			out.left[i] = as[j].f
		} else {
			out.left[i] = mapv(out.left[i], lj)
		}
		out.right[i] = max(mapv(out.right[i], j), out.left[i])
	}
	out.right[len(out.right)-1] = 1
	return out
}

// stat is one sketch method's Stat, ks's p-value chosen by rule; ok is
// false for a method without a sketch version.
func (s *sketchPair) stat(m string, rule PValueRule) (st Stat, ok bool) {
	st.Method = m
	switch m {
	case MethodKS:
		d := cdfKS(s.ref, s.cur)
		d, p, exact := ksPValue(int(s.ref.n), int(s.cur.n), d, rule)
		st.Statistic, st.PValue, st.Note = d, &p, pValueKind(exact)
	case MethodWasserstein:
		st.Statistic = s.wasserstein()
	case MethodWassersteinNorm:
		if s.refStd > 0 {
			st.Statistic = s.wasserstein() / s.refStd
		} else {
			st.Statistic, st.Note = math.NaN(), "reference std is 0"
		}
	default:
		return st, false
	}
	return st, true
}
