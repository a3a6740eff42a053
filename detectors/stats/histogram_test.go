package stats

import (
	"math"
	"testing"
)

func TestHistogramHand(t *testing.T) {
	ln := math.Log
	tests := []struct {
		name          string
		ref, cur      []uint64
		psi, kl, js   float64
		hellinger     float64
		chi2, p       float64
		dof           int
		chi2Tolerance float64
	}{
		{
			// p_r = (1/2, 1/2), p_c = (1/4, 3/4).
			// psi = (1/4-1/2) ln(1/2) + (3/4-1/2) ln(3/2) = (ln 2 + ln 3/2)/4 = ln(3)/4.
			// kl(c||r) = 1/4 ln(1/2) + 3/4 ln(3/2).
			// m = (3/8, 5/8): js^2 = [1/2 ln(4/3) + 1/2 ln(4/5) + 1/4 ln(2/3) + 3/4 ln(6/5)] / (2 ln 2).
			// hellinger^2 = [(sqrt(1/2) - 1/2)^2 + (sqrt(1/2) - sqrt(3/4))^2] / 2.
			// chi2: N = 40, expected 7.5 and 12.5 in both rows, so
			// 2 (2.5^2/7.5 + 2.5^2/12.5) = 8/3 on 1 dof; p = erfc(sqrt(4/3)).
			name: "two bins",
			ref:  []uint64{10, 10}, cur: []uint64{5, 15},
			psi: ln(3) / 4,
			kl:  0.25*ln(0.5) + 0.75*ln(1.5),
			js:  math.Sqrt((0.5*ln(4.0/3) + 0.5*ln(0.8) + 0.25*ln(2.0/3) + 0.75*ln(1.2)) / (2 * ln(2))),
			hellinger: math.Sqrt(0.5 * (math.Pow(math.Sqrt(0.5)-0.5, 2) +
				math.Pow(math.Sqrt(0.5)-math.Sqrt(0.75), 2))),
			chi2: 8.0 / 3, p: math.Erfc(math.Sqrt(4.0 / 3)), dof: 1,
		},
		{
			// An empty current bin takes eps: s_c = (1e-4, 1), s_r = (0.4, 0.6).
			// psi = (1e-4 - 0.4) ln(1e-4/0.4) + 0.4 ln(1/0.6).
			// kl renormalises s_c to (1e-4, 1)/1.0001 before ln.
			// js: m = (0.2, 0.8); the empty bin adds 0.
			// chi2: N = 20, expected 2 and 8 in both rows:
			// 2 (2^2/2 + 2^2/8) = 5 on 1 dof; p = erfc(sqrt(5/2)).
			name: "empty current bin",
			ref:  []uint64{4, 6}, cur: []uint64{0, 10},
			psi: (1e-4-0.4)*ln(1e-4/0.4) + 0.4*ln(1/0.6),
			kl:  (1e-4/1.0001)*ln((1e-4/1.0001)/0.4) + (1/1.0001)*ln((1/1.0001)/0.6),
			js: math.Sqrt((0.4*ln(0.4/0.2) + 0.6*ln(0.6/0.8) + ln(1/0.8)) /
				(2 * ln(2))),
			hellinger: math.Sqrt(0.5 * (0.4 + math.Pow(math.Sqrt(0.6)-1, 2))),
			chi2:      5, p: math.Erfc(math.Sqrt(2.5)), dof: 1,
		},
		{
			// Equal proportions: every distance is 0, chi2 is 0 with p 1.
			name: "identical proportions",
			ref:  []uint64{2, 4, 6}, cur: []uint64{1, 2, 3},
			chi2: 0, p: 1, dof: 2,
		},
		{
			// A new category: ref (5, 5, 0), cur (2, 2, 6); N = 20, column
			// sums 7, 7, 6, expected 3.5, 3.5, 3 in both rows:
			// chi2 = 2 (2 * 1.5^2/3.5 + 3^2/3) = 60/7 on 2 dof, whose
			// survival function is exp(-x/2).
			name: "unseen category",
			ref:  []uint64{5, 5, 0}, cur: []uint64{2, 2, 6},
			psi: 2*(0.2-0.5)*ln(0.4) + (0.6-1e-4)*ln(0.6/1e-4),
			kl: func() float64 {
				z := 1 + 1e-4 // s_r sums to 1.0001
				return 2*0.2*ln(0.2/(0.5/z)) + 0.6*ln(0.6/(1e-4/z))
			}(),
			js: math.Sqrt((2*0.5*ln(0.5/0.35) + 2*0.2*ln(0.2/0.35) + 0.6*ln(0.6/0.3)) /
				(2 * ln(2))),
			hellinger: math.Sqrt(0.5 * (2*math.Pow(math.Sqrt(0.5)-math.Sqrt(0.2), 2) + 0.6)),
			chi2:      60.0 / 7, p: math.Exp(-30.0 / 7), dof: 2,
		},
		{
			// One category on both sides: chi2_contingency's dof-0 case.
			name: "one category",
			ref:  []uint64{7}, cur: []uint64{3},
			chi2: 0, p: 1, dof: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(what string, got, want float64) {
				t.Helper()
				if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Errorf("%s = %.17g, want %.17g", what, got, want)
				}
			}
			check("psi", psi(tt.ref, tt.cur), tt.psi)
			check("kl", kl(tt.ref, tt.cur), tt.kl)
			check("js", jensenShannon(tt.ref, tt.cur), tt.js)
			check("hellinger", hellinger(tt.ref, tt.cur), tt.hellinger)
			stat, p, dof := chi2(tt.ref, tt.cur)
			check("chi2", stat, tt.chi2)
			check("chi2 p", p, tt.p)
			if dof != tt.dof {
				t.Errorf("dof %d, want %d", dof, tt.dof)
			}
		})
	}
}

