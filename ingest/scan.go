package ingest

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// The scanner reads a record's JSON in one pass, in the decoder's copy of
// the record: the decoder keeps what it needs as spans of that copy instead
// of building a tree and walking it again. Escapes are decoded in place
// (a decoded string is never longer than its escaped form), so every string
// a span names is the string's value.
//
// It reads strict JSON (RFC 8259) with one leniency kept from the parser it
// replaced: NaN and Inf literals, in any case and with an optional sign,
// are numbers. Numbers are delimited as that parser did, as a run of the
// characters 0-9 . + - e E, so that a run which is not a JSON number (1-2,
// 012, +1) can be refused with the reason of the field it is in rather
// than as malformed JSON.

// maxDepth bounds nesting, counting the record's own value as level 1 and
// each value inside a container one level deeper: a deeper value is
// malformed. It is the parser this replaced's limit, so nothing it read is
// refused for depth, and it keeps the recursion of hostile input small.
const maxDepth = 300

// kind is what a scanned value is.
type kind uint8

const (
	kAbsent kind = iota // the key is not in the record
	kNull
	kFalse
	kTrue
	kNumber    // a JSON number
	kNonFinite // a NaN or Inf literal
	kBadNumber // a run of number characters that is not a JSON number
	kString    // a string that is UTF-8
	kBadString // a string that is not: invalid bytes, or an escaped lone surrogate
	kObject
	kArray
)

// span is one scanned value. For a string, start:end is its decoded value
// in the scanner's buffer; for a number, its text, and num its value:
// exactly strconv.ParseFloat's for a kNumber, NaN for a kNonFinite. It has
// four fields so that the compiler keeps it in registers.
type span struct {
	kind       kind
	start, end int
	num        float64
}

// scanner reads JSON from b. Its methods take the index to read at and
// return the index after what they read, or -1 when the input is not JSON,
// leaving where and why in errAt and errMsg: they are formatted only then,
// so the accepting path allocates nothing.
type scanner struct {
	b      []byte
	errAt  int
	errMsg string
}

// fail records why the input is not JSON and returns -1.
func (s *scanner) fail(at int, msg string) int {
	s.errAt, s.errMsg = at, msg
	return -1
}

// skipWS skips JSON whitespace from i. Records are mostly written without
// any, so the first test decides most calls, inlined.
func skipWS(b []byte, i int) int {
	if i < len(b) && b[i] > ' ' {
		return i
	}
	return skipWSSlow(b, i)
}

func skipWSSlow(b []byte, i int) int {
	for ; i < len(b); i++ {
		switch b[i] {
		case ' ', '\n', '\t', '\r':
		default:
			return i
		}
	}
	return i
}

// end checks that nothing but whitespace follows the record's value, which
// ends at i.
func (s *scanner) end(i int) int {
	if i < 0 {
		return i
	}
	if i = skipWS(s.b, i); i != len(s.b) {
		return s.fail(i, "more after the record's value")
	}
	return i
}

// colon reads the ':' after an object key, and the whitespace around it.
func (s *scanner) colon(i int) int {
	i = skipWS(s.b, i)
	if i < len(s.b) && s.b[i] == ':' {
		return skipWS(s.b, i+1)
	}
	return s.fail(i, "expected ':' after an object key")
}

// next reads what follows a member of an object or an element of an
// array: a comma, with the whitespace after it, when more follows, or the
// closing bracket.
func (s *scanner) next(i int, closing byte) (int, bool) {
	b := s.b
	i = skipWS(b, i)
	if i < len(b) {
		switch b[i] {
		case ',':
			return skipWS(b, i+1), true
		case closing:
			return i + 1, false
		}
	}
	if i >= len(b) {
		return s.fail(i, "unexpected end of input"), false
	}
	if closing == '}' {
		return s.fail(i, "expected ',' or '}' after an object member"), false
	}
	return s.fail(i, "expected ',' or ']' after an array element"), false
}

// strPlain marks the bytes that stand for themselves in a JSON string.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// stops flags, in the high bit of its byte, each byte of x that ends a
// string, is a backslash or is a control character. It is Mycroft's test
// for a zero byte, which flags every such byte and may flag bytes above
// one, never below: the lowest flag is the first.
func stops(x uint64) uint64 {
	q := x ^ (lsb * '"')
	e := x ^ (lsb * '\\')
	return ((q-lsb)&^q | (e-lsb)&^e | (x-lsb*0x20)&^x) & msb
}

