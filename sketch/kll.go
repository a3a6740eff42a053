package sketch

import (
	"math"
	"math/bits"
	"slices"
)

// KLL is a mergeable quantile sketch of a stream of float64 values: the KLL
// sketch of Karnin, Lang and Liberty, "Optimal Quantile Approximation in
// Streams" (FOCS 2016, arXiv:1603.05346), in the lazy-compaction form used
// by Apache DataSketches (level capacities shrinking by 2/3 per level below
// the top, at least 8 items per level, one compaction at a time).
//
// The sketch keeps a hierarchy of levels; an item at level h stands for 2^h
// stream values. A full level is compacted: sorted, then every other item is
// kept, starting at a random offset, and promoted one level up with doubled
// weight. Each compaction adds an unbiased error of at most 2^h to any rank,
// which is what gives the rank error RankError reports.
//
// The coin flips come from a deterministic generator (SplitMix64) keyed by
// the compacted data, so replaying a stream rebuilds the same sketch bit for
// bit, and the generator's state travels with the encodings, so a sketch
// restored from a checkpoint goes on exactly as the original would have.
//
// Add ignores NaN and ±Inf: driftmon counts those as invalid values, and
// keeping them out keeps Count equal to the number of valid values.
//
// A KLL is not safe for concurrent use; queries do not modify it, so
// concurrent queries without writers are safe. The zero value is an empty
// sketch with k = DefaultKLLK.
type KLL struct {
	k    int // accuracy parameter; level capacities derive from it
	minK int // smallest k merged into this sketch; it sets the error
	n    uint64
	min  float64 // +Inf while empty
	max  float64 // -Inf while empty
	rng  uint64  // SplitMix64 state for the compaction coins

	// items holds every retained item. Level h is items[levels[h]:levels[h+1]];
	// len(levels) is the number of levels plus one. The free space is at the
	// front, below levels[0], and level 0 grows downwards into it, so Add is
	// a store and a decrement. len(items) is always the total capacity of the
	// current number of levels. Levels above 0 are sorted; level 0 is not.
	items  []float64
	levels []uint32
	// caps[h] is levelCapacity(k, number of levels, h), cached because
	// compactOne asks for it on every compaction.
	caps [kllMaxLevels]uint32
}

const (
	// DefaultKLLK is the accuracy parameter driftmon uses by default: a
	// normalised rank error of about 1.05% at 99% confidence and about 770
	// retained values (6 KB) however long the stream.
	DefaultKLLK = 256
	// MinKLLK and MaxKLLK bound k; NewKLL clamps to them.
	MinKLLK = 8
	MaxKLLK = 1<<16 - 1

	// kllMinWidth is the capacity of the lowest levels: below it the
	// geometric capacities would compact too often to be cheap.
	kllMinWidth = 8
	// kllMaxLevels bounds the level count: 2^64 values need at most 64.
	kllMaxLevels = 64
	// kllSeed starts every sketch's coin generator.
	kllSeed = 0x6b6c6c2d736b6574 // "kll-sket"
)

// NewKLL returns an empty sketch with accuracy parameter k (clamped to
// [MinKLLK, MaxKLLK]). Its rank error is KLLRankError(k); its size is about
// 3k values.
func NewKLL(k int) *KLL {
	s := &KLL{}
	s.init(k)
	return s
}

func (s *KLL) init(k int) {
	k = min(max(k, MinKLLK), MaxKLLK)
	c := uint32(levelCapacity(k, 1, 0))
	*s = KLL{
		k:      k,
		minK:   k,
		min:    math.Inf(1),
		max:    math.Inf(-1),
		rng:    kllSeed,
		items:  make([]float64, c),
		levels: []uint32{c, c},
	}
	s.setCaps()
}

// setCaps fills caps for the current number of levels.
func (s *KLL) setCaps() {
	numLevels := min(len(s.levels)-1, kllMaxLevels)
	for h := range numLevels {
		s.caps[h] = uint32(levelCapacity(s.k, numLevels, h))
	}
}