// TestChi2DropsEmptyColumns: a category counted on neither side changes
// nothing (scipy would refuse the table).
func TestChi2DropsEmptyColumns(t *testing.T) {
	s1, p1, d1 := chi2([]uint64{5, 0, 3}, []uint64{2, 0, 4})
	s2, p2, d2 := chi2([]uint64{5, 3}, []uint64{2, 4})
	if s1 != s2 || p1 != p2 || d1 != d2 || d1 != 1 {
		t.Errorf("with empty column %v %v %v, without %v %v %v", s1, p1, d1, s2, p2, d2)
	}
}

func TestHistogramBadInput(t *testing.T) {
	tests := []struct {
		name     string
		ref, cur []uint64
	}{
		{"lengths differ", []uint64{1, 2}, []uint64{1}},
		{"empty", nil, nil},
		{"reference all zero", []uint64{0, 0}, []uint64{1, 2}},
		{"current all zero", []uint64{1, 2}, []uint64{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, v := range map[string]float64{
				"psi": psi(tt.ref, tt.cur), "kl": kl(tt.ref, tt.cur),
				"js": jensenShannon(tt.ref, tt.cur), "hellinger": hellinger(tt.ref, tt.cur),
			} {
				if !math.IsNaN(v) {
					t.Errorf("%s = %v, want NaN", name, v)
				}
			}
			if s, p, _ := chi2(tt.ref, tt.cur); !math.IsNaN(s) || !math.IsNaN(p) {
				t.Errorf("chi2 = %v, %v; want NaN", s, p)
			}
		})
	}
}

// TestPairwiseSum checks that sums follow numpy's order, not a plain loop:
// 1 followed by 20000 copies of half an ulp of 1. Added one by one, each
// half is rounded away and the sum stays 1. In numpy's order the halves
// mostly meet each other first (eight accumulators, 1 alone in one of them;
// later blocks summed on their own), so the sum exceeds 1 by nearly all of
// them, about 20000 * 2^-53 = 2.2e-12.
func TestPairwiseSum(t *testing.T) {
	half := (math.Nextafter(1, 2) - 1) / 2
	x := make([]float64, 1+20000)
	x[0] = 1
	for i := 1; i < len(x); i++ {
		x[i] = half
	}
	got := pairwiseSum(x)
	if got <= 1+1e-13 || got > 1+20000*half {
		t.Errorf("pairwiseSum = %.17g: not numpy's order", got)
	}
	if pairwiseSum(nil) != 0 || pairwiseSum([]float64{3}) != 3 {
		t.Error("trivial sums")
	}
}
