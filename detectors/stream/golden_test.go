package stream

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// river_golden.json holds the indices at which River 0.26.1's detectors,
// with their default parameters (KSWIN seeded 42), signal on fixed streams;
// testdata/gen.py wrote it. Every index must match exactly.
type golden struct {
	RiverVersion string `json:"river_version"`
	KSWINSeed    uint64 `json:"kswin_seed"`
	Streams      []struct {
		Name, Kind string
		Seed       uint64
		N, Change  int
		P0, P1     float64
		Shift      float64
		Detectors  map[string]struct {
			Warnings [][2]int
			Drifts   []int
		}
	}
}

func runsOf(idx []int) [][2]int {
	var out [][2]int
	for _, i := range idx {
		if len(out) > 0 && out[len(out)-1][1] == i-1 {
			out[len(out)-1][1] = i
		} else {
			out = append(out, [2]int{i, i})
		}
	}
	return out
}

func TestRiverGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/river_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	for _, s := range g.Streams {
		var xs []float64
		switch s.Kind {
		case "bernoulli":
			xs = bernoulli(s.Seed, s.N, s.Change, s.P0, s.P1)
		case "numeric":
			xs = numeric(s.Seed, s.N, s.Change, s.Shift)
		case "sea":
			xs = seaFixedErrors(loadSEA(t))
		default:
			t.Fatalf("stream %s: kind %q", s.Name, s.Kind)
		}
		for method, want := range s.Detectors {
			t.Run(s.Name+"/"+method, func(t *testing.T) {
				w, d := run(mustNew(t, method, g.KSWINSeed), xs)
				if !slices.Equal(d, want.Drifts) {
					t.Errorf("drifts\n got %v\nwant %v", d, want.Drifts)
				}
				if got := runsOf(w); !slices.Equal(got, want.Warnings) {
					t.Errorf("warnings\n got %v\nwant %v", got, want.Warnings)
				}
			})
		}
	}
}
