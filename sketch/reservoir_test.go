package sketch

import (
	"encoding/json"
	"errors"
	"math"
	"math/bits"
	"slices"
	"testing"
)

// seedOf spreads trial numbers over the seed space (SplitMix64), so the
// trials' random streams are unrelated.
func seedOf(t uint64) uint64 {
	z := t*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func TestReservoirCompleteUnderCapacity(t *testing.T) {
	tests := []struct {
		cap, n   int
		complete bool
	}{
		{10, 0, true},
		{10, 3, true},
		{10, 10, true},
		{10, 11, false},
		{1, 1, true},
		{1, 2, false},
	}
	for _, tt := range tests {
		r := NewReservoir(tt.cap, 1)
		var in []float64
		for i := range tt.n {
			in = append(in, float64(i))
			r.Add(float64(i))
		}
		if r.Complete() != tt.complete || r.Seen() != uint64(tt.n) || len(r.Values()) != min(tt.n, tt.cap) {
			t.Errorf("cap %d, %d values: Complete %v, Seen %d, len %d", tt.cap, tt.n, r.Complete(), r.Seen(), len(r.Values()))
		}
		if tt.complete && !slices.Equal(r.Values(), in) {
			t.Errorf("cap %d, %d values: Values %v, want %v", tt.cap, tt.n, r.Values(), in)
		}
	}
}

func TestReservoirMergeComplete(t *testing.T) {
	a, b := NewReservoir(10, 1), NewReservoir(10, 2)
	for i := range 4 {
		a.Add(float64(i))
	}
	for i := range 6 {
		b.Add(float64(10 + i))
	}
	a.Merge(b)
	want := []float64{0, 1, 2, 3, 10, 11, 12, 13, 14, 15}
	if !a.Complete() || a.Seen() != 10 || !slices.Equal(a.Values(), want) {
		t.Errorf("Complete %v, Seen %d, Values %v; want true, 10, %v", a.Complete(), a.Seen(), a.Values(), want)
	}
	if b.Seen() != 6 || len(b.Values()) != 6 {
		t.Error("Merge modified its argument")
	}
	a.Merge(NewReservoir(10, 3)) // empty: no change
	a.Merge(nil)
	if !a.Complete() || a.Seen() != 10 {
		t.Error("merging an empty sample changed the result")
	}
	// One more value than fits: no longer complete, still Cap values.
	c := NewReservoir(10, 4)
	c.Add(99)
	a.Merge(c)
	if a.Complete() || a.Seen() != 11 || len(a.Values()) != 10 {
		t.Errorf("over capacity: Complete %v, Seen %d, len %d", a.Complete(), a.Seen(), len(a.Values()))
	}
}

func TestReservoirIgnoresNonFinite(t *testing.T) {
	r := NewReservoir(5, 1)
	for _, x := range []float64{math.NaN(), 1, math.Inf(1), math.Inf(-1)} {
		r.Add(x)
	}
	if r.Seen() != 1 || !slices.Equal(r.Values(), []float64{1}) {
		t.Errorf("Seen %d, Values %v, want 1, [1]", r.Seen(), r.Values())
	}
}

// The uniformity tests draw many samples of a small stream of distinct
// values 0..n-1 and count how often each m-subset comes out. A uniform
// sampler makes the counts multinomial with C(n, m) equal cells, so
// Pearson's statistic is chi-square with C(n, m)-1 degrees of freedom. The
// critical values are the 0.999 quantiles, from scipy:
//
//	/usr/bin/python3 -c "from scipy.stats import chi2; print(chi2.ppf(0.999, 55), chi2.ppf(0.999, 27), chi2.ppf(0.999, 3))"
//	93.16753277222854 55.47602020574521 16.26623619623813
//
// The seeds are fixed, so the outcome is too; a correct sampler passes with
// probability 0.999 per case over the choice of seeds.
var chi2Crit999 = map[int]float64{56: 93.16753277222854, 28: 55.47602020574521, 4: 16.26623619623813}

// subsetChi2 returns Pearson's statistic of the subset counts against
// trials/C(n, m) each, failing the test on a sample that is not an m-subset
// of 0..n-1.
func subsetChi2(t *testing.T, n, m, trials int, sample func(trial int) []float64) (stat float64, cells int) {
	t.Helper()
	counts := map[uint64]int{}
	for trial := range trials {
		vs := sample(trial)
		var mask uint64
		for _, v := range vs {
			i := int(v)
			if float64(i) != v || i < 0 || i >= n || mask&(1<<i) != 0 {
				t.Fatalf("trial %d: sample %v is not a subset of 0..%d", trial, vs, n-1)
			}
			mask |= 1 << i
		}
		if len(vs) != m {
			t.Fatalf("trial %d: sample %v has %d values, want %d", trial, vs, len(vs), m)
		}
		counts[mask]++
	}
	cells = binomial(n, m)
	expect := float64(trials) / float64(cells)
	for mask := uint64(0); mask < 1<<n; mask++ {
		if bits.OnesCount64(mask) == m {
			d := float64(counts[mask]) - expect
			stat += d * d / expect
		}
	}
	return stat, cells
}

func binomial(n, k int) int {
	c := 1
	for i := range k {
		c = c * (n - i) / (i + 1)
	}
	return c
}

func TestReservoirAddUniform(t *testing.T) {
	const n, capacity, trials = 8, 3, 11_200 // 56 subsets, 200 expected each
	stat, cells := subsetChi2(t, n, capacity, trials, func(trial int) []float64 {
		r := NewReservoir(capacity, seedOf(uint64(trial)))
		for i := range n {
			r.Add(float64(i))
		}
		return r.Values()
	})
	if crit := chi2Crit999[cells]; stat > crit {
		t.Errorf("chi-square %.1f > %.1f over %d subsets: sample not uniform", stat, crit, cells)
	}
}

func TestReservoirMergeUniform(t *testing.T) {
	// Each case splits the stream 0..7 into consecutive parts, samples each
	// part in its own reservoir and merges them left to right. The merged
	// sample must be a uniform m-subset of all 8 values.
	tests := []struct {
		name  string
		parts []int // sizes of the consecutive parts
		caps  []int // capacity of each part's reservoir
		m     int   // size of the merged sample
	}{
		{"full with complete", []int{5, 3}, []int{3, 3}, 3},
		{"full with smaller complete", []int{6, 2}, []int{3, 3}, 3},
		{"complete with full", []int{2, 6}, []int{3, 3}, 3},
		{"both full", []int{4, 4}, []int{3, 3}, 3},
		{"one value with full", []int{1, 7}, []int{3, 3}, 3},
		{"full with one value", []int{7, 1}, []int{3, 3}, 3},
		{"complete fill past capacity", []int{2, 2}, []int{3, 3}, 3},
		{"three parts", []int{3, 3, 2}, []int{3, 3, 3}, 3},
		{"five parts", []int{1, 2, 1, 3, 1}, []int{3, 3, 3, 3, 3}, 3},
		// A smaller other reservoir limits the merged sample's size.
		{"smaller other", []int{5, 3}, []int{6, 2}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			for _, p := range tt.parts {
				n += p
			}
			const trials = 11_200
			cells := binomial(n, tt.m)
			stat, _ := subsetChi2(t, n, tt.m, trials, func(trial int) []float64 {
				var merged *Reservoir
				next := 0
				for i, p := range tt.parts {
					r := NewReservoir(tt.caps[i], seedOf(uint64(trial*len(tt.parts)+i)))
					for range p {
						r.Add(float64(next))
						next++
					}
					if merged == nil {
						merged = r
					} else {
						merged.Merge(r)
					}
				}
				if merged.Seen() != uint64(n) {
					t.Fatalf("Seen %d, want %d", merged.Seen(), n)
				}
				return merged.Values()
			})
			crit, ok := chi2Crit999[cells]
			if !ok {
				t.Fatalf("no critical value for %d cells", cells)
			}
			if stat > crit {
				t.Errorf("chi-square %.1f > %.1f over %d subsets: merged sample not uniform", stat, crit, cells)
			}
		})
	}
}

