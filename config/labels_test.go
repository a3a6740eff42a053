package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/detectors/stream"
)

// A model runs the default stream detectors unless it lists its own; an
// empty list runs none; an unknown name is an error at its key.
func TestConceptDetectors(t *testing.T) {
	for _, tc := range []struct {
		name, concept string
		want          []string
	}{
		{"absent", "", stream.Defaults()},
		{"no list", "\n    concept: {threshold: 0.5}", stream.Defaults()},
		{"empty", "\n    concept: {detectors: []}", []string{}},
		{"opt-in", "\n    concept: {detectors: [ddm, kswin, adwin]}", []string{"ddm", "kswin", "adwin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse([]byte(`
models:
  - name: m
    window: {events: 100}
    reference: {previous: true}
    prediction: class
    features:
      x: numeric`+tc.concept+"\n"), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Models[0].Concept.DetectorsToRun(); !slices.Equal(got, tc.want) {
				t.Errorf("detectors %v, want %v", got, tc.want)
			}
		})
	}
	_, err := Parse([]byte(`
models:
  - name: m
    window: {events: 100}
    reference: {previous: true}
    prediction: class
    features:
      x: numeric
    concept: {detectors: [adwin, cusum]}
`), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "models[0].concept.detectors[1]") {
		t.Errorf("unknown detector: error %v, want one naming models[0].concept.detectors[1]", err)
	}
}
