package demo

import (
	"slices"
	"strings"
	"testing"
)

// TestMapHeader checks mapHeader's rule (its doc comment) on one header
// per case; each want is the rule applied by hand.
func TestMapHeader(t *testing.T) {
	long := strings.Repeat("a", 130)
	tests := []struct {
		name   string
		header []string
		want   []string
	}{
		{"names the config takes stay", []string{"amount", "x.y", "k:v", "a-b"}, []string{"amount", "x.y", "k:v", "a-b"}},
		{"spaces around a name go", []string{" amount ", "\tage"}, []string{"amount", "age"}},
		{"a byte-order mark goes", []string{"\ufeffdate", "x"}, []string{"date", "x"}},
		{"an empty name is column_N", []string{"a", "", " "}, []string{"a", "column_2", "column_3"}},
		{"other characters become _", []string{"a b", "größe", "p(x)"}, []string{"a_b", "gr__e", "p_x_"}},
		{"the event's fields get csv_", []string{"label", "prediction", "id", "timestamp", "model", "model_version", "features"},
			[]string{"csv_label", "csv_prediction", "csv_id", "csv_timestamp", "csv_model", "csv_model_version", "csv_features"}},
		{"a second x is x_N", []string{"x", "y", "x", "x"}, []string{"x", "y", "x_3", "x_4"}},
		{"a name that needed no change keeps it", []string{"a b", "a_b"}, []string{"a_b_1", "a_b"}},
		{"a renamed field beside its csv_ name", []string{"csv_label", "label"}, []string{"csv_label", "csv_label_2"}},
		{"a long name is cut to 128", []string{long}, []string{long[:128]}},
		{"a long name taken is cut for its suffix", []string{long[:128], long}, []string{long[:128], long[:126] + "_2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols, err := mapHeader(tt.header)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, c := range cols {
				got = append(got, c.name)
				if c.pos != i+1 {
					t.Errorf("column %d has position %d", i+1, c.pos)
				}
				if !featureNameOK(c.name) {
					t.Errorf("column %d: %q is no feature name the config takes", c.pos, c.name)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestColumnRoles: the flags name columns by header or demo name, and an
// error names the flag, the column and where it is.
func TestColumnRoles(t *testing.T) {
	header := []string{"date", "a b", "x", "x", "label", "score"}
	tests := []struct {
		name              string
		ignore            string
		label, prediction string
		wantErr           []string // substrings of the error; none: no error
		want              map[string]csvRole
	}{
		{name: "nothing set", want: map[string]csvRole{"date": roleFeature, "csv_label": roleFeature}},
		{name: "by header and by demo name", ignore: "date, a_b", label: "label", prediction: "score",
			want: map[string]csvRole{"date": roleIgnored, "a_b": roleIgnored, "csv_label": roleLabel, "score": rolePrediction}},
		{name: "a header given twice is ignored twice", ignore: "x", want: map[string]csvRole{"x": roleIgnored, "x_4": roleIgnored}},
		{name: "unknown names are all named", ignore: "date,nope,gone",
			wantErr: []string{`--ignore: "nope", "gone" not in the header`, `"a b"`}},
		{name: "label needs prediction", label: "label", wantErr: []string{"--label needs --prediction"}},
		{name: "an unknown label", label: "y", prediction: "score", wantErr: []string{`--label "y": no such column`}},
		{name: "an ambiguous prediction", prediction: "x",
			wantErr: []string{`--prediction "x": the header holds it 2 times, as column 3 (demo name x), column 4 (demo name x_4)`}},
		{name: "the prediction by its demo name", prediction: "x_4", want: map[string]csvRole{"x": roleFeature, "x_4": rolePrediction}},
		{name: "label and prediction one column", label: "score", prediction: "score",
			wantErr: []string{`--label "score": header column 6 is --prediction already`}},
		{name: "the label ignored", ignore: "label", label: "label", prediction: "score",
			wantErr: []string{`--ignore "label": header column 5 is --label`}},
		{name: "nothing left", ignore: "date,a b,x,label,score", wantErr: []string{"no column is left to monitor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols, err := mapHeader(header)
			if err != nil {
				t.Fatal(err)
			}
			err = columnRoles(cols, splitList(tt.ignore), tt.label, tt.prediction)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error, want one saying %q", tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, role := range tt.want {
				i := slices.IndexFunc(cols, func(c csvColumn) bool { return c.name == name })
				if i < 0 || cols[i].role != role {
					t.Errorf("%s: role %v, want %v", name, cols[i].role, role)
				}
			}
		})
	}
}
