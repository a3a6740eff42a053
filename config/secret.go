package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// Secret holds a password or token read at load. It prints, marshals and
// logs as "<redacted>", so a Config can be logged or dumped whole; only
// Value gives the value, which makes every use easy to find.
type Secret struct {
	value string
}

const redacted = "<redacted>"

// NewSecret wraps a value, for configurations built in code.
func NewSecret(value string) Secret { return Secret{value: value} }

// Value returns the secret's value. Never log it.
func (s Secret) Value() string { return s.value }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s.value != "" }

// String redacts.
func (s Secret) String() string { return redacted }

// Format redacts under every fmt verb: without it %d or %x of a struct
// holding a Secret would print the value's bytes. fmt can only call it on
// exported fields, so a Secret must never sit in an unexported one.
func (s Secret) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, redacted) }

// MarshalJSON redacts, so JSON dumps and slog's JSON handler are safe.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText redacts.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalYAML redacts, so a dumped config never carries the value.
func (s Secret) MarshalYAML() (any, error) { return redacted, nil }

// LogValue redacts in slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// readSecret reads the secret named by an *_env variable or an *_file
// path, at most one of them set (Validate checks that). A file loses one
// trailing newline, which editors and `echo` add. An unset variable, an
// unreadable file or an empty value is an error naming the key: a name
// written in the file that yields nothing is a mistake, not "no password".
func readSecret(envName, fileName string) (Secret, error) {
	switch {
	case envName != "":
		v, ok := os.LookupEnv(envName)
		if !ok {
			return Secret{}, fmt.Errorf("environment variable %s is not set", envName)
		}
		if v == "" {
			return Secret{}, fmt.Errorf("environment variable %s is empty", envName)
		}
		return Secret{value: v}, nil
	case fileName != "":
		b, err := os.ReadFile(fileName)
		if err != nil {
			return Secret{}, fmt.Errorf("read secret: %w", err)
		}
		v := strings.TrimSuffix(string(b), "\n")
		v = strings.TrimSuffix(v, "\r")
		if v == "" {
			return Secret{}, fmt.Errorf("secret file %s is empty", fileName)
		}
		return Secret{value: v}, nil
	}
	return Secret{}, errors.New("no variable or file named")
}

// secretRef is one secret of a Config: where its names are and where the
// value goes.
type secretRef struct {
	path          string // the mapping holding the keys, e.g. kafka.sasl
	envKey, env   string
	fileKey, file string
	out           *Secret
}

// secrets lists every secret of c.
func (c *Config) secrets() []secretRef {
	refs := []secretRef{
		{"kafka.sasl", "password_env", c.Kafka.SASL.PasswordEnv, "password_file", c.Kafka.SASL.PasswordFile, &c.Kafka.SASL.Password},
		{"storage.clickhouse", "password_env", c.Storage.ClickHouse.PasswordEnv, "password_file", c.Storage.ClickHouse.PasswordFile, &c.Storage.ClickHouse.Password},
		{"http", "token_env", c.HTTP.TokenEnv, "token_file", c.HTTP.TokenFile, &c.HTTP.Token},
	}
	for i := range c.Alerting.Receivers {
		r := &c.Alerting.Receivers[i]
		p := joinIndex("alerting.receivers", i)
		if s := r.Slack; s != nil {
			refs = append(refs,
				secretRef{p + ".slack", "token_env", s.TokenEnv, "token_file", s.TokenFile, &s.Token},
				secretRef{p + ".slack", "webhook_url_env", s.WebhookURLEnv, "webhook_url_file", s.WebhookURLFile, &s.WebhookURL})
		}
		if w := r.Webhook; w != nil {
			refs = append(refs, secretRef{p + ".webhook", "secret_env", w.SecretEnv, "secret_file", w.SecretFile, &w.Secret})
		}
	}
	return refs
}

// readSecrets fills every Secret of c from its variable or file.
func (c *Config) readSecrets() []error {
	var errs []error
	for _, r := range c.secrets() {
		if r.env == "" && r.file == "" {
			continue
		}
		if r.env != "" && r.file != "" {
			continue // Validate reports it
		}
		s, err := readSecret(r.env, r.file)
		if err != nil {
			key := r.envKey
			if r.env == "" {
				key = r.fileKey
			}
			path := joinKey(r.path, key)
			errs = append(errs, &Error{Path: path, Line: c.meta.lineOf(path), Err: err})
			continue
		}
		*r.out = s
	}
	return errs
}
