package config

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/driftmon/driftmon/drift"
)

var (
	// Model and feature names reach SQL, metric labels and URLs; these
	// patterns keep them harmless in all three.
	modelNameRE   = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)
	featureNameRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,128}$`)
	// The database is an identifier in SQL text, never a parameter.
	databaseRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	// Kafka's own rule for topic names.
	topicRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,249}$`)
	// Prometheus's rule for label names.
	labelNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// reservedFeatures name the model-level series of the prior family
// (drift results and metrics use them as feature names).
var reservedFeatures = []string{"prediction", "label"}

var families = []drift.Family{drift.Covariate, drift.Prior, drift.Concept, drift.Quality, drift.Dataset}

// validator collects errors with their lines.
type validator struct {
	meta *meta
	errs []error
}

func (v *validator) errorf(path, format string, args ...any) {
	v.errs = append(v.errs, &Error{Path: path, Line: v.meta.lineOf(path), Err: fmt.Errorf(format, args...)})
}

// Validate fills the defaults that depend on other keys (a model's
// idle_timeout), indexes the models by name, and checks everything the
// types cannot: required keys, ranges, names, one-of choices and
// references between sections. It returns every problem found, joined.
// It reads no files and no environment: Load does that after it.
func (c *Config) Validate() error {
	if c.meta == nil {
		c.meta = &meta{}
	}
	v := &validator{meta: c.meta}
	c.Kafka.validate(v)
	c.Storage.validate(v)
	c.HTTP.validate(v)
	c.meta.models = make(map[string]int, len(c.Models))
	for i := range c.Models {
		m := &c.Models[i]
		p := joinIndex("models", i)
		m.fillDefaults()
		m.validate(v, p)
		m.validateConcept(v, p)
		if m.Name == "" {
			continue
		}
		if first, dup := c.meta.models[m.Name]; dup {
			v.errorf(p+".name", "model %q is already defined at models[%d]", m.Name, first)
			continue
		}
		c.meta.models[m.Name] = i
	}
	c.Alerting.validate(v)
	c.Labels.validate(v)
	c.Evaluation.validate(v)
	c.validateSecretSources(v)
	return errors.Join(v.errs...)
}

func (k *KafkaConfig) validate(v *validator) {
	validateAddrs(v, "kafka.brokers", k.Brokers)
	if k.GroupID == "" {
		v.errorf("kafka.group_id", "required")
	}
	topics := map[string]string{}
	for _, t := range []struct{ key, name string }{
		{"predictions_topic", k.PredictionsTopic},
		{"labels_topic", k.LabelsTopic},
		{"dead_letter_topic", k.DeadLetterTopic},
	} {
		p := "kafka." + t.key
		if !topicRE.MatchString(t.name) {
			v.errorf(p, "invalid topic name %q (want 1 to 249 of [A-Za-z0-9._-])", t.name)
			continue
		}
		if other, dup := topics[t.name]; dup {
			v.errorf(p, "topic %q is also kafka.%s", t.name, other)
		}
		topics[t.name] = t.key
	}
	positive(v, "kafka.checkpoint_interval", k.CheckpointInterval)
	if k.SessionTimeout < 0 {
		v.errorf("kafka.session_timeout", "must not be negative, got %s", k.SessionTimeout)
	}
	if k.HeartbeatInterval < 0 {
		v.errorf("kafka.heartbeat_interval", "must not be negative, got %s", k.HeartbeatInterval)
	}
	if k.RebalanceTimeout < 0 {
		v.errorf("kafka.rebalance_timeout", "must not be negative, got %s", k.RebalanceTimeout)
	}
	if k.SessionTimeout > 0 && k.HeartbeatInterval >= k.SessionTimeout {
		v.errorf("kafka.heartbeat_interval", "must be shorter than kafka.session_timeout (%s)", k.SessionTimeout)
	}
	if k.MaxMessageBytes <= 0 {
		v.errorf("kafka.max_message_bytes", "must be positive, got %d", k.MaxMessageBytes)
	}
	oneOf(v, "kafka.unknown_models", k.UnknownModels, RejectUnknownModels, AcceptUnknownModels)
	k.TLS.validate(v, "kafka.tls")
	s := k.SASL
	if s.Mechanism == "" {
		if s.Username != "" || s.PasswordEnv != "" || s.PasswordFile != "" {
			v.errorf("kafka.sasl.mechanism", "required when kafka.sasl sets a username or password")
		}
		return
	}
	oneOf(v, "kafka.sasl.mechanism", s.Mechanism, SASLPlain, SASLScramSHA256, SASLScramSHA512)
	if s.Username == "" {
		v.errorf("kafka.sasl.username", "required with a mechanism")
	}
	if s.PasswordEnv == "" && s.PasswordFile == "" && !s.Password.IsSet() {
		v.errorf("kafka.sasl", "set password_env or password_file")
	}
}

