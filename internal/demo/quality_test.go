package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestDemoPrintsTheInjectedBreakage: the synthetic demo injects one
// data-quality breakage per window (demo_quality.go) and prints each, in
// its window, as a "quality" line, by its own check: the rename as new
// categories (about a fifth of channel, the share "partner" has), the
// metres as every distance out of range and a mean a thousand times too
// big (far beyond 3 sigma), the half window as a volume of 900/1800 = 0.5,
// at the tolerance's edge, the producer's pause after window 7 as a
// freshness failure keyed by window 7 (the window the model went quiet
// in, closed for idleness 2 s into the 6 s pause, before the 4 s limit
// passed) and then one recovery. From window 4 on, amount grew by 80%, and its
// largest values leave the reference's range too: that is the covariate
// shift's own doing, and the only other failure allowed.
func TestDemoPrintsTheInjectedBreakage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runCLI([]string{"--json"}, &out, &errOut); code != 0 {
		t.Fatalf("demo exited %d\nstderr:\n%s", code, errOut.String())
	}
	seq0 := synthStart.Unix() / int64(synthWindow/time.Second)
	got := map[int][]string{}
	var recovered []string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l demoLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("stdout line is not JSON: %q", sc.Text())
		}
		if l.Type != "quality" {
			continue
		}
		recovered = append(recovered, l.Recovered...)
		w := int(l.WindowSeq - seq0)
		for _, f := range l.Failed {
			got[w] = append(got[w], f.Feature+"/"+f.Check)
		}
		slices.Sort(got[w])
	}
	want := map[int][]string{
		synthNullAt:       {"/schema_violations", "age/missing_share"},
		synthOutOfRangeAt: {"age/out_of_range_share"},
		synthSchemaAt:     {"/schema_violations"},
		synthDuplicatesAt: {"/duplicate_ids"},
		synthLateAt:       {"/late_share"},
		synthRenameAt:     {"channel/new_category_share"},
		synthUnitAt:       {"distance_km/mean_shift", "distance_km/out_of_range_share"},
		synthHalvedAt:     {"/volume"},
		synthQuietAfter:   {"/freshness_seconds"},
	}
	if fmt.Sprint(recovered) != "[freshness_seconds]" {
		t.Errorf("recoveries %v, want freshness_seconds once", recovered)
	}
	for w := range synthWindows {
		g := slices.DeleteFunc(slices.Clone(got[w]), func(c string) bool {
			return w >= synthCovariateAt && c == "amount/out_of_range_share"
		})
		if fmt.Sprint(g) != fmt.Sprint(want[w]) {
			t.Errorf("window %d: quality failures %v, want %v", w, got[w], want[w])
		}
	}
}
