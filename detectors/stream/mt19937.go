package stream

import "slices"

// mt19937 is the Mersenne Twister with CPython's seeding, so that KSWIN
// draws the same sub-samples as River's KSWIN, which uses
// random.Random(seed).sample. It is here for reproducibility, not speed or
// quality: a detector needs neither.
type mt19937 struct {
	State [624]uint32
	Index int
}

// seedPython is random.Random(seed) for a non-negative integer seed:
// init_by_array over the seed's 32-bit words, least significant first
// (CPython's random_seed; a zero seed is the one-word key [0]).
func (m *mt19937) seedPython(seed uint64) {
	key := []uint32{uint32(seed)}
	if hi := uint32(seed >> 32); hi != 0 {
		key = append(key, hi)
	}
	m.initGenrand(19650218)
	mt := &m.State
	i, j := 1, 0
	k := max(624, len(key))
	for ; k > 0; k-- {
		mt[i] = (mt[i] ^ ((mt[i-1] ^ (mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= 624 {
			mt[0] = mt[623]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = 623; k > 0; k-- {
		mt[i] = (mt[i] ^ ((mt[i-1] ^ (mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= 624 {
			mt[0] = mt[623]
			i = 1
		}
	}
	mt[0] = 0x80000000
}

func (m *mt19937) initGenrand(s uint32) {
	m.State[0] = s
	for i := 1; i < 624; i++ {
		m.State[i] = 1812433253*(m.State[i-1]^(m.State[i-1]>>30)) + uint32(i)
	}
	m.Index = 624
}

func (m *mt19937) uint32() uint32 {
	mt := &m.State
	if m.Index >= 624 {
		const upper, lower = 0x80000000, 0x7fffffff
		for k := 0; k < 624; k++ {
			y := (mt[k] & upper) | (mt[(k+1)%624] & lower)
			v := mt[(k+397)%624] ^ (y >> 1)
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			mt[k] = v
		}
		m.Index = 0
	}
	y := mt[m.Index]
	m.Index++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// below is CPython's _randbelow for 0 < n < 2^32: draw bit_length(n) bits,
// reject values >= n.
func (m *mt19937) below(n int) int {
	k := 0
	for v := n; v > 0; v >>= 1 {
		k++
	}
	for {
		r := int(m.uint32() >> (32 - k))
		if r < n {
			return r
		}
	}
}

// sample is CPython's random.sample(range(n), k): a partial Fisher-Yates
// over a pool when n is small against k, rejection of repeats otherwise.
// Only the values matter to KSWIN, but the branch decides how many draws
// are spent, hence the order of later samples.
//
// pool is scratch space for the first branch, reused across calls.
func (m *mt19937) sample(n, k int, out, pool []int) ([]int, []int) {
	out = out[:0]
	setsize := 21
	if k > 5 {
		// 4 ** ceil(log(3k, 4)), computed on integers: the smallest power of
		// 4 at least 3k. (CPython uses floating-point log; the two agree
		// except possibly when 3k is an exact power of 4, where float log
		// can round up. 3k is never a power of 4.)
		p := 1
		for p < 3*k {
			p *= 4
		}
		setsize += p
	}
	if n <= setsize {
		pool = slices.Grow(pool[:0], n)[:n]
		for i := range pool {
			pool[i] = i
		}
		for i := 0; i < k; i++ {
			j := m.below(n - i)
			out = append(out, pool[j])
			pool[j] = pool[n-i-1]
		}
		return out, pool
	}
	seen := make(map[int]bool, k)
	for i := 0; i < k; i++ {
		j := m.below(n)
		for seen[j] {
			j = m.below(n)
		}
		seen[j] = true
		out = append(out, j)
	}
	return out, pool
}
