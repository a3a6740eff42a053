package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/internal/cli"
)

// checkDrift is check's exit code for drift.
const checkDrift = cli.ExitDrift

// TestExitStatus: the commands whose work lives in packages exit 2 on a
// usage or input error and 1 when the run fails, each message under its
// command's name, as they did when their code lived here.
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short.csv")
	if err := os.WriteFile(short, []byte("x,y\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		say  string // in stderr
	}{
		{"demo: a bad log level", []string{"demo", "--log-level", "loud"}, exitUsage, "driftmon demo: --log-level"},
		{"demo: an unknown flag", []string{"demo", "--nope"}, exitUsage, "flag provided but not defined"},
		{"demo: a missing data file", []string{"demo", "--data", filepath.Join(dir, "nope.csv")}, exitUsage, "driftmon demo:"},
		{"demo: a data file too short", []string{"demo", "--data", short}, exitUsage, "driftmon demo:"},
		{"demo: an address that cannot be listened on", []string{"demo", "--listen", "256.0.0.1:0", "--timeout", "1s"}, exitUsage, "driftmon demo: --listen"},
		{"replay: no rate", []string{"replay", "--rate", "0"}, exitUsage, "driftmon replay: --rate and --phase must be positive"},
		{"replay: an unknown flag", []string{"replay", "--nope"}, exitUsage, "flag provided but not defined"},
		{"replay: a reference it cannot write", []string{"replay", "--write-reference", filepath.Join(dir, "no", "such", "dir.csv")}, 1, "driftmon replay:"},
		{"serve: a bad log level", []string{"serve", "--log-level", "loud"}, exitUsage, "--log-level"},
		{"an unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"version", []string{"version"}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tc.args, &out, &errOut); code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tc.say) {
				t.Errorf("stderr %q, want it to say %q", errOut.String(), tc.say)
			}
		})
	}
}

// TestReplayWritesTheReference: --write-reference writes the synthetic
// model's reference and exits 0.
func TestReplayWritesTheReference(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ref.csv")
	var out, errOut bytes.Buffer
	if code := run([]string{"replay", "--write-reference", path, "--reference-rows", "50"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(b), "\n"); lines != 51 {
		t.Errorf("%d lines, want a header and 50 rows", lines)
	}
}
