package stream

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// river_golden.json holds the indices at which River 0.26.1's detectors,
// with their default parameters (KSWIN seeded 42), signal on fixed streams;
// testdata/gen.py wrote it, with a few non-default settings besides
// (goldenDetector). Every index must match exactly.
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
				w, d := run(goldenDetector(t, method, g.KSWINSeed), xs)
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

// goldenDetector builds the detector gen.py names: a method with River's
// defaults, or "<method>:<variant>" for the settings of gen.py's VARIANTS.
func goldenDetector(t *testing.T, name string, seed uint64) Detector {
	t.Helper()
	var d Detector
	var err error
	switch name {
	case "hddm_a:two_sided":
		c := DefaultHDDMAConfig()
		c.TwoSided = true
		d, err = NewHDDMA(c)
	case "hddm_w:two_sided":
		c := DefaultHDDMWConfig()
		c.TwoSided = true
		d, err = NewHDDMW(c)
	case "page_hinkley:up", "page_hinkley:down":
		c := DefaultPageHinkleyConfig()
		c.Mode = name[len("page_hinkley:"):]
		d, err = NewPageHinkley(c)
	case "adwin:clock1_delta0.01":
		c := DefaultADWINConfig()
		c.Delta, c.Clock = 0.01, 1
		d, err = NewADWIN(c)
	case "kswin:seed7_alpha0.01":
		c := DefaultKSWINConfig()
		c.Alpha, c.Seed = 0.01, 7
		d, err = NewKSWIN(c)
	case "ddm:warm100":
		c := DefaultDDMConfig()
		c.WarmStart = 100
		d, err = NewDDM(c)
	case "eddm:alpha0.8_beta0.75":
		d, err = NewEDDM(EDDMConfig{WarmStart: 30, Alpha: 0.8, Beta: 0.75})
	default:
		d, err = New(name, seed)
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}
