package config

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/driftmon/driftmon/detectors/quality"
)

// TestQualityPolicy: the model's quality section over the defaults, each
// feature's range and quality over that; a model without a section gets
// the defaults exactly.
func TestQualityPolicy(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "quality.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	w := c.Model("weather")
	p := w.QualityPolicy()

	def := quality.DefaultFeatureQuality()
	def.MissingIncrease, def.MeanShiftSigmas = 0.2, 4
	if !reflect.DeepEqual(p.Default, def) {
		t.Errorf("model default %+v, want %+v", p.Default, def)
	}
	slp := def
	slp.Range = &[2]float64{870, 1085}
	temp := def
	temp.MaxConstantShare, temp.RangeMargin, temp.MaxOutsideReferenceShare = 1, 0.25, 0.01
	for name, want := range map[string]quality.FeatureQuality{"SLP": slp, "TEMP": temp, "station": def} {
		if got := p.For(name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
	wantWindow := quality.WindowQuality{VolumeTolerance: 0.3, ExpectedEvents: 500, MaxLateShare: 0.1,
		MaxDuplicateIDs: 2, Freshness: 600}
	if p.Window != wantWindow {
		t.Errorf("window %+v, want %+v", p.Window, wantWindow)
	}
	if w.MaxIDs() != 50 {
		t.Errorf("max_ids %d, want 50", w.MaxIDs())
	}

	counted := c.Model("counted")
	cp := counted.QualityPolicy()
	if !reflect.DeepEqual(cp.For("x"), quality.DefaultFeatureQuality()) {
		t.Errorf("defaults: %+v", cp.For("x"))
	}
	wantCounted := quality.DefaultWindowQuality()
	wantCounted.CountWindows = true
	if cp.Window != wantCounted || counted.MaxIDs() != DefaultMaxIDs {
		t.Errorf("count model window %+v max ids %d; want %+v, %d", cp.Window, counted.MaxIDs(), wantCounted, DefaultMaxIDs)
	}
}