// TestReservoirMergeInclusion checks inclusion rates on a larger, lopsided
// merge, where each value's inclusion probability must be m/N = 20/400. The
// inclusion counts over T trials have variance T p (1-p) each and are
// negatively correlated (every sample has exactly m values), with
// covariance T p (1-p) N/(N-1) times the projection off the all-ones
// vector, so sum (O-E)^2 / (T p (1-p) N/(N-1)) is chi-square with N-1
// degrees of freedom. Critical value, from scipy:
//
//	/usr/bin/python3 -c "from scipy.stats import chi2; print(chi2.ppf(0.999, 399))"
//	492.0224634558814
func TestReservoirMergeInclusion(t *testing.T) {
	const n1, n2, capacity, trials = 300, 100, 20, 2_000
	const total = n1 + n2
	counts := make([]int, total)
	for trial := range trials {
		a, b := NewReservoir(capacity, seedOf(uint64(2*trial))), NewReservoir(capacity, seedOf(uint64(2*trial+1)))
		for i := range n1 {
			a.Add(float64(i))
		}
		for i := range n2 {
			b.Add(float64(n1 + i))
		}
		a.Merge(b)
		if len(a.Values()) != capacity {
			t.Fatalf("merged sample has %d values, want %d", len(a.Values()), capacity)
		}
		for _, v := range a.Values() {
			counts[int(v)]++
		}
	}
	p := float64(capacity) / total
	expect := trials * p
	scale := trials * p * (1 - p) * total / (total - 1)
	var stat, fromB float64
	for i, c := range counts {
		d := float64(c) - expect
		stat += d * d / scale
		if i >= n1 {
			fromB += float64(c)
		}
	}
	if crit := 492.0224634558814; stat > crit {
		t.Errorf("chi-square %.1f > %.1f: inclusion not uniform", stat, crit)
	}
	// The share from the smaller side is n2/N = 1/4 of all slots.
	t.Logf("chi-square %.1f; share from the second reservoir %.4f (want 0.25)", stat, fromB/(trials*capacity))
}

