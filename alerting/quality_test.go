package alerting_test

import (
	"testing"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/detectors/quality"
	"github.com/driftmon/driftmon/drift"
)

// TestQualityRowsAlert: a rule matching family quality fires on the
// quality checks' rows like on any other result: one alert per feature and
// check, from the window where the check fails.
func TestQualityRowsAlert(t *testing.T) {
	r := rule("data-quality", 1, 0, "hook")
	r.Match = config.MatchConfig{Family: drift.Quality}
	e := newEngine(openStore(t, t.TempDir()), r)
	healthy := drift.NewFeatureSummary("amount", drift.Numeric, nil, drift.DefaultLimits(), 1)
	broken := drift.NewFeatureSummary("amount", drift.Numeric, nil, drift.DefaultLimits(), 1)
	for i := range 10 {
		healthy.Observe(drift.NumberValue(float64(i)))
		broken.Observe(drift.NumberValue(float64(i)))
		if i < 8 {
			// 8 of 18 events missing: missing_share 0.44 > 0.10.
			broken.Observe(drift.Value{Kind: drift.Missing})
		}
	}
	ref := &drift.Reference{Features: []*drift.FeatureSummary{healthy}}
	for seq, f := range []*drift.FeatureSummary{healthy, broken} {
		w := window(int64(seq))
		w.Events, w.Features = f.Total(), []*drift.FeatureSummary{f}
		rows := quality.Evaluate(ref, w, 0, quality.DefaultPolicy())
		msgs := process(t, e, w, rows, start.Add(time.Duration(seq+1)*time.Hour))
		switch seq {
		case 0:
			if len(msgs) != 0 {
				t.Fatalf("healthy window: %d messages", len(msgs))
			}
		case 1:
			if len(msgs) != 1 || len(msgs[0].Alerts) != 1 {
				t.Fatalf("broken window: messages %+v, want one alert", msgs)
			}
			a := msgs[0].Alerts[0]
			if a.Family != "quality" || a.Feature != "amount" || a.Method != "missing_share" || a.Status != "firing" {
				t.Errorf("alert %+v, want amount missing_share firing", a)
			}
		}
	}
}
