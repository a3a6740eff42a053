package reference

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// ParseNumber reads v as Python's float() does, so a column is numeric here
// exactly when it is for the oracle. strconv.ParseFloat agrees with Python
// on decimal syntax (underscores between digits included) and on inf,
// infinity and nan in any case; it differs in three places, handled here:
// Go reads hexadecimal floats (Python's float() does not), Python reads a
// signed nan, and Python reads an overflowing literal as an infinity where
// Go reports a range error. (Python also reads non-ASCII decimal digits;
// they are not numbers here.) v must already be trimmed.
func ParseNumber(v string) (float64, bool) {
	if f, ok := parseSimple(v); ok {
		return f, true
	}
	if isHex(v) {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err == nil {
		return f, true
	}
	if errors.Is(err, strconv.ErrRange) {
		return f, true // +-Inf on overflow; underflow returns 0 without error
	}
	if len(v) == 4 && (v[0] == '+' || v[0] == '-') && strings.EqualFold(v[1:], "nan") {
		return math.NaN(), true
	}
	return 0, false
}

// isHex reports the "0x" prefix, after an optional sign, of the only
// strings strconv.ParseFloat reads with an x in them.
func isHex(v string) bool {
	if len(v) > 0 && (v[0] == '+' || v[0] == '-') {
		v = v[1:]
	}
	return len(v) >= 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')
}

// parseBool reads the spellings of a boolean a training set uses.
func parseBool(v string) (b, ok bool) {
	switch {
	case v == "1" || strings.EqualFold(v, "true"):
		return true, true
	case v == "0" || strings.EqualFold(v, "false"):
		return false, true
	}
	return false, false
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseSimple reads the plain decimals most reference files hold (an
// optional sign, digits, an optional point and digits; no exponent) when
// their digits make an integer of at most 2^53 and at most 22 of them
// follow the point: then the integer and the power of ten are both exact
// float64s, and one division rounds correctly, so the result is
// strconv.ParseFloat's bit for bit (Clinger's fast path, which ParseFloat
// also takes, after its general scan). Anything else is left to
// ParseFloat (ok false). Parsing numbers was a sixth of a reference's load.
func parseSimple(v string) (float64, bool) {
	i, neg := 0, false
	if i < len(v) && (v[i] == '+' || v[i] == '-') {
		neg = v[i] == '-'
		i++
	}
	var mant uint64
	digits, frac, point := 0, 0, false
	for ; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			if digits == 19 {
				return 0, false // might overflow uint64
			}
			mant = mant*10 + uint64(c-'0')
			if mant > 0 || point {
				// Leading zeros before the point add nothing.
				digits++
			}
			if point {
				frac++
			}
		case c == '.' && !point:
			point = true
		default:
			return 0, false
		}
	}
	// At least one digit: "", "+", "." and "-." are not numbers.
	if len(v) == 0 || (digits == 0 && !strings.ContainsAny(v, "0123456789")) {
		return 0, false
	}
	if mant > 1<<53 || frac >= len(pow10) {
		return 0, false
	}
	f := float64(mant)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f, true
}
