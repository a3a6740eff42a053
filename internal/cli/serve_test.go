package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesNoModels: a config that lists no model is valid YAML
// but would monitor nothing, so serve refuses it before connecting to
// anything: exit 2, naming the file and the key.
func TestServeRefusesNoModels(t *testing.T) {
	tests := []struct{ name, yaml, fate string }{
		{"an empty file", "", "go to the dead-letter topic"},
		{"an empty list", "kafka:\n  brokers: [\"127.0.0.1:9092\"]\nmodels: []\n", "go to the dead-letter topic"},
		{"unknown models accepted", "kafka:\n  unknown_models: accept\n", "be dropped"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "driftmon.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runCLI(t, "serve", "--config", path)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			want := "driftmon serve: " + path + ": models: no model is configured"
			if !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, tc.fate) {
				t.Errorf("stderr %q, want %q and %q", stderr, want, tc.fate)
			}
		})
	}
}

// TestServeConfigMissing: without --config, a missing driftmon.yaml is
// explained, pointing to --config and the example; a missing file given
// with --config is reported as the file it is.
func TestServeConfigMissing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, _, stderr := runCLI(t, "serve")
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	for _, want := range []string{"driftmon serve: no config: driftmon.yaml (the default of --config) does not exist", "--config FILE", "driftmon.example.yaml"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	code, _, stderr = runCLI(t, "serve", "--config", "other.yaml")
	if code != ExitUsage || !strings.Contains(stderr, "other.yaml") || !strings.Contains(stderr, "no such file") {
		t.Errorf("--config other.yaml: exit %d, stderr %q", code, stderr)
	}
	// A default file that exists but is wrong is reported as any other.
	if err := os.WriteFile(filepath.Join(dir, "driftmon.yaml"), []byte("kafka:\n  brokerz: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, "serve")
	if code != ExitUsage || !strings.Contains(stderr, "line 2: kafka.brokerz") {
		t.Errorf("a bad default config: exit %d, stderr %q", code, stderr)
	}
}