func TestReservoirSmallerOtherKeepsUniformSize(t *testing.T) {
	a, b := NewReservoir(10, 1), NewReservoir(4, 2)
	for i := range 50 {
		a.Add(float64(i))
	}
	for i := range 100 {
		b.Add(float64(i))
	}
	a.Merge(b)
	if len(a.Values()) != 4 || a.Seen() != 150 || a.Complete() {
		t.Fatalf("len %d, Seen %d, Complete %v; want 4, 150, false", len(a.Values()), a.Seen(), a.Complete())
	}
	// An incomplete sample cannot grow uniformly: it keeps its size.
	for i := range 20 {
		a.Add(float64(i))
	}
	if len(a.Values()) != 4 || a.Seen() != 170 {
		t.Errorf("after Add: len %d, Seen %d; want 4, 170", len(a.Values()), a.Seen())
	}
}

func TestReservoirJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		cap  int
		n    int
	}{
		{"empty", 10, 0},
		{"complete", 10, 7},
		{"full", 10, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReservoir(tt.cap, 5)
			for i := range tt.n {
				r.Add(float64(i) / 3)
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var d Reservoir
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.Values(), r.Values()) || d.Seen() != r.Seen() || d.Cap() != r.Cap() || d.Complete() != r.Complete() {
				t.Fatalf("decoded %v seen %d cap %d, want %v seen %d cap %d", d.Values(), d.Seen(), d.Cap(), r.Values(), r.Seen(), r.Cap())
			}
			// The random stream is restored too: both continue alike.
			for i := range 500 {
				r.Add(float64(-i))
				d.Add(float64(-i))
			}
			if !slices.Equal(d.Values(), r.Values()) {
				t.Error("decoded sample diverges from the original after more Adds")
			}
		})
	}
}

func TestReservoirUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"without random state", `{"values":[1,2],"seen":5,"cap":2}`, false},
		{"null values", `{"values":null,"seen":0,"cap":3}`, false},
		{"more values than cap", `{"values":[1,2,3],"seen":3,"cap":2}`, true},
		{"more values than seen", `{"values":[1,2],"seen":1,"cap":2}`, true},
		{"seen without values", `{"values":[],"seen":4,"cap":2}`, true},
		{"zero cap", `{"values":[],"seen":0,"cap":0}`, true},
		{"bad random state", `{"values":[1],"seen":1,"cap":2,"rng":"AAAA"}`, true},
		{"not an object", `[1,2]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Reservoir
			err := json.Unmarshal([]byte(tt.in), &r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && tt.name != "not an object" && !errors.Is(err, ErrCorrupt) {
				t.Errorf("error %v is not ErrCorrupt", err)
			}
			if err == nil {
				r.Add(9) // usable after decoding
			}
		})
	}
}

func TestReservoirAddDoesNotAllocate(t *testing.T) {
	r := NewReservoir(1000, 1)
	for i := range 1000 {
		r.Add(float64(i))
	}
	if allocs := testing.AllocsPerRun(10_000, func() { r.Add(1.5) }); allocs != 0 {
		t.Errorf("%v allocations per Add on a full sample", allocs)
	}
}

func BenchmarkReservoirAdd(b *testing.B) {
	r := NewReservoir(10_000, 1) // drift.DefaultSampleSize
	xs := stream("uniform", 1<<16, 1)
	for _, x := range xs {
		r.Add(x)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		r.Add(xs[i&(len(xs)-1)])
		i++
	}
}

func BenchmarkReservoirMerge(b *testing.B) {
	xs := stream("uniform", 50_000, 1)
	a, o := NewReservoir(10_000, 1), NewReservoir(10_000, 2)
	for _, x := range xs {
		a.Add(x)
		o.Add(x)
	}
	b.ReportAllocs()
	for b.Loop() {
		c := *a
		c.values = slices.Clone(a.values)
		c.Merge(o)
	}
}

// TestNewReservoirOf holds the adopted sample to the one Add builds, its
// random stream included: both go on alike once full.
func TestNewReservoirOf(t *testing.T) {
	vals := []float64{3, 1, 4, 1, 5, 9, 2, 6}
	added := NewReservoir(10, 42)
	for _, x := range vals {
		added.Add(x)
	}
	got, err := NewReservoirOf(append([]float64(nil), vals...), 10, 42)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		added.Add(float64(100 + i))
		got.Add(float64(100 + i))
	}
	a, _ := added.MarshalJSON()
	b, _ := got.MarshalJSON()
	if string(a) != string(b) {
		t.Fatalf("adopted sample differs:\n%s\n%s", a, b)
	}
	if _, err := NewReservoirOf(vals, 4, 1); err == nil {
		t.Error("more values than capacity: no error")
	}
	if _, err := NewReservoirOf([]float64{1, math.Inf(1)}, 4, 1); err == nil {
		t.Error("infinite value: no error")
	}
}
