package stream

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// The SEA concepts (sea.csv, Street & Kim 2001): label = f1 + f2 <= theta,
// with theta changing at these rows, and 10% of the labels flipped.
var (
	seaChanges = []int{0, 12500, 25000, 37500}
	seaThetas  = []float64{8, 9, 7, 9.5}
)

// seaExpectedError is the error rate of the rule f1 + f2 <= model on a
// concept theta. f1 and f2 are uniform on [0, 10], so s = f1 + f2 has the
// triangular density s/100 on [0, 10] and (20-s)/100 on [10, 20], and
// P(s <= a) = a^2/200 for a <= 10. The rule disagrees with the clean label
// when s lies between model and theta, with probability
// |theta^2 - model^2|/200 (both <= 10 here). A flipped label (10%) turns a
// disagreement into a correct prediction and an agreement into an error:
// error = 0.1 + (1 - 2*0.1) * |theta^2 - model^2| / 200.
//
// For the fixed model (8): 0.100, 0.168 (theta 9), 0.160 (7), 0.205 (9.5).
// So 12,500 raises the error by 0.068, 37,500 by 0.045, and 25,000 lowers it
// by 0.008, a move no detector here can see in 12,500 values; to the
// one-sided ones (DDM, EDDM, HDDM_A, HDDM_W) a fall is invisible anyway.
func seaExpectedError(model, theta float64) float64 {
	if model > 10 || theta > 10 {
		panic("formula valid for thresholds <= 10")
	}
	return 0.1 + 0.8*math.Abs(theta*theta-model*model)/200
}

// seaScore scores drifts against the change points, as River's
// evaluate.py scores detectors on annotated changes but without its
// margin: the first drift in [change, next change) detects the change, with
// delay drift-change; every other drift is a false alarm, including all
// drifts of the first concept and of concepts whose change does not move
// the error (moving[k] false).
func seaScore(drifts []int, moving []bool) (delays []int, falseAlarms, falseFirst int) {
	delays = make([]int, len(seaChanges)-1)
	for k := range delays {
		delays[k] = -1
	}
	for _, d := range drifts {
		k := 0
		for k+1 < len(seaChanges) && d >= seaChanges[k+1] {
			k++
		}
		switch {
		case k == 0:
			falseAlarms++
			falseFirst++
		case moving[k-1] && delays[k-1] < 0:
			delays[k-1] = d - seaChanges[k]
		default:
			falseAlarms++
		}
	}
	return delays, falseAlarms, falseFirst
}

// seaRefitWindow is how many labelled rows after a drift the refit waits
// for. The refit learns only from rows after the detection, as DDM's paper
// does (it stores the examples from the warning on): rows from before the
// drift belong, by the detector's own verdict, to the old concept.
// 1,000 rows pin theta to about +-0.1: the accuracy of a threshold off by d
// drops by 0.8 * 0.085 * d per row, 7 rows in 1,000 for d = 0.1, against a
// noise of a few rows.
const seaRefitWindow = 1000

// fitTheta maximises the accuracy of f1 + f2 <= theta on rows over a grid
// of theta from 0 to 20 in steps of 0.05, returning the mean of the tied
// best grid points (the plateau's middle rather than its edge).
func fitTheta(rows []seaRow) float64 {
	best, sum, n := -1, 0.0, 0
	for g := 0; g <= 400; g++ {
		theta := float64(g) * 0.05
		c := 0
		for _, r := range rows {
			if predict(r, theta) == r.label {
				c++
			}
		}
		switch {
		case c > best:
			best, sum, n = c, theta, 1
		case c == best:
			sum += theta
			n++
		}
	}
	return sum / float64(n)
}

type seaRun struct {
	drifts   []int
	thetas   []float64 // model after each refit
	errRates []float64 // realised error of the served model per concept
}

// seaRefit serves the rule f1 + f2 <= theta, theta starting at 8 (the first
// concept's), feeds its errors to the detector, and after each drift keeps
// serving the old model while it gathers seaRefitWindow labelled rows, then
// refits theta on them and starts a fresh detector for the new model: the
// old detector's statistics describe the old model's errors. While
// gathering, the detector is not fed (there is nothing it could trigger).
func seaRefit(t testing.TB, method string, rows []seaRow) seaRun {
	var r seaRun
	theta := 8.0
	d := mustNew(t, method, 42)
	gatherFrom := -1
	errs := make([]int, len(seaChanges))
	for i, row := range rows {
		miss := predict(row, theta) != row.label
		if miss {
			errs[concept(i)]++
		}
		if gatherFrom >= 0 {
			if i-gatherFrom+1 == seaRefitWindow {
				theta = fitTheta(rows[gatherFrom : i+1])
				r.thetas = append(r.thetas, theta)
				d = mustNew(t, method, 42)
				gatherFrom = -1
			}
			continue
		}
		x := 0.0
		if miss {
			x = 1
		}
		if d.Update(x) == Drift {
			r.drifts = append(r.drifts, i)
			gatherFrom = i + 1
		}
	}
	for k := range errs {
		r.errRates = append(r.errRates, float64(errs[k])/float64(conceptLen(k, len(rows))))
	}
	return r
}