// lsb and msb have the low and the high bit of every byte set.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// str reads the string at i, an object's key or a value.
func (s *scanner) str(i int) (span, int) {
	b := s.b
	if i >= len(b) || b[i] != '"' {
		return span{}, s.fail(i, "expected a string")
	}
	start := i + 1
	i = start
	// Find the first byte that ends the string, is a backslash or is a
	// control character: eight bytes at a time while eight are left.
	var acc uint64 // every byte ORed: a high bit shows a non-ASCII one
	for {
		if i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			stop := stops(x)
			if stop == 0 {
				acc |= x
				i += 8
				continue
			}
			n := bits.TrailingZeros64(stop) / 8
			acc |= x & (1<<(8*n) - 1)
			i += n
			break
		}
		for i < len(b) && strPlain[b[i]] {
			acc |= uint64(b[i])
			i++
		}
		if i == len(b) {
			return span{}, s.fail(i, "unterminated string")
		}
		break
	}
	high := acc&msb != 0
	switch b[i] {
	case '"':
		return span{kind: stringKind(b[start:i], high), start: start, end: i}, i + 1
	case '\\':
		return s.strEscaped(start, i, high)
	default:
		return span{}, s.fail(i, "control character in a string")
	}
}

// strEscaped goes on with a string from its first backslash, at r,
// decoding escapes in place: w is where the next decoded byte goes.
func (s *scanner) strEscaped(start, r int, high bool) (span, int) {
	b := s.b
	w := r
	for r < len(b) {
		c := b[r]
		if strPlain[c] {
			b[w] = c
			w++
			r++
			high = high || c >= utf8.RuneSelf
			continue
		}
		switch {
		case c == '"':
			return span{kind: stringKind(b[start:w], high), start: start, end: w}, r + 1
		case c < 0x20:
			return span{}, s.fail(r, "control character in a string")
		}
		// A backslash.
		if r+1 >= len(b) {
			return span{}, s.fail(len(b), "unterminated string")
		}
		var d byte
		switch b[r+1] {
		case '"':
			d = '"'
		case '\\':
			d = '\\'
		case '/':
			d = '/'
		case 'b':
			d = '\b'
		case 'f':
			d = '\f'
		case 'n':
			d = '\n'
		case 'r':
			d = '\r'
		case 't':
			d = '\t'
		case 'u':
			u, ok := hex4(b, r+2)
			if !ok {
				return span{}, s.fail(r, `invalid \u escape in a string`)
			}
			r += 6
			if !utf16.IsSurrogate(rune(u)) {
				w += utf8.EncodeRune(b[w:], rune(u))
				high = high || u >= utf8.RuneSelf
				continue
			}
			high = true
			if u < 0xdc00 && r+6 <= len(b) && b[r] == '\\' && b[r+1] == 'u' {
				if lo, ok := hex4(b, r+2); ok && 0xdc00 <= lo && lo < 0xe000 {
					w += utf8.EncodeRune(b[w:], utf16.DecodeRune(rune(u), rune(lo)))
					r += 6
					continue
				}
			}
			// A lone surrogate is no character. It is written in the
			// three bytes UTF-8 would give it if it were one, which are
			// not UTF-8, so that the string fails the decoder's UTF-8
			// checks as a string of invalid bytes would.
			b[w] = 0xe0 | byte(u>>12)
			b[w+1] = 0x80 | byte(u>>6)&0x3f
			b[w+2] = 0x80 | byte(u)&0x3f
			w += 3
			continue
		default:
			return span{}, s.fail(r, "invalid escape in a string")
		}
		b[w] = d
		w++
		r += 2
	}
	return span{}, s.fail(len(b), "unterminated string")
}

// stringKind tells a string that is UTF-8 from one that is not; high says
// it has a byte of 0x80 or more, without which it is ASCII.
func stringKind(b []byte, high bool) kind {
	if high && !utf8.Valid(b) {
		return kBadString
	}
	return kString
}

// hex4 reads the four hexadecimal digits of a \u escape at b[i:].
func hex4(b []byte, i int) (uint16, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var u uint16
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		u = u<<4 | uint16(c)
	}
	return u, true
}

// numChar marks the characters of a number's run.
var numChar = func() (t [256]bool) {
	for _, c := range []byte("0123456789.+-eE") {
		t[c] = true
	}
	return t
}()

