package perf

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// golden mirrors testdata/golden.json (made by testdata/gen.py with
// scikit-learn; see testdata/README.md).
type golden struct {
	SklearnVersion string `json:"sklearn_version"`
	Classify       []struct {
		Name           string   `json:"name"`
		Pred           []string `json:"pred"`
		Label          []string `json:"label"`
		Accuracy       float64  `json:"accuracy"`
		PrecisionMacro float64  `json:"precision_macro"`
		RecallMacro    float64  `json:"recall_macro"`
		F1Macro        float64  `json:"f1_macro"`
		PerClass       []struct {
			Class     string  `json:"class"`
			Precision float64 `json:"precision"`
			Recall    float64 `json:"recall"`
			F1        float64 `json:"f1"`
			Support   int     `json:"support"`
		} `json:"per_class"`
	} `json:"classify"`
	ROCAUC []struct {
		Name     string    `json:"name"`
		Score    []float64 `json:"score"`
		Positive []bool    `json:"positive"`
		AUC      float64   `json:"auc"`
	} `json:"roc_auc"`
	LogLoss []struct {
		Name     string    `json:"name"`
		P        []float64 `json:"p"`
		Positive []bool    `json:"positive"`
		Loss     float64   `json:"loss"`
	} `json:"log_loss"`
	LogLossMulti []struct {
		Name  string      `json:"name"`
		Probs [][]float64 `json:"probs"`
		Label []int       `json:"label"`
		Loss  float64     `json:"loss"`
	} `json:"log_loss_multi"`
	Regress []struct {
		Name  string    `json:"name"`
		Pred  []float64 `json:"pred"`
		Truth []float64 `json:"truth"`
		MAE   float64   `json:"mae"`
		RMSE  float64   `json:"rmse"`
		MAPE  float64   `json:"mape"`
	} `json:"regress"`
	Isotonic []struct {
		Name    string    `json:"name"`
		X       []float64 `json:"x"`
		Y       []float64 `json:"y"`
		W       []float64 `json:"w"`
		At      []float64 `json:"at"`
		Predict []float64 `json:"predict"`
		PointsX []float64 `json:"points_x"`
		PointsY []float64 `json:"points_y"`
	} `json:"isotonic"`
	CBPE []struct {
		Name        string    `json:"name"`
		RefProb     []float64 `json:"ref_prob"`
		RefPositive []bool    `json:"ref_positive"`
		Threshold   float64   `json:"threshold"`
		Prob        []float64 `json:"prob"`
		Calibrated  []float64 `json:"calibrated"`
		Accuracy    float64   `json:"accuracy"`
		F1          float64   `json:"f1"`
		ROCAUC      float64   `json:"roc_auc"`
	} `json:"cbpe"`
}

// relTol is the golden comparison's tolerance, relative (absolute for
// values below 1): the computations are the same sums in a different order
// (numpy sums pairwise), a few ulps apart.
const relTol = 1e-12

func loadGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if g.SklearnVersion != "1.9.1" {
		t.Fatalf("golden.json from scikit-learn %s; the comments and README name 1.9.1", g.SklearnVersion)
	}
	return g
}

func near(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= relTol*max(1, math.Abs(want))
}

func checkNear(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !near(got, want) {
		t.Errorf("%s = %.17g, scikit-learn %.17g (diff %.3g)", what, got, want, got-want)
	}
}

func TestGoldenClassify(t *testing.T) {
	for _, tc := range loadGolden(t).Classify {
		t.Run(tc.Name, func(t *testing.T) {
			c, ok := Classify(tc.Pred, tc.Label)
			if !ok {
				t.Fatal("not ok")
			}
			if c.N != len(tc.Pred) {
				t.Errorf("N = %d, want %d", c.N, len(tc.Pred))
			}
			checkNear(t, "accuracy", c.Accuracy, tc.Accuracy)
			checkNear(t, "precision_macro", c.PrecisionMacro, tc.PrecisionMacro)
			checkNear(t, "recall_macro", c.RecallMacro, tc.RecallMacro)
			checkNear(t, "f1_macro", c.F1Macro, tc.F1Macro)
			if len(c.PerClass) != len(tc.PerClass) {
				t.Fatalf("%d classes, want %d", len(c.PerClass), len(tc.PerClass))
			}
			for i, w := range tc.PerClass {
				g := c.PerClass[i]
				if g.Class != w.Class || g.Support != w.Support {
					t.Errorf("class %d = %q support %d, want %q support %d", i, g.Class, g.Support, w.Class, w.Support)
				}
				checkNear(t, w.Class+" precision", g.Precision, w.Precision)
				checkNear(t, w.Class+" recall", g.Recall, w.Recall)
				checkNear(t, w.Class+" f1", g.F1, w.F1)
			}
		})
	}
}

