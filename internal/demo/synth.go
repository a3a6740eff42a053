package demo

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
// first windows, then two inputs shift (covariate shift), then the relation
// between inputs and outcome changes while the inputs' and the scores'
// distributions stay as they are (concept drift: only the labels, which come
// 40 minutes after their predictions, can show it), then the model's scores
// move (prior shift of the predictions) while the inputs stay where they
// went.
const (
	synthModel       = "demo"
	synthWindow      = 30 * time.Minute
	synthPerWindow   = 1800 // one event per second of event time
	synthWindows     = 12
	synthCovariateAt = 4 // first window (0-based) with shifted amount and country
	synthPriorAt     = 8 // first window with shifted scores
	// synthConceptAt is the first window whose outcomes no longer follow
	// the scores: the part of the score the model read from the noise
	// now points the other way (accuracy falls from about 0.75 to 0.56,
	// ROC AUC from 0.77 to 0.37, while the fraud rate stays at 0.31).
	synthConceptAt    = 6
	synthLabelDelay   = 40 * time.Minute
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
	// noise is the score's random part, which the outcome shares.
	noise float64
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
	row.noise = r.NormFloat64()
	z := -1 + 2*(row.scoreA-0.5) + row.noise
	if prior {
		z += 1.5 // the scorer starts flagging far more
	}
	row.prediction = 1 / (1 + math.Exp(-z))
	return row
}

// synthLabel draws the true outcome of a row of window w from rl: 1 with
// the probability the model's score would be, right up to the concept
// change, from which the noise the score shares with the outcome flips.
func synthLabel(rl *rand.Rand, row synthRow, w int) int {
	e := row.noise
	if w >= synthConceptAt {
		e = -e
	}
	if rl.Float64() < 1/(1+math.Exp(-(-1+2*(row.scoreA-0.5)+e))) {
		return 1
	}
	return 0
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
	r, rx, rl := rand.New(rand.NewPCG(seed, 1)), rand.New(rand.NewPCG(seed, 3)), rand.New(rand.NewPCG(seed, 5))
	cw := csv.NewWriter(w)
	cw.Write([]string{"amount", "age", "score_a", "country", "device", "is_new", "channel", "distance_km", "prediction", "label"})
	for i := 0; i < n; i++ {
		row := synthDraw(r, -1)
		channel, km := synthExtra(rx)
		cw.Write([]string{ff(row.amount), ff(row.age), ff(row.scoreA), row.country, row.device,
			strconv.FormatBool(row.isNew), channel, ff(km), ff(row.prediction), strconv.Itoa(synthLabel(rl, row, -1))})
	}
	cw.Flush()
	return cw.Error()
}

// synthStream draws the synthetic model's events.
type synthStream struct {
	r, rx, rl *rand.Rand // rx: synthExtra's; rl: synthLabel's
	n         int
	// label is the last event's label event, stamped synthLabelDelay
	// after it.
	label []byte
}

func newSynthStream(seed uint64) *synthStream {
	return &synthStream{r: rand.New(rand.NewPCG(seed, 2)), rx: rand.New(rand.NewPCG(seed, 4)), rl: rand.New(rand.NewPCG(seed, 6))}
}

// event draws one event as window w of the demo's timeline would see it (w
// < 0: the reference period), stamped ts.
func (s *synthStream) event(w int, ts time.Time) []byte {
	row := synthDraw(s.r, w)
	channel, km := synthExtra(s.rx)
	s.n++
	s.label, _ = json.Marshal(map[string]any{
		"model": synthModel, "id": fmt.Sprintf("req-%d", s.n),
		"timestamp": ts.Add(synthLabelDelay).UTC().Format(time.RFC3339Nano), "label": synthLabel(s.rl, row, w),
	})
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

// synthEvents returns the demo stream's events, in event-time order; the
// index of the last event before the producer goes quiet (the end of window
// synthQuietAfter); and the labels, each with the index of the event after
// which it is sent: a window's labels once the next window's events are
// out, so they come after their window closed. Events whose id the
// breakage reuses, and the late ones, get no label: every label of window
// w then lands in it, labelled[w] of them.
func synthEvents(seed uint64) (events [][]byte, pauseAfter int, labels []demoLabel, labelled map[int]int) {
	s := newSynthStream(seed)
	out := make([][]byte, 0, synthWindows*synthPerWindow)
	labelled = map[int]int{}
	var pending []demoLabel
	for w := 0; w < synthWindows; w++ {
		var mine [][]byte
		for i := 0; i < synthEventsIn(w); i++ {
			ev := s.event(w, synthStart.Add(time.Duration(w*synthPerWindow+i)*time.Second))
			if !(w == synthDuplicatesAt && i >= 100 && i < 110) {
				mine = append(mine, s.label)
			}
			ev, extra := injectBreakage(s, w, i, ev)
			out = append(append(out, ev), extra...)
		}
		if w == synthQuietAfter {
			pauseAfter = len(out) - 1
		}
		// The previous window's labels go out after this window's events.
		for _, l := range pending {
			l.after = len(out) - 1
			labels = append(labels, l)
		}
		pending = pending[:0]
		for _, l := range mine {
			pending = append(pending, demoLabel{value: l})
		}
		labelled[w] = len(mine)
	}
	for _, l := range pending {
		l.after = len(out) - 1
		labels = append(labels, l)
	}
	return out, pauseAfter, labels, labelled
}

func ff(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
