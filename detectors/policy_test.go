package detectors

import (
	"strings"
	"testing"

	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatalf("default policy invalid: %v", err)
	}
	want := map[string]float64{"psi": 0.2, "ks": 0.05, "jensen_shannon": 0.1, "wasserstein": 0}
	if got := strings.Join(p.Numeric.Methods, ","); got != "psi,ks,jensen_shannon,wasserstein" || p.Numeric.Decide != "jensen_shannon" {
		t.Errorf("numeric methods %s decide %s", got, p.Numeric.Decide)
	}
	if c := p.Numeric.Calibration; c == nil || *c != DefaultCalibration() || c.K != 3 || p.Categorical.Calibration != nil {
		t.Errorf("calibration: numeric %+v, categorical %+v; want the default (k = 3) for numbers only", c, p.Categorical.Calibration)
	}
	for m, th := range want {
		if got, ok := p.Numeric.Thresholds[m]; !ok || got != th {
			t.Errorf("numeric %s threshold %v, want %v", m, got, th)
		}
	}
	if got := strings.Join(p.Categorical.Methods, ","); got != "chi2,psi,jensen_shannon" || p.Categorical.Decide != "psi" {
		t.Errorf("categorical methods %s decide %s", got, p.Categorical.Decide)
	}
	if p.Categorical.Thresholds["chi2"] != 0.05 || p.Categorical.Thresholds["psi"] != 0.2 {
		t.Errorf("categorical thresholds %v", p.Categorical.Thresholds)
	}
	// Every supported method has a default threshold, so a config that
	// only lists methods validates.
	for _, kind := range []drift.FeatureKind{drift.Numeric, drift.Categorical} {
		set := p.Numeric
		if kind != drift.Numeric {
			set = p.Categorical
		}
		for _, m := range stats.Methods(kind) {
			if _, ok := set.Thresholds[m]; !ok {
				t.Errorf("%s: no default threshold for %s", kind, m)
			}
		}
	}
}

func TestMethods(t *testing.T) {
	if got := stats.Methods(drift.Boolean); strings.Join(got, ",") != strings.Join(stats.Methods(drift.Categorical), ",") {
		t.Errorf("boolean methods %v", got)
	}
	if stats.Methods(0) != nil {
		t.Error("unknown kind has methods")
	}
	m := stats.Methods(drift.Numeric)
	m[0] = "changed"
	if stats.Methods(drift.Numeric)[0] == "changed" {
		t.Error("stats.Methods returns shared state")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(p *Policy)
		want   []string // substrings of the error
	}{
		{
			name:   "unknown method",
			modify: func(p *Policy) { p.Numeric.Methods = append(p.Numeric.Methods, "t_test") },
			want:   []string{"numeric", `unknown method "t_test"`},
		},
		{
			name:   "unknown p-value rule",
			modify: func(p *Policy) { p.ReportPValues = 7 },
			want:   []string{"report p-values: unknown rule 7"},
		},
		{
			name:   "categorical method in the numeric set",
			modify: func(p *Policy) { p.Numeric.Methods = append(p.Numeric.Methods, "chi2") },
			want:   []string{"numeric", `unknown method "chi2"`},
		},
		{
			name:   "numeric method in the categorical set",
			modify: func(p *Policy) { p.Categorical.Methods = append(p.Categorical.Methods, "ks") },
			want:   []string{"categorical", `unknown method "ks"`},
		},
		{
			name: "decide not among methods",
			modify: func(p *Policy) {
				p.Numeric.Decide = "hellinger"
			},
			want: []string{"numeric", `decide method "hellinger" is not among the methods`},
		},
		{
			name: "threshold missing",
			modify: func(p *Policy) {
				delete(p.Categorical.Thresholds, "chi2")
			},
			want: []string{"categorical", `method "chi2" has no threshold`},
		},
		{
			name: "decide is report only",
			modify: func(p *Policy) {
				p.Numeric.Decide = "wasserstein"
			},
			want: []string{`decide method "wasserstein" has threshold 0`},
		},
		{
			name:   "negative threshold",
			modify: func(p *Policy) { p.Numeric.Thresholds["psi"] = -1 },
			want:   []string{`method "psi": threshold -1`},
		},
		{
			name:   "distance threshold beyond its reach",
			modify: func(p *Policy) { p.Numeric.Thresholds["jensen_shannon"] = 1 },
			want:   []string{`method "jensen_shannon": threshold 1 is not below 1`},
		},
		{
			name: "calibration floor beyond reach",
			modify: func(p *Policy) {
				c := *p.Numeric.Calibration
				c.Floor = 1.5
				p.Numeric.Calibration = &c
			},
			want: []string{`numeric: calibration floor 1.5 is not below 1`},
		},
		{
			name:   "p-value threshold above 1",
			modify: func(p *Policy) { p.Numeric.Thresholds["ks"] = 5 },
			want:   []string{`method "ks": p-value threshold 5`},
		},
		{
			name: "anderson_darling threshold beyond its clipped level",
			modify: func(p *Policy) {
				p.Numeric.Methods = append(p.Numeric.Methods, stats.MethodAndersonDarling)
				p.Numeric.Thresholds[stats.MethodAndersonDarling] = 0.3
			},
			want: []string{`method "anderson_darling": threshold 0.3 is outside (0.001, 0.25]`},
		},
		{
			name: "anderson_darling threshold at its floor",
			modify: func(p *Policy) {
				p.Numeric.Methods = append(p.Numeric.Methods, stats.MethodAndersonDarling)
				p.Numeric.Thresholds[stats.MethodAndersonDarling] = 0.001
			},
			want: []string{`threshold 0.001 is outside`},
		},
		{
			name:   "listed twice",
			modify: func(p *Policy) { p.Categorical.Methods = append(p.Categorical.Methods, "psi") },
			want:   []string{`method "psi" listed twice`},
		},
		{
			name:   "no methods",
			modify: func(p *Policy) { p.Categorical = MethodSet{} },
			want:   []string{"categorical: no methods", "categorical: no decide method"},
		},
		{
			name: "several problems at once",
			modify: func(p *Policy) {
				p.Numeric.Methods = append(p.Numeric.Methods, "bogus")
				delete(p.Categorical.Thresholds, "jensen_shannon")
			},
			want: []string{`"bogus"`, `"jensen_shannon" has no threshold`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			tt.modify(&p)
			err := p.Validate()
			if err == nil {
				t.Fatal("Validate accepted an invalid policy")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestDrifted(t *testing.T) {
	p := func(v float64) *float64 { return &v }
	tests := []struct {
		method    string
		stat      float64
		pv        *float64
		threshold float64
		want      bool
	}{
		{"ks", 0.9, p(0.01), 0.05, true},
		{"ks", 0.9, p(0.05), 0.05, false}, // drift only strictly below
		{"chi2", 3, p(0.2), 0.05, false},
		{"psi", 0.21, nil, 0.2, true},
		{"psi", 0.2, nil, 0.2, false}, // drift only strictly above
		{"wasserstein", 1e9, nil, 0, false},
		{"ks", 0, p(0), 0, false}, // threshold 0: report only
	}
	for _, tt := range tests {
		if got := Drifted(tt.method, tt.stat, tt.pv, tt.threshold); got != tt.want {
			t.Errorf("Drifted(%s, %v, %v, %v) = %v", tt.method, tt.stat, tt.pv, tt.threshold, got)
		}
	}
}
