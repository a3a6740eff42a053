package perf

import (
	"math/rand/v2"
	"testing"
)

// benchN is the window size of the benchmarks: 1e5 labelled events.
const benchN = 100000

// benchClasses draws predicted and true classes among 5 with 70% right.
func benchClasses() (pred, label []string) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"class-0", "class-1", "class-2", "class-3", "class-4"}
	pred, label = make([]string, benchN), make([]string, benchN)
	for i := range pred {
		label[i] = names[rng.IntN(len(names))]
		pred[i] = label[i]
		if rng.Float64() < 0.3 {
			pred[i] = names[rng.IntN(len(names))]
		}
	}
	return pred, label
}

func BenchmarkClassify(b *testing.B) {
	pred, label := benchClasses()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Classify(pred, label); !ok {
			b.Fatal("not ok")
		}
	}
}

// BenchmarkROCAUC: distinct scores (the sort dominates), and scores with
// three decimals (1,000 distinct values, many ties).
func BenchmarkROCAUC(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	score, pos := make([]float64, benchN), make([]bool, benchN)
	for i := range score {
		pos[i] = rng.Float64() < 0.3
		score[i] = rng.Float64()
		if pos[i] {
			score[i] = min(1, score[i]+0.2)
		}
	}
	tied := make([]float64, benchN)
	for i, s := range score {
		tied[i] = float64(int(s*1000)) / 1000
	}
	for _, c := range []struct {
		name  string
		score []float64
	}{{"distinct", score}, {"ties", tied}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := ROCAUC(c.score, pos); !ok {
					b.Fatal("not ok")
				}
			}
		})
	}
}

// BenchmarkCBPEEstimate: a CBPE fitted on 1e5 reference events (234
// calibration points after pooling) estimating a window of 1e5; the sort
// of the window is most of the time.
func BenchmarkCBPEEstimate(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	refProb, refPos := calibratedWorld(rng, 2, 2, benchN)
	c, err := FitCBPE(refProb, refPos, 0.25)
	if err != nil {
		b.Fatal(err)
	}
	px, _ := c.cal.Points()
	b.Logf("calibration points: %d", len(px))
	prob, _ := calibratedWorld(rng, 4, 1.5, benchN)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := c.Estimate(prob); !ok {
			b.Fatal("not ok")
		}
	}
}

// BenchmarkFitCBPE: the one-off calibration on a reference of 1e5.
func BenchmarkFitCBPE(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	refProb, refPos := calibratedWorld(rng, 2, 2, benchN)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FitCBPE(refProb, refPos, 0.25); err != nil {
			b.Fatal(err)
		}
	}
}