func concept(i int) int {
	k := 0
	for k+1 < len(seaChanges) && i >= seaChanges[k+1] {
		k++
	}
	return k
}

func conceptLen(k, n int) int {
	if k+1 < len(seaChanges) {
		return seaChanges[k+1] - seaChanges[k]
	}
	return n - seaChanges[k]
}

// TestSEAFixedError: the measured error of the fixed rule matches the
// derivation in seaExpectedError within 0.015. The standard error at 12,500
// values is 0.0036, but this one sample of the generator sits below the
// formula throughout: its labels are flipped at 9.5%, not 10%, in every
// concept, and the band 8 < f1 + f2 <= 9 of concept 2 holds 976 rows where
// 1,062 are expected (2.8 standard errors), so concept 2 measures 0.156
// against 0.168.
func TestSEAFixedError(t *testing.T) {
	rows := loadSEA(t)
	xs := seaFixedErrors(rows)
	for k, th := range seaThetas {
		sum := 0.0
		for _, x := range xs[seaChanges[k] : seaChanges[k]+conceptLen(k, len(xs))] {
			sum += x
		}
		got, want := sum/float64(conceptLen(k, len(xs))), seaExpectedError(8, th)
		t.Logf("concept %d (theta %v): error %.4f, expected %.4f", k+1, th, got, want)
		if math.Abs(got-want) > 0.015 {
			t.Errorf("concept %d: error %.4f, expected %.4f", k+1, got, want)
		}
	}
}

// TestSEAFixed: the fixed rule's error rises at 12,500 and 37,500. HDDM_A,
// ADWIN and Page-Hinkley catch both and say nothing in the first concept.
// The others, at River's defaults, do not all manage, and the test records
// how:
//   - DDM catches both, but fires twice in the first concept within its
//     first 200 values: right after the 30-value warm start, p+s can sit far
//     below the true 0.1, and the next errors look like a rise.
//   - EDDM catches both only in the sense that it fires in every concept:
//     it raises false alarms every thousand values or so (see TestStable).
//   - HDDM_W catches 37,500 but 12,500 only after 8,729 values: its EWMA
//     (lambda 0.05, about 20 values of memory) is too noisy for a 0.068 move.
//   - KSWIN never fires: 30 values against 30 need a KS statistic of 0.43
//     for p <= 0.005, and two Bernoulli samples at 0.10 and 0.17 differ by
//     about 0.07.
func TestSEAFixed(t *testing.T) {
	xs := seaFixedErrors(loadSEA(t))
	moving := []bool{true, false, true}
	cases := []struct {
		method        string
		catch         [3]int // max delay per change; -1: must miss or not scored
		maxFirst      int    // false drifts allowed in the first concept
		firstBefore   int    // ... and only before this index
		maxFalseAfter int    // false drifts allowed after the first concept
	}{
		{MethodDDM, [3]int{1000, -1, 3000}, 2, 200, 1},
		{MethodEDDM, [3]int{2000, -1, 3000}, 20, 12500, 20},
		{MethodADWIN, [3]int{1000, -1, 3000}, 0, 0, 0},
		{MethodPageHinkley, [3]int{1000, -1, 3000}, 0, 0, 2},
		{MethodHDDMA, [3]int{1000, -1, 3000}, 0, 0, 0},
		{MethodHDDMW, [3]int{9000, -1, 5000}, 0, 0, 1},
		{MethodKSWIN, [3]int{-1, -1, -1}, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			_, drifts := run(mustNew(t, c.method, 42), xs)
			delays, falseAll, falseFirst := seaScore(drifts, moving)
			t.Logf("drifts %v: delays %v, false %d (first concept %d)", drifts, delays, falseAll, falseFirst)
			for k, max := range c.catch {
				if max >= 0 && (delays[k] < 0 || delays[k] > max) {
					t.Errorf("change at %d: delay %d, want caught within %d", seaChanges[k+1], delays[k], max)
				}
				if c.method == MethodKSWIN && delays[k] >= 0 {
					t.Errorf("KSWIN caught the change at %d, which the note says it cannot", seaChanges[k+1])
				}
			}
			if falseFirst > c.maxFirst {
				t.Errorf("%d drifts in the first concept, want <= %d", falseFirst, c.maxFirst)
			}
			for _, d := range drifts {
				if d < seaChanges[1] && d >= c.firstBefore && c.firstBefore < seaChanges[1] {
					t.Errorf("false drift at %d in the first concept, want none after %d", d, c.firstBefore)
				}
			}
			if falseAll-falseFirst > c.maxFalseAfter {
				t.Errorf("%d false drifts after the first concept, want <= %d", falseAll-falseFirst, c.maxFalseAfter)
			}
		})
	}
}

