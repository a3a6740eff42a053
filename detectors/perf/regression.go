package perf

import "math"

// Regression is the error of numeric predictions.
type Regression struct {
	N               int
	MAE, RMSE, MAPE float64
}

// Regress scores numeric predictions against the truth; MAPE is
// mean(|y - yhat| / max(|y|, eps)) as scikit-learn's
// mean_absolute_percentage_error (a fraction, not percent).
//
// eps is the float64 machine epsilon (2^-52), so a zero truth with a wrong
// prediction gives a huge but finite MAPE, as in scikit-learn 1.9.1. RMSE
// is sqrt(mean((y - yhat)^2)), scikit-learn's root_mean_squared_error. ok
// is false when the slices are empty, of different lengths, or hold a NaN
// or an infinity.
func Regress(pred, truth []float64) (r Regression, ok bool) {
	if len(pred) == 0 || len(pred) != len(truth) {
		return Regression{}, false
	}
	const eps = 0x1p-52
	var abs, sq, pct float64
	for i, yhat := range pred {
		y := truth[i]
		if math.IsNaN(y) || math.IsInf(y, 0) || math.IsNaN(yhat) || math.IsInf(yhat, 0) {
			return Regression{}, false
		}
		e := math.Abs(y - yhat)
		abs += e
		sq += float64(e * e)
		pct += e / max(math.Abs(y), eps)
	}
	n := float64(len(pred))
	return Regression{N: len(pred), MAE: abs / n, RMSE: math.Sqrt(sq / n), MAPE: pct / n}, true
}