// Add adds one value. Amortised cost is a few tens of nanoseconds; it
// allocates only when the sketch grows a level, that is O(log n) times.
func (s *KLL) Add(x float64) {
	if x-x != 0 { // NaN or ±Inf
		return
	}
	if len(s.levels) == 0 {
		s.init(DefaultKLLK)
	}
	if x < s.min {
		s.min = x
	}
	if x > s.max {
		s.max = x
	}
	s.push(x)
	s.n++
}

// push stores x at level 0, compacting first when the sketch is full.
func (s *KLL) push(x float64) {
	if s.levels[0] == 0 {
		s.compactOne()
	}
	s.levels[0]--
	s.items[s.levels[0]] = x
}

// Count is the number of values added (directly or through Merge).
func (s *KLL) Count() uint64 { return s.n }

// Min is the smallest value added, exactly; NaN when empty.
func (s *KLL) Min() float64 {
	if s.n == 0 {
		return math.NaN()
	}
	return s.min
}

// Max is the largest value added, exactly; NaN when empty.
func (s *KLL) Max() float64 {
	if s.n == 0 {
		return math.NaN()
	}
	return s.max
}

// K is the sketch's accuracy parameter.
func (s *KLL) K() int {
	if s.k == 0 {
		return DefaultKLLK
	}
	return s.k
}

// Retained is the number of values the sketch stores.
func (s *KLL) Retained() int {
	if len(s.levels) == 0 {
		return 0
	}
	return int(s.levels[len(s.levels)-1] - s.levels[0])
}

// RankError is the sketch's normalised rank error at 99% confidence: for
// any x, |CDF(x) - F(x)| <= RankError() where F is the exact fraction of
// values <= x, and the true normalised rank of Quantile(q) lies within
// RankError() of q. It is KLLRankError of the smallest k merged into the
// sketch; while the sketch holds every value (no compaction yet) its answers
// are exact, but the bound is still reported.
func (s *KLL) RankError() float64 {
	if s.minK == 0 {
		return KLLRankError(DefaultKLLK)
	}
	return KLLRankError(s.minK)
}

// MassError is the error at 99% confidence of the estimated mass between
// two values, CDF(b) - CDF(a), as when binning from the sketch; it is larger
// than RankError because the errors at both ends can add. See KLLMassError.
func (s *KLL) MassError() float64 {
	if s.minK == 0 {
		return KLLMassError(DefaultKLLK)
	}
	return KLLMassError(s.minK)
}

// KLLRankError is the normalised single-rank error at 99% confidence of a
// KLL sketch with parameter k: 2.296 / k^0.9723, the fit Apache DataSketches
// publishes for this compaction scheme (99th percentile of the maximum rank
// error over thousands of trials; "KLL Sketch Accuracy and Size"). k = 200
// gives 1.33%, k = 256 1.05%.
func KLLRankError(k int) float64 {
	k = min(max(k, MinKLLK), MaxKLLK)
	return 2.296 / math.Pow(float64(k), 0.9723)
}

// KLLMassError is the corresponding double-sided error (DataSketches' PMF
// error), 2.446 / k^0.9433: k = 200 gives 1.65%, k = 256 1.31%.
func KLLMassError(k int) float64 {
	k = min(max(k, MinKLLK), MaxKLLK)
	return 2.446 / math.Pow(float64(k), 0.9433)
}

// CDF is the estimated fraction of values <= x; 0 when empty, NaN for NaN.
func (s *KLL) CDF(x float64) float64 {
	if math.IsNaN(x) {
		return math.NaN()
	}
	if s.n == 0 {
		return 0
	}
	if x >= s.max {
		return 1
	}
	if x < s.min {
		return 0
	}
	var w uint64
	for _, v := range s.items[s.levels[0]:s.levels[1]] {
		if v <= x {
			w++
		}
	}
	for h := 1; h < len(s.levels)-1; h++ {
		lvl := s.items[s.levels[h]:s.levels[h+1]]
		i, found := slices.BinarySearch(lvl, x)
		for found && i < len(lvl) && lvl[i] == x {
			i++
		}
		w += uint64(i) << h
	}
	return float64(w) / float64(s.n)
}