// TestSEARefit: with the model refitted after each detection, every change
// raises the error of the model being served (8 -> 9: 0.168, 9 -> 7: 0.228,
// 7 -> 9.5: 0.265 by seaExpectedError's formula, for a well-fitted model),
// and ADWIN, Page-Hinkley, HDDM_A and DDM catch all three within 3,000
// events. The exceptions, recorded here and in README.md:
//   - HDDM_W's first detection is the fixed model's, 8,729 events late.
//   - EDDM's false alarm at 36,809 starts a refit window straddling the
//     change at 37,500; the model refitted on that mix (theta 7.05) is
//     already wrong when the fresh detector starts, so its baseline is the
//     raised error and there is no rise left to see.
//   - KSWIN catches nothing, as with the fixed model.
//   - DDM raises a false alarm in the warm-up after nearly every refit.
func TestSEARefit(t *testing.T) {
	rows := loadSEA(t)
	cases := []struct {
		method   string
		catch    [3]int // max delay; -1: expected to miss
		maxFalse int
	}{
		{MethodDDM, [3]int{3000, 3000, 3000}, 10},
		{MethodEDDM, [3]int{3000, 3000, -1}, 30},
		{MethodADWIN, [3]int{3000, 3000, 3000}, 0},
		{MethodPageHinkley, [3]int{3000, 3000, 3000}, 0},
		{MethodHDDMA, [3]int{3000, 3000, 3000}, 0},
		{MethodHDDMW, [3]int{9000, 3000, 3000}, 0},
		{MethodKSWIN, [3]int{-1, -1, -1}, 0},
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			r := seaRefit(t, c.method, rows)
			delays, falseAll, falseFirst := seaScore(r.drifts, []bool{true, true, true})
			t.Logf("drifts %v thetas %.2f: delays %v, false %d (first concept %d), error per concept %.3f",
				r.drifts, r.thetas, delays, falseAll, falseFirst, r.errRates)
			for k, max := range c.catch {
				if max >= 0 && (delays[k] < 0 || delays[k] > max) {
					t.Errorf("change at %d: delay %d, want within %d", seaChanges[k+1], delays[k], max)
				}
				if max < 0 && delays[k] >= 0 {
					t.Errorf("change at %d caught after %d; the note above says it is missed: update it", seaChanges[k+1], delays[k])
				}
			}
			if falseAll > c.maxFalse {
				t.Errorf("%d false alarms, want <= %d", falseAll, c.maxFalse)
			}
		})
	}
}

// TestSEATables prints the two tables of README.md's "Concept drift
// detectors" section:
//
//	go test ./detectors/stream -run TestSEATables -v
func TestSEATables(t *testing.T) {
	rows := loadSEA(t)
	xs := seaFixedErrors(rows)
	var b strings.Builder
	cell := func(d int) string {
		if d < 0 {
			return "missed"
		}
		return fmt.Sprint(d)
	}
	b.WriteString("\nFixed model (f1 + f2 <= 8): delay in events per change, false alarms\n\n")
	b.WriteString("| detector | 12,500 (+0.068) | 25,000 (-0.008) | 37,500 (+0.045) | false alarms (first concept) |\n|---|---|---|---|---|\n")
	for _, m := range Methods() {
		_, drifts := run(mustNew(t, m, 42), xs)
		delays, fa, ff := seaScore(drifts, []bool{true, false, true})
		fmt.Fprintf(&b, "| %s | %s | not scored | %s | %d (%d) |\n", m, cell(delays[0]), cell(delays[2]), fa, ff)
	}
	fmt.Fprintf(&b, "\nRefitted model (theta re-fitted on the %d rows after each drift): delay in events per change, false alarms\n\n", seaRefitWindow)
	b.WriteString("| detector | 12,500 | 25,000 | 37,500 | false alarms (first concept) | error per concept |\n|---|---|---|---|---|---|\n")
	for _, m := range Methods() {
		r := seaRefit(t, m, rows)
		delays, fa, ff := seaScore(r.drifts, []bool{true, true, true})
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d (%d) | %.3f %.3f %.3f %.3f |\n", m,
			cell(delays[0]), cell(delays[1]), cell(delays[2]), fa, ff, r.errRates[0], r.errRates[1], r.errRates[2], r.errRates[3])
	}
	t.Log(b.String())
}
