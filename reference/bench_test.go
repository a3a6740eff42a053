package reference

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/driftmon/driftmon/drift"
)

// benchRefRows is a big training set: MaxExactValues rows, so every
// numeric summary still holds all its values.
const benchRefRows = MaxExactValues

// writeBenchRef writes a reference file as serve reads one for a
// probabilities model: three numeric features and a categorical one, the
// predicted class, a probability per class and the true label, with a
// few missing cells.
func writeBenchRef(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "reference.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("amount,age,score,country,prediction,proba_yes,proba_no,label\n")
	rng := rand.New(rand.NewPCG(1, 2))
	countries := []string{"FR", "DE", "ES", "IT", "PL", "NL", "BE", "PT", "SE", "AT", "DK", "FI", "IE"}
	for i := range benchRefRows {
		amount := strconv.FormatFloat(math.Exp(rng.NormFloat64()+3), 'f', 2, 64)
		if i%97 == 0 {
			amount = "NA"
		}
		p := rng.Float64()
		pred, label := "no", "no"
		if p >= 0.5 {
			pred = "yes"
		}
		if rng.Float64() < p {
			label = "yes"
		}
		if i%113 == 0 {
			label = ""
		}
		fmt.Fprintf(w, "%s,%d,%s,%s,%s,%s,%s,%s\n",
			amount, 18+rng.IntN(60), strconv.FormatFloat(rng.NormFloat64(), 'g', -1, 64),
			countries[rng.IntN(len(countries))], pred,
			strconv.FormatFloat(p, 'f', 4, 64), strconv.FormatFloat(1-p, 'f', 4, 64), label)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

var benchFeatures = []Column{
	{"amount", drift.Numeric}, {"age", drift.Numeric}, {"score", drift.Numeric}, {"country", drift.Categorical},
}

// BenchmarkServeReference reads a reference file as serve does at start,
// the summaries and the outcomes of the label side, in one pass with Load.
// (The two encoding/csv passes it replaced took 166 ms, 84 MB and 398,558
// allocations a run on the same file; Load 122 ms, 76 MB and 200,327,
// medians of -count 5 in one run.)
func BenchmarkServeReference(b *testing.B) {
	path := writeBenchRef(b)
	ctx := context.Background()
	pred := &Column{PredictionName, drift.Categorical}
	b.Run("Load", func(b *testing.B) {
		b.ReportAllocs()
		spec := Spec{Features: benchFeatures, Prediction: pred, Label: "label", Limits: drift.DefaultLimits()}
		for b.Loop() {
			if f, err := Load(ctx, path, spec); err != nil || !f.HasOutcomes {
				b.Fatal(err)
			}
		}
	})
}