// Quantile is the estimated q-quantile: the smallest retained value whose
// estimated CDF is at least q (the inverse of the empirical CDF, so while
// the sketch is exact, Quantile(q) is the ceil(q*n)-th smallest value).
// This is numpy's method="inverted_cdf", not its default "linear".
// Quantile(0) and Quantile(1) are the exact Min and Max; q outside [0, 1] is
// clamped. NaN when empty or when q is NaN. Each call sorts the retained
// values; use Quantiles for several.
func (s *KLL) Quantile(q float64) float64 {
	var out [1]float64
	s.quantiles(out[:], []float64{q})
	return out[0]
}

// Quantiles is Quantile for each of qs, sorting the retained values once.
func (s *KLL) Quantiles(qs []float64) []float64 {
	out := make([]float64, len(qs))
	s.quantiles(out, qs)
	return out
}

type weighted struct {
	v float64
	w uint64
}

func (s *KLL) quantiles(out, qs []float64) {
	var view []weighted // built on first need: q = 0 and 1 do not need it
	for i, q := range qs {
		switch {
		case s.n == 0 || math.IsNaN(q):
			out[i] = math.NaN()
		case q <= 0:
			out[i] = s.min
		case q >= 1:
			out[i] = s.max
		default:
			if view == nil {
				view = s.sortedView()
			}
			target := q * float64(s.n)
			j, _ := slices.BinarySearchFunc(view, target, func(e weighted, t float64) int {
				if float64(e.w) < t {
					return -1
				}
				return 1
			})
			if j == len(view) { // rounding at q close to 1
				j--
			}
			out[i] = view[j].v
		}
	}
}