func TestGoldenROCAUC(t *testing.T) {
	for _, tc := range loadGolden(t).ROCAUC {
		t.Run(tc.Name, func(t *testing.T) {
			auc, ok := ROCAUC(tc.Score, tc.Positive)
			if !ok {
				t.Fatal("not ok")
			}
			checkNear(t, "auc", auc, tc.AUC)
		})
	}
}

func TestGoldenLogLoss(t *testing.T) {
	g := loadGolden(t)
	for _, tc := range g.LogLoss {
		t.Run(tc.Name, func(t *testing.T) {
			l, ok := LogLoss(tc.P, tc.Positive)
			if !ok {
				t.Fatal("not ok")
			}
			checkNear(t, "log loss", l, tc.Loss)
		})
	}
	for _, tc := range g.LogLossMulti {
		t.Run("multi/"+tc.Name, func(t *testing.T) {
			l, ok := LogLossMulti(tc.Probs, tc.Label)
			if !ok {
				t.Fatal("not ok")
			}
			checkNear(t, "log loss", l, tc.Loss)
		})
	}
}

func TestGoldenRegress(t *testing.T) {
	for _, tc := range loadGolden(t).Regress {
		t.Run(tc.Name, func(t *testing.T) {
			r, ok := Regress(tc.Pred, tc.Truth)
			if !ok {
				t.Fatal("not ok")
			}
			if r.N != len(tc.Pred) {
				t.Errorf("N = %d, want %d", r.N, len(tc.Pred))
			}
			checkNear(t, "mae", r.MAE, tc.MAE)
			checkNear(t, "rmse", r.RMSE, tc.RMSE)
			// MAPE with a zero truth is of order 1e15: relative.
			checkNear(t, "mape", r.MAPE, tc.MAPE)
		})
	}
}

func TestGoldenIsotonic(t *testing.T) {
	for _, tc := range loadGolden(t).Isotonic {
		t.Run(tc.Name, func(t *testing.T) {
			f, err := FitIsotonic(tc.X, tc.Y, tc.W)
			if err != nil {
				t.Fatal(err)
			}
			px, py := f.Points()
			if len(px) != len(tc.PointsX) {
				t.Fatalf("%d fitted points %v, scikit-learn %d %v", len(px), px, len(tc.PointsX), tc.PointsX)
			}
			for i := range px {
				checkNear(t, "point x", px[i], tc.PointsX[i])
				checkNear(t, "point y", py[i], tc.PointsY[i])
			}
			for i, x := range tc.At {
				checkNear(t, "predict("+ftoa(x)+")", f.Predict(x), tc.Predict[i])
			}
		})
	}
}

func TestGoldenCBPE(t *testing.T) {
	for _, tc := range loadGolden(t).CBPE {
		t.Run(tc.Name, func(t *testing.T) {
			c, err := FitCBPE(tc.RefProb, tc.RefPositive, tc.Threshold)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range tc.Prob {
				checkNear(t, "calibrated("+ftoa(p)+")", c.Calibrated(p), tc.Calibrated[i])
			}
			e, ok := c.Estimate(tc.Prob)
			if !ok {
				t.Fatal("not ok")
			}
			checkNear(t, "accuracy", e.Accuracy, tc.Accuracy)
			checkNear(t, "f1", e.F1, tc.F1)
			checkNear(t, "roc_auc", e.ROCAUC, tc.ROCAUC)
		})
	}
}
