package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// The built-in synthetic model of `driftmon demo`: a fraud-like scorer with
// numeric, categorical and boolean inputs. Its stream is stable for the
// first windows, then two inputs shift (covariate shift), then the model's
// scores move (prior shift of the predictions) while the inputs stay where
// they went.
const (
	synthModel        = "demo"
	synthWindow       = 30 * time.Minute
	synthPerWindow    = 1800 // one event per second of event time
	synthWindows      = 12
	synthCovariateAt  = 4 // first window (0-based) with shifted amount and country
	synthPriorAt      = 8 // first window with shifted scores
	synthReferenceLen = 20000
)

var synthStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var synthFeatures = []struct{ name, kind string }{
	{"amount", "numeric"}, {"age", "numeric"}, {"score_a", "numeric"},
	{"country", "categorical"}, {"device", "categorical"}, {"is_new", "boolean"},
	{"channel", "categorical"}, {"distance_km", "numeric"},
}

// synthExtra draws channel and distance_km, the two inputs that exist to
// be broken (demo_quality.go): a renamed category and a unit change move
// their own drift verdicts and nobody else's. They come from their own
// random stream, so that the other inputs draw the same values as before
// they were added.
func synthExtra(r *rand.Rand) (channel string, distanceKm float64) {
	channel = pick(r, []string{"app", "web", "partner"}, []float64{0.5, 0.3, 0.2})
	distanceKm = math.Round(math.Exp(1.5+0.6*r.NormFloat64())*10) / 10
	return channel, distanceKm
}

type synthRow struct {
	amount, age, scoreA float64
	country, device     string
	isNew               bool
	prediction          float64
}

// synthDraw draws one row of window w (w < 0: the reference period).
func synthDraw(r *rand.Rand, w int) synthRow {
	covariate := w >= synthCovariateAt
	prior := w >= synthPriorAt
	mu := 3.0
	if covariate {
		mu = 3.6 // amounts grow by about 80%
	}
	row := synthRow{
		amount: math.Round(math.Exp(mu+0.8*r.NormFloat64())*100) / 100,
		age:    math.Round(math.Max(18, 40+12*r.NormFloat64())),
		scoreA: r.Float64(),
		isNew:  r.Float64() < 0.2,
	}
	countries, weights := []string{"DE", "FR", "US", "GB"}, []float64{0.4, 0.25, 0.2, 0.15}
	if covariate {
		weights = []float64{0.15, 0.2, 0.5, 0.15} // a new market opens
	}
	row.country = pick(r, countries, weights)
	row.device = pick(r, []string{"ios", "android", "web"}, []float64{0.45, 0.45, 0.1})
	z := -1 + 2*(row.scoreA-0.5) + r.NormFloat64()
	if prior {
		z += 1.5 // the scorer starts flagging far more
	}
	row.prediction = 1 / (1 + math.Exp(-z))
	return row
}

func pick(r *rand.Rand, xs []string, ws []float64) string {
	u := r.Float64()
	for i, w := range ws {
		if u < w {
			return xs[i]
		}
		u -= w
	}
	return xs[len(xs)-1]
}

// writeSynthReference writes n rows of the reference training set as CSV.
func writeSynthReference(w io.Writer, seed uint64, n int) error {
	r, rx := rand.New(rand.NewPCG(seed, 1)), rand.New(rand.NewPCG(seed, 3))
	cw := csv.NewWriter(w)
	cw.Write([]string{"amount", "age", "score_a", "country", "device", "is_new", "channel", "distance_km", "prediction"})
	for i := 0; i < n; i++ {
		row := synthDraw(r, -1)
		channel, km := synthExtra(rx)
		cw.Write([]string{ff(row.amount), ff(row.age), ff(row.scoreA), row.country, row.device,
			strconv.FormatBool(row.isNew), channel, ff(km), ff(row.prediction)})
	}
	cw.Flush()
	return cw.Error()
}

// synthStream draws the synthetic model's events.
type synthStream struct {
	r, rx *rand.Rand // rx: synthExtra's
	n     int
}

func newSynthStream(seed uint64) *synthStream {
	return &synthStream{r: rand.New(rand.NewPCG(seed, 2)), rx: rand.New(rand.NewPCG(seed, 4))}
}

// event draws one event as window w of the demo's timeline would see it (w
// < 0: the reference period), stamped ts.
func (s *synthStream) event(w int, ts time.Time) []byte {
	row := synthDraw(s.r, w)
	channel, km := synthExtra(s.rx)
	s.n++
	b, _ := json.Marshal(map[string]any{
		"model": synthModel, "model_version": "1", "id": fmt.Sprintf("req-%d", s.n),
		"timestamp": ts.UTC().Format(time.RFC3339Nano),
		"features": map[string]any{
			"amount": row.amount, "age": row.age, "score_a": row.scoreA,
			"country": row.country, "device": row.device, "is_new": row.isNew,
			"channel": channel, "distance_km": km,
		},
		"prediction": row.prediction,
	})
	return b
}

// synthEvents returns the demo stream's events, in event-time order, and
// the index of the last event before the producer goes quiet (the end of
// window synthQuietAfter).
func synthEvents(seed uint64) (events [][]byte, pauseAfter int) {
	s := newSynthStream(seed)
	out := make([][]byte, 0, synthWindows*synthPerWindow)
	for w := 0; w < synthWindows; w++ {
		for i := 0; i < synthEventsIn(w); i++ {
			ev, extra := injectBreakage(s, w, i, s.event(w, synthStart.Add(time.Duration(w*synthPerWindow+i)*time.Second)))
			out = append(append(out, ev), extra...)
		}
		if w == synthQuietAfter {
			pauseAfter = len(out) - 1
		}
	}
	return out, pauseAfter
}

func ff(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
