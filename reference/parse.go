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