// sortedView returns the retained values in order, each with the cumulative
// weight up to and including it.
func (s *KLL) sortedView() []weighted {
	view := make([]weighted, 0, s.Retained())
	for h := 0; h < len(s.levels)-1; h++ {
		for _, v := range s.items[s.levels[h]:s.levels[h+1]] {
			view = append(view, weighted{v, 1 << h})
		}
	}
	slices.SortFunc(view, func(a, b weighted) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	var cum uint64
	for i := range view {
		cum += view[i].w
		view[i].w = cum
	}
	return view
}

// Clone returns an independent copy.
func (s *KLL) Clone() *KLL {
	c := *s
	c.items = slices.Clone(s.items)
	c.levels = slices.Clone(s.levels)
	return &c
}

// Merge adds o's values into s, as if s had seen both streams; o is not
// modified. The result's error is that of the smaller k of the two.
func (s *KLL) Merge(o *KLL) {
	if o == nil || o.n == 0 {
		return
	}
	if o == s {
		o = o.Clone()
	}
	if len(s.levels) == 0 {
		s.init(o.K())
	}
	finalN := s.n + o.n
	s.min = math.Min(s.min, o.min)
	s.max = math.Max(s.max, o.max)
	// o's level 0 has weight 1, so it goes in as ordinary values; the
	// higher levels are merged level by level and compacted together.
	for _, x := range o.items[o.levels[0]:o.levels[1]] {
		s.push(x)
	}
	if len(o.levels) > 2 {
		s.mergeHigherLevels(o)
	}
	s.n = finalN
	if len(o.levels) > 2 { // o had compacted: its k now limits the accuracy
		s.minK = min(s.minK, o.minK)
	}
}

func (s *KLL) mergeHigherLevels(o *KLL) {
	sl, ol := len(s.levels)-1, len(o.levels)-1
	numLevels := max(sl, ol)
	size := func(t *KLL, h int) uint32 {
		if h >= len(t.levels)-1 {
			return 0
		}
		return t.levels[h+1] - t.levels[h]
	}
	work := make([]float64, s.Retained()+int(o.levels[ol]-o.levels[1]))
	wl := make([]uint32, numLevels+1, numLevels+3)
	copy(work, s.items[s.levels[0]:s.levels[1]])
	wl[1] = s.levels[1] - s.levels[0]
	for h := 1; h < numLevels; h++ {
		a := s.items[s.levels[min(h, sl)] : s.levels[min(h, sl)]+size(s, h)]
		b := o.items[o.levels[min(h, ol)] : o.levels[min(h, ol)]+size(o, h)]
		mergeSorted(work[wl[h]:], a, b)
		wl[h+1] = wl[h] + uint32(len(a)+len(b))
	}
	out, capacity := generalCompress(s, work, wl)
	pop := out[len(out)-1]
	if int(capacity) <= cap(s.items) {
		s.items = s.items[:capacity]
	} else {
		s.items = make([]float64, capacity)
	}
	free := capacity - pop
	copy(s.items[free:], work[:pop])
	s.levels = s.levels[:0]
	for _, b := range out {
		s.levels = append(s.levels, b+free)
	}
	s.setCaps()
}

// generalCompress compacts the levels wl of work, in place, bottom up, until
// the items fit the capacity of the resulting number of levels. It returns
// the new level boundaries (starting at 0) and that capacity. Levels above 0
// must be sorted and stay sorted.
func generalCompress(s *KLL, work []float64, wl []uint32) (out []uint32, capacity uint32) {
	numLevels := len(wl) - 1
	count := wl[numLevels] - wl[0]
	target := uint32(totalCapacity(s.k, numLevels))
	out = make([]uint32, 1, numLevels+2)
	for h := 0; ; h++ {
		if h == numLevels-1 { // an empty level above the top, for convenience
			wl = append(wl[:h+2], wl[h+1])
		}
		beg, end := wl[h], wl[h+1]
		pop := end - beg
		if count < target || int(pop) < levelCapacity(s.k, numLevels, h) {
			copy(work[out[h]:], work[beg:end])
			out = append(out, out[h]+pop)
		} else {
			odd := pop & 1
			if odd == 1 { // the odd item stays at this level
				work[out[h]] = work[beg]
			}
			out = append(out, out[h]+odd)
			half := s.compactRange(work, h, beg+odd, end, wl[h+2]-end)
			count -= half
			wl[h+1] -= half
			if h == numLevels-1 {
				numLevels++
				target += uint32(levelCapacity(s.k, numLevels, 0))
			}
		}
		if h == numLevels-1 {
			break
		}
	}
	return out, max(target, count)
}

// compactOne compacts the lowest level at capacity, freeing room at level 0.
// It is called only when the sketch is full (levels[0] == 0).
func (s *KLL) compactOne() {
	numLevels := len(s.levels) - 1
	h := 0
	for h < numLevels-1 && s.levels[h+1]-s.levels[h] < s.caps[h] {
		h++
	}
	if h == numLevels-1 {
		s.addTopLevel()
	}
	beg, end := s.levels[h], s.levels[h+1]
	odd := (end - beg) & 1
	half := s.compactRange(s.items, h, beg+odd, end, s.levels[h+2]-end)
	s.levels[h+1] -= half
	s.levels[h] = s.levels[h+1] - odd
	if odd == 1 {
		s.items[s.levels[h]] = s.items[beg]
	}
	// Shift the lower levels up into the room freed, next to level 0's
	// free space.
	if h > 0 {
		copy(s.items[s.levels[0]+half:], s.items[s.levels[0]:beg])
		for l := 0; l < h; l++ {
			s.levels[l] += half
		}
	}
}

// compactRange halves the even-length range buf[beg:end] of level h and
// merges the survivors into the level above, buf[end:end+above]. The
// survivors and that level end up in buf[beg+half:end+above]; it returns
// half, the number of slots freed at the bottom of the range.
func (s *KLL) compactRange(buf []float64, h int, beg, end, above uint32) (half uint32) {
	r := buf[beg:end]
	if h == 0 {
		sortFloats(r)
	}
	half = uint32(len(r) / 2)
	off := uint32(s.coin(r[0]))
	if above == 0 {
		// Keep the survivors in the upper half: it becomes the level above.
		for i, j := len(r)-1, len(r)-1-int(off); i >= int(half); i, j = i-1, j-2 {
			r[i] = r[j]
		}
		return half
	}
	for i, j := 0, int(off); i < int(half); i, j = i+1, j+2 {
		r[i] = r[j]
	}
	// Merge the survivors buf[beg:beg+half] with the level above into
	// buf[beg+half:end+above]. The write index never passes the read index
	// of the level above, and stays above the survivors.
	a, aEnd := beg, beg+half
	b, bEnd := end, end+above
	for c := beg + half; c < bEnd; c++ {
		if a < aEnd && (b == bEnd || buf[a] < buf[b]) {
			buf[c] = buf[a]
			a++
		} else {
			buf[c] = buf[b]
			b++
		}
	}
	return half
}

// coin returns a pseudo-random bit. SplitMix64 (Steele, Lea, Flood 2014)
// over the sketch's state, mixed with a value of the compacted level, so
// sketches of different streams started from the same state flip different
// coins and their errors do not line up when merged.
func (s *KLL) coin(key float64) uint64 {
	s.rng += 0x9e3779b97f4a7c15
	z := s.rng ^ math.Float64bits(key)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return z >> 63
}

// addTopLevel adds an empty level on top of a full sketch. Every existing
// level moves one step deeper, so the capacity grows by the new bottom
// level's capacity; the room is made at the front, where level 0 grows.
func (s *KLL) addTopLevel() {
	numLevels := len(s.levels) - 1
	delta := uint32(levelCapacity(s.k, numLevels+1, 0))
	old := uint32(len(s.items))
	s.items = slices.Grow(s.items, int(delta))[:old+delta]
	copy(s.items[s.levels[0]+delta:], s.items[s.levels[0]:old])
	for i := range s.levels {
		s.levels[i] += delta
	}
	s.levels = append(s.levels, old+delta)
	s.setCaps()
}

// pow3[d] is 3^d.
var pow3 = func() (p [31]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = 3 * p[i-1]
	}
	return p
}()

