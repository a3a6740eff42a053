package drift

import "testing"

func TestIsMissingToken(t *testing.T) {
	for _, v := range []string{"", "?", "NA", "nan", "NaN", "null"} {
		if !IsMissingToken(v) || !IsMissingToken([]byte(v)) {
			t.Errorf("%q is not missing", v)
		}
	}
	// Only those spellings, and only trimmed.
	for _, v := range []string{" ", "NA ", "na", "NAN", "nAn", "Null", "NULL", "None", "-", "??", "-nan", "inf", "0"} {
		if IsMissingToken(v) || IsMissingToken([]byte(v)) {
			t.Errorf("%q is missing", v)
		}
	}
	b := []byte("null")
	if n := testing.AllocsPerRun(100, func() { IsMissingToken(b) }); n != 0 {
		t.Errorf("%v allocations a call on bytes", n)
	}
}