func (t *TLSConfig) validate(v *validator, p string) {
	if !t.Enabled {
		// A CA or certificate next to enabled: false is a TLS setup the
		// user believes is on; say so rather than connect in plain text.
		if t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.ServerName != "" || t.InsecureSkipVerify {
			v.errorf(p, "TLS options are set but enabled is not true")
		}
		return
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		v.errorf(p, "set both cert_file and key_file, or neither")
	}
}

func (s *StorageConfig) validate(v *validator) {
	oneOf(v, "storage.backend", s.Backend, BackendClickHouse, BackendEmbedded)
	if s.Retention < 0 {
		v.errorf("storage.retention", "must not be negative, got %s", s.Retention)
	}
	switch s.Backend {
	case BackendClickHouse:
		ch := &s.ClickHouse
		validateAddrs(v, "storage.clickhouse.addr", ch.Addr)
		if !databaseRE.MatchString(ch.Database) {
			v.errorf("storage.clickhouse.database", "invalid database name %q (want 1 to 64 of [A-Za-z0-9_])", ch.Database)
		}
		if ch.User == "" {
			v.errorf("storage.clickhouse.user", "required")
		}
		positive(v, "storage.clickhouse.dial_timeout", ch.DialTimeout)
		ch.TLS.validate(v, "storage.clickhouse.tls")
	case BackendEmbedded:
		if s.Embedded.Path == "" {
			v.errorf("storage.embedded.path", "required")
		}
	}
}

func (h *HTTPConfig) validate(v *validator) {
	if _, err := splitHost(h.Listen); err != nil {
		v.errorf("http.listen", "%v", err)
	}
	if h.RequireTokenForReads && h.TokenEnv == "" && h.TokenFile == "" && !h.Token.IsSet() {
		v.errorf("http.require_token_for_reads", "needs a token: set http.token_env or http.token_file")
	}
	if h.MetricsListen != "" {
		if _, err := splitHost(h.MetricsListen); err != nil {
			v.errorf("http.metrics_listen", "%v", err)
		} else if h.MetricsListen == h.Listen {
			v.errorf("http.metrics_listen", "is http.listen (%s): leave it unset to serve metrics there only", h.Listen)
		}
	}
	if h.MaxRequests < 1 {
		v.errorf("http.max_requests", "must be at least 1, got %d", h.MaxRequests)
	}
	// Connections beyond the API's requests at once are what keep
	// probes answered while the API is saturated.
	if h.MaxConnections < max(h.MaxRequests, 1)+ProbeConnections {
		v.errorf("http.max_connections", "must be at least http.max_requests + %d (%d), got %d",
			ProbeConnections, max(h.MaxRequests, 1)+ProbeConnections, h.MaxConnections)
	}
}

// fillDefaults sets the defaults that depend on other keys.
func (m *ModelConfig) fillDefaults() {
	if m.MaxClockSkew == 0 {
		m.MaxClockSkew = DefaultMaxClockSkew
	}
	if m.IdleTimeout == 0 {
		m.IdleTimeout = m.Window.Duration
		if m.Window.Duration <= 0 {
			m.IdleTimeout = DefaultCountIdleTimeout
		}
	}
}

func (m *ModelConfig) validate(v *validator, p string) {
	switch {
	case m.Name == "":
		v.errorf(p+".name", "required")
	case !modelNameRE.MatchString(m.Name):
		v.errorf(p+".name", "invalid model name %q (want 1 to 128 of [A-Za-z0-9_.-])", m.Name)
	}
	w := m.Window
	switch {
	case w.Duration < 0:
		v.errorf(p+".window.duration", "must be positive, got %s", w.Duration)
	case w.Duration%time.Second != 0:
		// drift_results keys a window by its start in whole seconds:
		// windows of a fraction of a second would share keys.
		v.errorf(p+".window.duration", "must be a whole number of seconds, at least 1s, got %s", w.Duration)
	case w.Duration > MaxWindowDuration:
		v.errorf(p+".window.duration", "must be at most 366d, so that window ends stay inside ClickHouse's DateTime, got %s", w.Duration)
	case w.Events < 0:
		v.errorf(p+".window.events", "must be positive, got %d", w.Events)
	case w.Duration > 0 && w.Events > 0:
		v.errorf(p+".window", "set duration or events, not both")
	case w.Duration == 0 && w.Events == 0:
		v.errorf(p+".window", "set duration (a time window) or events (a count window)")
	}
	if m.AllowedLateness < 0 {
		v.errorf(p+".allowed_lateness", "must not be negative, got %s", m.AllowedLateness)
	}
	if m.IdleTimeout < 0 {
		v.errorf(p+".idle_timeout", "must be positive, got %s", m.IdleTimeout)
	}
	if m.MaxClockSkew < 0 {
		v.errorf(p+".max_clock_skew", "must be positive, got %s", m.MaxClockSkew)
	}
	m.Reference.validate(v, p+".reference")
	fp := p + ".features"
	if len(m.Features) == 0 {
		v.errorf(fp, "declare at least one feature")
	}
	for _, f := range m.Features {
		f.validate(v, joinKey(fp, f.Name))
		if f.Quality != nil {
			f.Quality.validate(v, joinKey(fp, f.Name)+".quality")
		}
		if f.Drift != nil {
			f.Drift.validate(v, joinKey(fp, f.Name)+".drift", f.Type, m)
		}
	}
	m.Quality.validate(v, p+".quality")
	if m.Prediction != "" {
		oneOf(v, p+".prediction", m.Prediction, PredictionScore, PredictionClass, PredictionProbabilities, PredictionRegression)
	}
	m.Drift.validate(v, p+".drift")
	if m.Limits.SampleSize <= 0 {
		v.errorf(p+".limits.sample_size", "must be positive, got %d", m.Limits.SampleSize)
	}
	if m.Limits.MaxCategories <= 0 {
		v.errorf(p+".limits.max_categories", "must be positive, got %d", m.Limits.MaxCategories)
	}
}

