package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCheckCommand runs `driftmon check` as a CI step would and checks its
// exit status, its outputs and the JSON shape scripts rely on.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	var ref, same, moved strings.Builder
	for _, b := range []*strings.Builder{&ref, &same, &moved} {
		b.WriteString("amount,country\n")
	}
	for i := 0; i < 300; i++ {
		c := []string{"DE", "FR", "US"}[i%3]
		ref.WriteString(strconv.Itoa(i) + "," + c + "\n")
		same.WriteString(strconv.Itoa(299-i) + "," + c + "\n")
		moved.WriteString(strconv.Itoa(i+150) + "," + c + "\n")
	}
	files := map[string]string{"ref.csv": ref.String(), "same.csv": same.String(), "moved.csv": moved.String(),
		"bad.csv": "amount\n1\n", "empty-ref.csv": "amount,country\n,DE\n", "empty-cur.csv": "amount,country\nNA,DE\n"}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name       string
		args       []string
		exit       int
		stdout     string // a part of it
		stderr     string
		jsonOutput string // file the JSON report goes to
	}{
		{"no drift", []string{"--reference", p("ref.csv"), "--current", p("same.csv")}, 0, "dataset: no drift: 0 of 2 columns drifted", "", ""},
		{"drift", []string{"--reference", p("ref.csv"), "--current", p("moved.csv")}, 1, "DRIFT    jensen_shannon", "", ""},
		{"wide", []string{"--reference", p("ref.csv"), "--current", p("moved.csv"), "--wide"}, 1, "*  report: psi=", "", ""},
		{"json to a file", []string{"--reference", p("ref.csv"), "--current", p("moved.csv"), "--format", "json", "--output", p("report.json")}, 1, "", "", p("report.json")},
		{"a column without values", []string{"--reference", p("empty-ref.csv"), "--current", p("empty-cur.csv"), "--format", "json", "--output", p("empty.json")}, 0, "", "", p("empty.json")},
		// No drift, but amount holds 101..299 outside its declared range
		// (199 of 300 values: 0.663 at the table's three digits): the
		// quality check fails the step unless told not to.
		{"declared range fails", []string{"--reference", p("ref.csv"), "--current", p("same.csv"), "--ranges", "amount=0:100"}, 1, "FAIL out_of_range_share=0.663", "", ""},
		{"quality not gating", []string{"--reference", p("ref.csv"), "--current", p("same.csv"), "--ranges", "amount=0:100", "--fail-on-quality=false"}, 0, "quality: 1 checks failed", "", ""},
		{"bad range", []string{"--reference", p("ref.csv"), "--current", p("same.csv"), "--ranges", "amount=0"}, 2, "", `--ranges: "amount=0": want column=lo:hi`, ""},
		{"mismatched headers", []string{"--reference", p("ref.csv"), "--current", p("bad.csv")}, 2, "", "the headers differ: only " + p("ref.csv") + " has country", ""},
		{"missing file", []string{"--reference", p("nope.csv"), "--current", p("same.csv")}, 2, "", "nope.csv", ""},
		{"no current", []string{"--reference", p("ref.csv")}, 2, "", "both --reference and --current are required", ""},
		{"decide ks", []string{"--reference", p("ref.csv"), "--current", p("moved.csv"), "--decide", "ks", "--calibrate", "off"}, 1, "DRIFT    ks ", "", ""},
		{"bad decide", []string{"--reference", p("ref.csv"), "--current", p("same.csv"), "--decide", "amount=chi2"}, 2, "", `chi2 is not a method of numeric column "amount"`, ""},
		{"bad correction", []string{"--reference", p("ref.csv"), "--current", p("same.csv"), "--correction", "holm"}, 2, "", `--correction "holm"`, ""},
		{"wide json", []string{"--reference", p("ref.csv"), "--current", p("same.csv"), "--format", "json", "--wide"}, 2, "", "--wide is for --format table", ""},
		{"bad format", []string{"--reference", p("ref.csv"), "--current", p("same.csv"), "--format", "xml"}, 2, "", `invalid value "xml" for flag -format: want table, json or html`, ""},
		{"stray argument", []string{"--reference", p("ref.csv"), "--current", p("same.csv"), "extra"}, 2, "", `unexpected argument "extra"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"check"}, tc.args...), &stdout, &stderr)
			if code != tc.exit {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.exit, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout %q\nwant it to contain %q", stdout.String(), tc.stdout)
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q\nwant it to contain %q", stderr.String(), tc.stderr)
			}
			if tc.jsonOutput == "" {
				return
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout holds %q with --output", stdout.String())
			}
			b, err := os.ReadFile(tc.jsonOutput)
			if err != nil {
				t.Fatal(err)
			}
			var rep struct {
				Columns []map[string]json.RawMessage `json:"columns"`
				Dataset map[string]json.RawMessage   `json:"dataset"`
			}
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Columns) != 2 {
				t.Fatalf("%d columns in the JSON report, want 2", len(rep.Columns))
			}
			for _, key := range []string{"name", "kind", "drifted", "n_reference", "n_current", "missing_reference", "missing_current", "results"} {
				if _, ok := rep.Columns[0][key]; !ok {
					t.Errorf("columns[0] has no %q", key)
				}
			}
			for _, c := range rep.Columns {
				if r := strings.TrimSpace(string(c["results"])); r == "null" || r == "" {
					t.Errorf("column %s: results %q, want a list", c["name"], r)
				}
			}
			for _, key := range []string{"drifted_share", "drifted"} {
				if _, ok := rep.Dataset[key]; !ok {
					t.Errorf("dataset has no %q", key)
				}
			}
			var results []map[string]any
			if err := json.Unmarshal(rep.Columns[0]["results"], &results); err != nil {
				t.Fatal(err)
			}
			for _, r := range results {
				for _, key := range []string{"method", "statistic", "p_value", "threshold", "drifted"} {
					if _, ok := r[key]; !ok {
						t.Errorf("result %v has no %q", r["method"], key)
					}
				}
				// psi has no p-value: null, not absent, not 0.
				if r["method"] == "psi" && r["p_value"] != nil {
					t.Errorf("psi p_value = %v, want null", r["p_value"])
				}
			}
		})
	}
}
