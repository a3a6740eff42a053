package sketch

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// ErrCorrupt is returned (wrapped) when an encoded sketch or sample is not
// one this package wrote.
var ErrCorrupt = errors.New("sketch: corrupt encoding")

// kllVersion is the first byte of the binary encoding.
const kllVersion = 1

// kllHeaderLen is the size of the fixed part of the binary encoding:
//
//	offset size
//	0      1    version (1)
//	1      2    k
//	3      2    minK
//	5      1    number of levels L
//	6      8    n
//	14     8    coin generator state
//	22     8    min (+Inf when empty)
//	30     8    max (-Inf when empty)
//	38     4L   size of each level, level 0 first
//	38+4L  8R   the retained values, level 0 first, in stored order
//
// All little-endian; values are IEEE 754 bits.
const kllHeaderLen = 38

// MarshalBinary encodes the sketch compactly (about 8 bytes per retained
// value) and deterministically: the same stream gives the same bytes. The
// encoding holds the coin generator's state, so a decoded sketch continues
// exactly as the original would.
func (s *KLL) MarshalBinary() ([]byte, error) {
	return s.appendBinary(nil), nil
}

// AppendBinary appends the MarshalBinary encoding to b.
func (s *KLL) AppendBinary(b []byte) ([]byte, error) {
	return s.appendBinary(b), nil
}

func (s *KLL) appendBinary(b []byte) []byte {
	t := s
	if len(s.levels) == 0 {
		t = NewKLL(DefaultKLLK) // the zero value is an empty default sketch
	}
	numLevels := len(t.levels) - 1
	b = append(b, kllVersion)
	b = binary.LittleEndian.AppendUint16(b, uint16(t.k))
	b = binary.LittleEndian.AppendUint16(b, uint16(t.minK))
	b = append(b, byte(numLevels))
	b = binary.LittleEndian.AppendUint64(b, t.n)
	b = binary.LittleEndian.AppendUint64(b, t.rng)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(t.min))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(t.max))
	for h := 0; h < numLevels; h++ {
		b = binary.LittleEndian.AppendUint32(b, t.levels[h+1]-t.levels[h])
	}
	for _, v := range t.items[t.levels[0]:] {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// UnmarshalBinary replaces s with the sketch encoded in data, which it does
// not retain. It checks the encoding fully (sizes, total weight, order of
// the sorted levels, min and max), so a decoded sketch is always usable.
func (s *KLL) UnmarshalBinary(data []byte) error {
	if len(data) < kllHeaderLen {
		return fmt.Errorf("kll: %d bytes, header needs %d: %w", len(data), kllHeaderLen, ErrCorrupt)
	}
	le := binary.LittleEndian
	if data[0] != kllVersion {
		return fmt.Errorf("kll: version %d, want %d: %w", data[0], kllVersion, ErrCorrupt)
	}
	k, minK := int(le.Uint16(data[1:])), int(le.Uint16(data[3:]))
	numLevels := int(data[5])
	n, rng := le.Uint64(data[6:]), le.Uint64(data[14:])
	lo, hi := math.Float64frombits(le.Uint64(data[22:])), math.Float64frombits(le.Uint64(data[30:]))
	if k < MinKLLK || minK < MinKLLK || minK > k {
		return fmt.Errorf("kll: k %d, min k %d: %w", k, minK, ErrCorrupt)
	}
	if numLevels < 1 || numLevels > kllMaxLevels {
		return fmt.Errorf("kll: %d levels: %w", numLevels, ErrCorrupt)
	}
	rest := data[kllHeaderLen:]
	if len(rest) < 4*numLevels {
		return fmt.Errorf("kll: %d bytes for %d level sizes: %w", len(rest), numLevels, ErrCorrupt)
	}
	sizes := make([]uint32, numLevels)
	retained := 0
	for h := range sizes {
		sizes[h] = le.Uint32(rest[4*h:])
		retained += int(sizes[h])
	}
	rest = rest[4*numLevels:]
	capacity := totalCapacity(k, numLevels)
	if retained > capacity {
		return fmt.Errorf("kll: %d values retained, capacity %d: %w", retained, capacity, ErrCorrupt)
	}
	if len(rest) != 8*retained {
		return fmt.Errorf("kll: %d bytes for %d values: %w", len(rest), retained, ErrCorrupt)
	}
	if !weightOK(sizes, n) {
		return fmt.Errorf("kll: level sizes do not weigh %d values: %w", n, ErrCorrupt)
	}
	if n == 0 {
		lo, hi = math.Inf(1), math.Inf(-1)
	} else if !(lo <= hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return fmt.Errorf("kll: min %v, max %v: %w", lo, hi, ErrCorrupt)
	}
	items := make([]float64, capacity)
	levels := make([]uint32, numLevels+1)
	levels[0] = uint32(capacity - retained)
	for h, c := range sizes {
		levels[h+1] = levels[h] + c
	}
	for i := range retained {
		items[int(levels[0])+i] = math.Float64frombits(le.Uint64(rest[8*i:]))
	}
	for h := range numLevels {
		lvl := items[levels[h]:levels[h+1]]
		for i, v := range lvl {
			if !(v >= lo && v <= hi) { // also rejects NaN
				return fmt.Errorf("kll: value %v outside [%v, %v]: %w", v, lo, hi, ErrCorrupt)
			}
			if h > 0 && i > 0 && v < lvl[i-1] {
				return fmt.Errorf("kll: level %d not sorted: %w", h, ErrCorrupt)
			}
		}
	}
	*s = KLL{k: k, minK: minK, n: n, min: lo, max: hi, rng: rng, items: items, levels: levels}
	s.setCaps()
	return nil
}

// MarshalJSON encodes the sketch as a JSON string holding the base64 of
// MarshalBinary: window checkpoints are JSON, and a sketch's values are
// not meant to be read one by one.
func (s *KLL) MarshalJSON() ([]byte, error) {
	raw := s.appendBinary(nil)
	out := make([]byte, 0, base64.StdEncoding.EncodedLen(len(raw))+2)
	out = append(out, '"')
	out = base64.StdEncoding.AppendEncode(out, raw)
	return append(out, '"'), nil
}

// UnmarshalJSON decodes what MarshalJSON wrote; null leaves s unchanged.
func (s *KLL) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var enc string
	if err := json.Unmarshal(b, &enc); err != nil {
		return fmt.Errorf("kll: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return fmt.Errorf("kll: base64: %w: %w", ErrCorrupt, err)
	}
	return s.UnmarshalBinary(raw)
}