func (r *ReferenceConfig) validate(v *validator, p string) {
	n := 0
	if r.File != "" {
		n++
	}
	if r.Window != nil {
		n++
		switch {
		case r.Window.From.IsZero():
			v.errorf(p+".window.from", "required")
		case r.Window.To.IsZero():
			v.errorf(p+".window.to", "required")
		case !r.Window.From.Before(r.Window.To):
			v.errorf(p+".window", "from (%s) must be before to (%s)",
				r.Window.From.Format(time.RFC3339), r.Window.To.Format(time.RFC3339))
		}
	}
	if r.Previous {
		n++
	}
	switch n {
	case 0:
		v.errorf(p, "set one of file, window or previous: true")
	case 1:
	default:
		v.errorf(p, "set only one of file, window or previous")
	}
}

func (f *FeatureConfig) validate(v *validator, p string) {
	switch {
	case !featureNameRE.MatchString(f.Name):
		v.errorf(p, "invalid feature name %q (want 1 to 128 of [A-Za-z0-9_.:-])", f.Name)
	case slices.Contains(reservedFeatures, f.Name):
		v.errorf(p, "feature name %q is reserved for the model's output", f.Name)
	}
	if f.Type == 0 {
		v.errorf(p+".type", "required (numeric, categorical or boolean)")
	}
	if f.Range == nil {
		return
	}
	if f.Type != drift.Numeric {
		v.errorf(p+".range", "only numeric features have a range, this one is %s", f.Type)
		return
	}
	if lo, hi := f.Range[0], f.Range[1]; !(lo < hi) {
		v.errorf(p+".range", "want [lo, hi] with lo < hi, got [%g, %g]", lo, hi)
	}
}

func (a *AlertingConfig) validate(v *validator) {
	if a.DashboardURL != "" {
		validateURL(v, "alerting.dashboard_url", a.DashboardURL)
	}
	if a.ExternalURL != "" {
		validateURL(v, "alerting.external_url", a.ExternalURL)
	}
	receivers := make(map[string]int, len(a.Receivers))
	for i := range a.Receivers {
		r := &a.Receivers[i]
		p := joinIndex("alerting.receivers", i)
		if r.Name == "" {
			v.errorf(p+".name", "required")
		} else if first, dup := receivers[r.Name]; dup {
			v.errorf(p+".name", "receiver %q is already defined at alerting.receivers[%d]", r.Name, first)
		} else {
			receivers[r.Name] = i
		}
		switch {
		case r.Slack == nil && r.Webhook == nil:
			v.errorf(p, "set slack or webhook")
		case r.Slack != nil && r.Webhook != nil:
			v.errorf(p, "set slack or webhook, not both")
		case r.Slack != nil:
			r.Slack.validate(v, p+".slack")
		default:
			r.Webhook.validate(v, p+".webhook")
		}
	}
	rules := make(map[string]int, len(a.Rules))
	for i := range a.Rules {
		r := &a.Rules[i]
		p := joinIndex("alerting.rules", i)
		if r.Name == "" {
			v.errorf(p+".name", "required")
		} else if first, dup := rules[r.Name]; dup {
			v.errorf(p+".name", "rule %q is already defined at alerting.rules[%d]", r.Name, first)
		} else {
			rules[r.Name] = i
		}
		r.validate(v, p, receivers)
	}
}

