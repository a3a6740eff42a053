package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Workload is what the benchmark puts on the topic and configures.
type Workload struct {
	// Events on the predictions topic, over every model.
	Events int
	// Models configured, each sent Events/Models events in turn.
	Models int
	// Features a model has: the first half numeric, the rest categorical.
	Features int
	// RefRows is each model's reference file's length.
	RefRows int
	// Window is every model's window length.
	Window time.Duration
	// Windows is how many windows of event time the events span.
	Windows int
	// Partitions of the predictions topic.
	Partitions int
}

// Validate says what is wrong with w, naming the flag.
func (w Workload) Validate() error {
	switch {
	case w.Events < 1:
		return fmt.Errorf("events: want at least 1, got %d", w.Events)
	case w.Models < 1:
		return fmt.Errorf("models: want at least 1, got %d", w.Models)
	case w.Features < 2:
		return fmt.Errorf("features: want at least 2 (half numeric, half categorical), got %d", w.Features)
	case w.RefRows < 10:
		return fmt.Errorf("ref-rows: want at least 10, got %d", w.RefRows)
	case w.Window < time.Second || w.Window%time.Second != 0:
		return fmt.Errorf("window: want whole seconds, at least 1s, got %s", w.Window)
	case w.Windows < 2:
		return fmt.Errorf("windows: want at least 2 (the last stays open), got %d", w.Windows)
	case w.Partitions < 1:
		return fmt.Errorf("partitions: want at least 1, got %d", w.Partitions)
	}
	return nil
}

func (w Workload) numeric() int { return w.Features / 2 }

// span is the event time the events cover.
func (w Workload) span() time.Duration { return time.Duration(w.Windows) * w.Window }

func modelName(i int) string { return fmt.Sprintf("bench-%04d", i) }

// categories a categorical feature takes, the same in the reference and
// the stream.
var categories = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}

// stamps lays the events out in event time: event i at base + i*span/N,
// sent to model i mod M. Every model's time only goes forward, so none is
// late, and each model's windows close as its own events pass them.
type stamps struct {
	base time.Time
	step time.Duration
	w    Workload
}

func newStamps(w Workload, now time.Time) stamps {
	// Aligned to the window, in the past: event time is all that matters
	// to the windows, and whole windows make the expected count plain.
	base := now.Add(-w.span() - 2*w.Window).Truncate(w.Window)
	return stamps{base: base, step: w.span() / time.Duration(w.Events), w: w}
}

func (s stamps) at(i int) time.Time { return s.base.Add(time.Duration(i) * s.step) }

// expectedWindows is how many windows serve must store per model, by the
// rule it closes them by: a window closes once the model's newest event
// time (less the allowed lateness, 0 here) reaches its end. The last
// window each model touched stays open.
func (s stamps) expectedWindows() map[string]int {
	want := make(map[string]int, s.w.Models)
	for m := 0; m < s.w.Models && m < s.w.Events; m++ {
		// The model's events are m, m+M, m+2M, ...; its newest is the
		// last of them.
		last := m + (s.w.Events-1-m)/s.w.Models*s.w.Models
		newest := s.at(last)
		seen := map[int64]bool{}
		for i := m; i <= last; i += s.w.Models {
			seq := s.at(i).UnixNano() / int64(s.w.Window)
			if seen[seq] {
				continue
			}
			seen[seq] = true
			if end := time.Unix(0, (seq+1)*int64(s.w.Window)); !end.After(newest) {
				want[modelName(m)]++
			}
		}
	}
	return want
}

// appendEvent appends event i as a model server would send it (the event
// contract's JSON), its values drawn from r.
func (s stamps) appendEvent(b []byte, i int, r *rand.Rand) []byte {
	b = append(b, `{"model":"`...)
	b = append(b, modelName(i%s.w.Models)...)
	b = append(b, `","id":"e`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","timestamp":"`...)
	b = s.at(i).UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","features":{`...)
	for f := 0; f < s.w.Features; f++ {
		if f > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, featureName(s.w, f)...)
		b = append(b, `":`...)
		if f < s.w.numeric() {
			b = strconv.AppendFloat(b, numericValue(r, f), 'g', 8, 64)
		} else {
			b = append(b, '"')
			b = append(b, categories[r.IntN(len(categories))]...)
			b = append(b, '"')
		}
	}
	b = append(b, `},"prediction":`...)
	b = strconv.AppendFloat(b, r.Float64(), 'g', 6, 64)
	return append(b, '}')
}

func featureName(w Workload, f int) string {
	if f < w.numeric() {
		return "n" + strconv.Itoa(f)
	}
	return "c" + strconv.Itoa(f-w.numeric())
}

// numericValue draws feature f's value: normal, each feature its own mean.
func numericValue(r *rand.Rand, f int) float64 { return float64(f) + r.NormFloat64() }

// writeReferences writes each model's reference CSV into dir, leaving a
// file already there alone: its name holds everything its content depends
// on, so a second run reuses it (1,000 models of 20,000 rows are 3 GB). It
// returns the paths by model.
func writeReferences(w Workload, dir string) ([]string, error) {
	paths := make([]string, w.Models)
	for m := range w.Models {
		paths[m] = filepath.Join(dir, fmt.Sprintf("ref-v1-f%d-r%d-%04d.csv", w.Features, w.RefRows, m))
		if st, err := os.Stat(paths[m]); err == nil && st.Size() > 0 {
			continue
		}
		// Written aside and renamed: an interrupted run leaves no short
		// file to be taken for a whole one.
		tmp := paths[m] + ".tmp"
		if err := os.WriteFile(tmp, referenceCSV(w, uint64(m)), 0o600); err != nil {
			return nil, fmt.Errorf("reference of %s: %w", modelName(m), err)
		}
		if err := os.Rename(tmp, paths[m]); err != nil {
			return nil, fmt.Errorf("reference of %s: %w", modelName(m), err)
		}
	}
	return paths, nil
}

// referenceCSV is one model's reference: the stream's distributions, its
// own seed.
func referenceCSV(w Workload, seed uint64) []byte {
	var b []byte
	for f := 0; f < w.Features; f++ {
		b = append(b, featureName(w, f)...)
		b = append(b, ',')
	}
	b = append(b, "prediction\n"...)
	r := rand.New(rand.NewPCG(seed, 99))
	for range w.RefRows {
		for f := 0; f < w.Features; f++ {
			if f < w.numeric() {
				b = strconv.AppendFloat(b, numericValue(r, f), 'g', 8, 64)
			} else {
				b = append(b, categories[r.IntN(len(categories))]...)
			}
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, r.Float64(), 'g', 6, 64)
		b = append(b, '\n')
	}
	return b
}
