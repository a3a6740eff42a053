package reference

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/driftmon/driftmon/drift"
)

func TestLoadOutcomes(t *testing.T) {
	tests := []struct {
		name, csv string
		want      []Outcome
		ok        bool
	}{
		{name: "no label column", csv: "x,prediction\n1,a\n", ok: false},
		{name: "rows with a missing side are skipped", csv: "x,prediction,label\n1,a,a\n2,,b\n3,b,NA\n4,b,a\n", ok: true,
			want: []Outcome{{Prediction: "a", Label: "a"}, {Prediction: "b", Label: "a"}}},
		{name: "probabilities by class", csv: "prediction,proba_a,proba_b,label\na,0.75,0.25,a\nb,0.1,,b\n", ok: true,
			want: []Outcome{
				{Prediction: "a", Label: "a", Probs: map[string]float64{"a": 0.75, "b": 0.25}},
				{Prediction: "b", Label: "b", Probs: map[string]float64{"a": 0.1}},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ref.csv")
			if err := os.WriteFile(path, []byte(tc.csv), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := Load(context.Background(), path, Spec{Prediction: &Column{"prediction", drift.Categorical}, Label: "label"})
			if err != nil {
				t.Fatal(err)
			}
			got, ok := f.Outcomes, f.HasOutcomes
			if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