func (s *SlackConfig) validate(v *validator, p string) {
	token := s.TokenEnv != "" || s.TokenFile != "" || s.Token.IsSet()
	hook := s.WebhookURLEnv != "" || s.WebhookURLFile != "" || s.WebhookURL.IsSet()
	switch {
	case token && hook:
		v.errorf(p, "set a bot token (token_env or token_file) or an incoming webhook (webhook_url_env or webhook_url_file), not both")
	case !token && !hook:
		v.errorf(p, "set a bot token (token_env or token_file) or an incoming webhook (webhook_url_env or webhook_url_file)")
	case token && s.Channel == "":
		v.errorf(p+".channel", "required with a bot token")
	}
	if s.APIURL != "" {
		validateURL(v, p+".api_url", s.APIURL)
	}
}

func (w *WebhookConfig) validate(v *validator, p string) {
	if w.URL == "" {
		v.errorf(p+".url", "required")
	} else {
		validateURL(v, p+".url", w.URL)
	}
	// Every POST is signed (X-Driftmon-Signature), so there is no
	// unsigned mode to fall back to.
	if w.SecretEnv == "" && w.SecretFile == "" && !w.Secret.IsSet() {
		v.errorf(p, "set secret_env or secret_file: webhook calls are signed")
	}
	if w.Cooldown < 0 {
		v.errorf(p+".cooldown", "must not be negative, got %s", w.Cooldown)
	}
}

func (r *RuleConfig) validate(v *validator, p string, receivers map[string]int) {
	for i, g := range r.Models {
		validateGlob(v, joinIndex(p+".models", i), g)
	}
	if r.Match.Family != "" && !slices.Contains(families, r.Match.Family) {
		v.errorf(p+".match.family", "unknown family %q (want covariate, prior, concept, quality or dataset)", r.Match.Family)
	}
	validateGlob(v, p+".match.method", r.Match.Method)
	validateGlob(v, p+".match.feature", r.Match.Feature)
	if r.Condition.Field == "" {
		v.errorf(p+".condition", "required")
	}
	if r.For < 1 {
		v.errorf(p+".for", "must be at least 1 window, got %d", r.For)
	}
	if r.KeepFiringFor < 0 {
		v.errorf(p+".keep_firing_for", "must not be negative, got %d", r.KeepFiringFor)
	}
	positive(v, p+".repeat_interval", r.RepeatInterval)
	if r.Severity == "" {
		v.errorf(p+".severity", "required")
	}
	for _, name := range slices.Sorted(maps.Keys(r.Labels)) {
		if !labelNameRE.MatchString(name) {
			v.errorf(joinKey(p+".labels", name), "invalid label name %q (want [A-Za-z_][A-Za-z0-9_]*)", name)
		}
	}
	if len(r.Receivers) == 0 {
		v.errorf(p+".receivers", "name at least one receiver")
	}
	for i, name := range r.Receivers {
		if _, ok := receivers[name]; !ok {
			v.errorf(joinIndex(p+".receivers", i), "no receiver named %q in alerting.receivers", name)
		}
	}
}

// validateSecretSources rejects a secret named both ways: which one would
// win is not obvious from the file.
func (c *Config) validateSecretSources(v *validator) {
	for _, r := range c.secrets() {
		if r.env != "" && r.file != "" {
			v.errorf(joinKey(r.path, r.fileKey), "set %s or %s, not both", r.envKey, r.fileKey)
		}
	}
}

func positive(v *validator, p string, d time.Duration) {
	if d <= 0 {
		v.errorf(p, "must be positive, got %s", d)
	}
}

func oneOf[T ~string](v *validator, p string, got T, want ...T) {
	if slices.Contains(want, got) {
		return
	}
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = string(w)
	}
	v.errorf(p, "unknown value %q (want one of %s)", got, strings.Join(names, ", "))
}

func validateAddrs(v *validator, p string, addrs []string) {
	if len(addrs) == 0 {
		v.errorf(p, "list at least one host:port")
	}
	for i, a := range addrs {
		host, err := splitHost(a)
		if err == nil && host == "" {
			err = fmt.Errorf("address %q has no host", a)
		}
		if err != nil {
			v.errorf(joinIndex(p, i), "%v", err)
		}
	}
}

// splitHost is net.SplitHostPort that also checks the port.
func splitHost(addr string) (host string, err error) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("want host:port, got %q", addr)
	}
	if port, err := strconv.Atoi(ps); err != nil || port < 0 || port > 65535 {
		return "", fmt.Errorf("invalid port in %q", addr)
	}
	return host, nil
}

func validateURL(v *validator, p, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.errorf(p, "want an http or https URL, got %s", quote(s))
	}
}

func validateGlob(v *validator, p, g string) {
	if _, err := path.Match(g, ""); err != nil {
		v.errorf(p, "invalid glob %q", g)
	}
}
