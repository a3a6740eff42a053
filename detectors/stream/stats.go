package stream

// mean is River's stats.Mean with unit weights: n is a float64, as River's,
// so 1/n rounds the same way.
type mean struct {
	N, M float64
}

func (m *mean) update(x float64) {
	m.N++
	m.M += float64((1 / m.N) * (x - m.M))
}

// variance is River's stats.Var (ddof 1): Welford's update of the sum of
// squared deviations.
type variance struct {
	Mean mean
	S    float64
}

func (v *variance) update(x float64) {
	old := v.Mean.M
	v.Mean.update(x)
	v.S += float64((x - old) * (x - v.Mean.M))
}

func (v *variance) get() float64 {
	if v.Mean.N > 1 {
		return v.S / (v.Mean.N - 1)
	}
	return 0
}

// ewMean is River's stats.EWMean (its Rust core): the first value is the
// mean, then mean = alpha*x + (1-alpha)*mean.
type ewMean struct {
	Alpha, OneMinusAlpha, M float64
	Init                    bool
}

func newEWMean(alpha float64) ewMean {
	return ewMean{Alpha: alpha, OneMinusAlpha: 1 - alpha}
}

func (e *ewMean) update(x float64) {
	if !e.Init {
		e.M, e.Init = x, true
		return
	}
	e.M = float64(e.Alpha*x) + float64(e.OneMinusAlpha*e.M)
}
