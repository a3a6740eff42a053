package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestSecretRedaction loads secrets from the environment and a file, then
// prints, marshals and logs the whole config every usual way: the values
// must appear nowhere.
func TestSecretRedaction(t *testing.T) {
	const envValue = "env-hunter2-value"
	const fileValue = "file-hunter2-value"
	t.Setenv("DRIFTMON_TEST_KAFKA_PASSWORD", envValue)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tok"), []byte(fileValue+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte(`kafka:
  sasl: {mechanism: PLAIN, username: u, password_env: DRIFTMON_TEST_KAFKA_PASSWORD}
http:
  token_file: tok
`), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kafka.SASL.Password.Value() != envValue || c.HTTP.Token.Value() != fileValue {
		t.Fatalf("secrets not read: %q %q", c.Kafka.SASL.Password.Value(), c.HTTP.Token.Value())
	}

	outputs := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		outputs["fmt "+verb] = fmt.Sprintf(verb, c)
		outputs["fmt "+verb+" value"] = fmt.Sprintf(verb, *c)
		outputs["fmt "+verb+" secret"] = fmt.Sprintf(verb, c.HTTP.Token)
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs["json"] = string(js)
	ym, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs["yaml"] = string(ym)
	var jsonLog, textLog bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&jsonLog, nil), slog.NewTextHandler(&textLog, nil)} {
		l := slog.New(h)
		l.Info("loaded", "config", c, "kafka", c.Kafka, "token", c.HTTP.Token, slog.Any("password", c.Kafka.SASL.Password))
	}
	outputs["slog json"] = jsonLog.String()
	outputs["slog text"] = textLog.String()

	for name, out := range outputs {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s leaks a secret: %s", name, out)
		}
	}
	// The redaction is visible, not a silent blank.
	for _, name := range []string{"fmt %v secret", "fmt %+v", "json", "slog json", "slog text"} {
		if !strings.Contains(outputs[name], "redacted") {
			t.Errorf("%s does not say <redacted>: %s", name, outputs[name])
		}
	}
}

func TestSecretFileErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "empty"), []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DRIFTMON_TEST_EMPTY", "")
	cases := []struct {
		name, yaml, path, msg string
	}{
		{"missing file", "http:\n  token_file: nope\n", "http.token_file", "no such file"},
		{"empty file", "http:\n  token_file: empty\n", "http.token_file", "is empty"},
		{"empty variable", "http:\n  token_env: DRIFTMON_TEST_EMPTY\n", "http.token_env", "is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), dir)
			errs := configErrors(t, err)
			if len(errs) != 1 || errs[0].Path != tc.path || errs[0].Line != 2 || !strings.Contains(errs[0].Error(), tc.msg) {
				t.Errorf("got %v, want one error at %s line 2 containing %q", err, tc.path, tc.msg)
			}
		})
	}
}

func TestReadSecretFileNewline(t *testing.T) {
	cases := []struct{ file, want string }{
		{"v", "v"},
		{"v\n", "v"},
		{"v\r\n", "v"}, // a Windows line end is one newline too
		{"v\n\n", "v\n"},
		{" v \n", " v "}, // only the newline goes: spaces may be part of it
	}
	dir := t.TempDir()
	for i, tc := range cases {
		name := filepath.Join(dir, fmt.Sprint(i))
		if err := os.WriteFile(name, []byte(tc.file), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := readSecret("", name)
		if err != nil || s.Value() != tc.want {
			t.Errorf("file %q: got %q, %v; want %q", tc.file, s.Value(), err, tc.want)
		}
	}
}