// levelCapacity is the nominal capacity of level h of numLevels: k (2/3)^depth
// rounded, with depth = numLevels-1-h, and at least kllMinWidth. Integer
// arithmetic, so every platform builds the same sketch.
func levelCapacity(k, numLevels, h int) int {
	depth := numLevels - 1 - h
	if depth > 30 { // k (2/3)^31 < 1 for every k <= MaxKLLK
		return kllMinWidth
	}
	c := ((uint64(2*k)<<depth)/pow3[depth] + 1) >> 1
	return max(int(c), kllMinWidth)
}

func totalCapacity(k, numLevels int) int {
	t := 0
	for h := 0; h < numLevels; h++ {
		t += levelCapacity(k, numLevels, h)
	}
	return t
}

// sortFloats sorts values known not to be NaN. Level 0 is mostly compacted
// in short runs, where an insertion sort with a plain < (slices.Sort also
// orders NaNs) is fastest.
func sortFloats(r []float64) {
	if len(r) > 24 {
		slices.Sort(r)
		return
	}
	for i := 1; i < len(r); i++ {
		v := r[i]
		j := i
		for ; j > 0 && v < r[j-1]; j-- {
			r[j] = r[j-1]
		}
		r[j] = v
	}
}

// mergeSorted merges the sorted a and b into dst[:len(a)+len(b)].
func mergeSorted(dst, a, b []float64) {
	i, j, c := 0, 0, 0
	for i < len(a) && j < len(b) {
		if a[i] < b[j] {
			dst[c] = a[i]
			i++
		} else {
			dst[c] = b[j]
			j++
		}
		c++
	}
	c += copy(dst[c:], a[i:])
	copy(dst[c:], b[j:])
}

// weightOK reports whether the level sizes account for exactly n values.
func weightOK(sizes []uint32, n uint64) bool {
	var total uint64
	for h, c := range sizes {
		hi, lo := bits.Mul64(uint64(c), 1<<h)
		var carry uint64
		total, carry = bits.Add64(total, lo, 0)
		if hi != 0 || carry != 0 {
			return false
		}
	}
	return total == n
}