// number reads a number at i: a run of number characters, which is a JSON
// number (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) or a kBadNumber,
// or a NaN or Inf literal. It follows the grammar and gathers the digits
// as it goes, then finishes the run.
func (s *scanner) number(i int) (span, int) {
	b := s.b
	start := i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	var m uint64 // the digits, as an integer
	nd := 0      // how many: past 19, m may have overflowed
	e := 0       // the decimal exponent of m
	ok := true
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for ; i < len(b) && '0' <= b[i] && b[i] <= '9'; i++ {
			m = m*10 + uint64(b[i]-'0')
			nd++
		}
	default:
		ok = false
	}
	if ok && i < len(b) && b[i] == '.' {
		i++
		j := i
		for ; i < len(b) && '0' <= b[i] && b[i] <= '9'; i++ {
			m = m*10 + uint64(b[i]-'0')
			nd++
		}
		e = j - i
		ok = i > j
	}
	if ok && i < len(b) && b[i]|0x20 == 'e' {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		j := i
		x := 0
		for ; i < len(b) && '0' <= b[i] && b[i] <= '9'; i++ {
			if x < 10000 {
				x = x*10 + int(b[i]-'0')
			}
		}
		ok = i > j
		if eneg {
			x = -x
		}
		e += x
	}
	// Everything read so far is number characters; the run may go on.
	end := i
	for end < len(b) && numChar[b[end]] {
		end++
	}
	if n := end - start; n == 0 || n == 1 && (b[start] == '-' || b[start] == '+') {
		if end+3 <= len(b) && (foldEq3(b[end:end+3], "nan") || foldEq3(b[end:end+3], "inf")) {
			return span{kind: kNonFinite, start: start, end: end + 3, num: math.NaN()}, end + 3
		}
		return span{}, s.fail(start, "invalid character where a value was expected")
	}
	if !ok || end != i {
		return span{kind: kBadNumber, start: start, end: end}, end
	}
	var f float64
	switch {
	case nd > 19:
		f = parseFloatSlow(b[start:end])
	case m == 0:
		// Zero whatever the exponent, with its sign.
		if neg {
			f = math.Copysign(0, -1)
		}
	case m>>53 == 0 && -22 <= e && e <= 22:
		// m and 10^|e| are exact float64s, so one multiplication or
		// division rounds the result correctly, which is what ParseFloat
		// returns (it takes the same path, Clinger's). Nearly every number
		// a model server writes is such a one.
		f = float64(m)
		if e < 0 {
			f /= float64pow10[-e]
		} else {
			f *= float64pow10[e]
		}
		if neg {
			f = -f
		}
	default:
		f = parseFloatSlow(b[start:end])
	}
	return span{kind: kNumber, start: start, end: end, num: f}, end
}

// foldEq3 reports whether the three bytes of b are lower, in ASCII lower
// case.
func foldEq3(b []byte, lower string) bool {
	return b[0]|0x20 == lower[0] && b[1]|0x20 == lower[1] && b[2]|0x20 == lower[2]
}

// float64pow10 are the powers of ten a float64 holds exactly.
var float64pow10 = [...]float64{
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
}

// parseFloatSlow is strconv.ParseFloat on t without copying it. An
// out-of-range number comes back as ParseFloat gives it, ±Inf or zero,
// with an error that only says so; t is a JSON number, so no other error
// occurs.
func parseFloatSlow(t []byte) float64 {
	f, _ := strconv.ParseFloat(unsafe.String(unsafe.SliceData(t), len(t)), 64)
	return f
}

// value reads any value at i, at the given nesting level. An object or an
// array is checked to its end and skipped; inside one, a number run that is
// not a JSON number is malformed, since no field's reason applies there. A
// number run at the value itself is returned as a kBadNumber, for the
// caller to refuse.
func (s *scanner) value(i, level int) (span, int) {
	b := s.b
	if level > maxDepth {
		return span{}, s.fail(i, "nested too deep")
	}
	if i >= len(b) {
		return span{}, s.fail(i, "unexpected end of input")
	}
	switch b[i] {
	case '"':
		return s.str(i)
	case '{':
		j := s.skipObject(i, level)
		return span{kind: kObject, start: i, end: j}, j
	case '[':
		j := s.skipArray(i, level)
		return span{kind: kArray, start: i, end: j}, j
	case 't':
		if !hasPrefix(b[i:], "true") {
			return span{}, s.fail(i, "invalid literal")
		}
		return span{kind: kTrue, start: i, end: i + 4}, i + 4
	case 'f':
		if !hasPrefix(b[i:], "false") {
			return span{}, s.fail(i, "invalid literal")
		}
		return span{kind: kFalse, start: i, end: i + 5}, i + 5
	case 'n':
		if hasPrefix(b[i:], "null") {
			return span{kind: kNull, start: i, end: i + 4}, i + 4
		}
	}
	return s.number(i)
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

// member reads a value the decoder does not use, at the given level.
func (s *scanner) member(i, level int) int {
	v, j := s.value(i, level)
	if j >= 0 && v.kind == kBadNumber {
		return s.fail(v.start, "invalid number")
	}
	return j
}

// skipObject checks the object at i, at the given level, and returns the
// index after it.
func (s *scanner) skipObject(i, level int) int {
	i = skipWS(s.b, i+1)
	if i < len(s.b) && s.b[i] == '}' {
		return i + 1
	}
	for {
		if _, i = s.str(i); i < 0 {
			return i
		}
		if i = s.colon(i); i < 0 {
			return i
		}
		if i = s.member(i, level+1); i < 0 {
			return i
		}
		var more bool
		if i, more = s.next(i, '}'); !more {
			return i
		}
	}
}

// skipArray checks the array at i, at the given level, and returns the
// index after it.
func (s *scanner) skipArray(i, level int) int {
	i = skipWS(s.b, i+1)
	if i < len(s.b) && s.b[i] == ']' {
		return i + 1
	}
	for {
		if i = s.member(i, level+1); i < 0 {
			return i
		}
		var more bool
		if i, more = s.next(i, ']'); !more {
			return i
		}
	}
}
