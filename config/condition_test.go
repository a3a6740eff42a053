package config

import "testing"

func TestParseCondition(t *testing.T) {
	cases := []struct {
		in   string
		want Condition
		str  string
	}{
		{"drifted", Condition{Field: FieldDrifted}, "drifted"},
		{" drifted ", Condition{Field: FieldDrifted}, "drifted"},
		{"statistic > 0.2", Condition{FieldStatistic, ">", 0.2}, "statistic > 0.2"},
		{"p_value<0.01", Condition{FieldPValue, "<", 0.01}, "p_value < 0.01"},
		{"drifted_share >= 0.5", Condition{FieldDriftedShare, ">=", 0.5}, "drifted_share >= 0.5"},
		{"statistic != -1e-3", Condition{FieldStatistic, "!=", -0.001}, "statistic != -0.001"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseCondition(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("ParseCondition(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			if got.String() != tc.str {
				t.Errorf("String() = %q, want %q", got.String(), tc.str)
			}
		})
	}
	for _, bad := range []string{"", "drift", "statistic", "statistic >", "statistic > x", "statistic => 1",
		"threshold > 1", "statistic > NaN", "statistic > Inf", "statistic > 1 2"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if c, err := ParseCondition(bad); err == nil {
				t.Errorf("ParseCondition(%q) = %+v, want an error", bad, c)
			}
		})
	}
}

// TestConditionInFile checks that a bad condition is reported at its key.
func TestConditionInFile(t *testing.T) {
	const y = `alerting:
  receivers:
    - {name: r, webhook: {url: "http://x.example/", secret_file: webhook-secret}}
  rules:
    - name: a
      condition: "statistic >> 1"
      receivers: [r]
`
	_, err := Parse([]byte(y), "testdata")
	errs := configErrors(t, err)
	if len(errs) != 1 || errs[0].Path != "alerting.rules[0].condition" || errs[0].Line != 6 {
		t.Errorf("got %v, want one error at alerting.rules[0].condition line 6", err)
	}
}
