package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/driftmon/driftmon/drift"
)

// Config is a whole driftmon configuration file. A Config returned by Load
// or Parse has its defaults applied, its relative paths resolved, its
// secrets read and has passed Validate; treat it as read-only.
type Config struct {
	Kafka    KafkaConfig    `yaml:"kafka"`
	Storage  StorageConfig  `yaml:"storage"`
	HTTP     HTTPConfig     `yaml:"http"`
	Metrics  MetricsConfig  `yaml:"metrics"`
	Models   []ModelConfig  `yaml:"models"`
	Alerting AlertingConfig `yaml:"alerting"`
	// Labels bounds the label join (labels.go).
	Labels LabelsConfig `yaml:"labels"`
	// Evaluation sizes the window evaluators (evaluation.go).
	Evaluation EvaluationConfig `yaml:"evaluation"`

	// meta is a pointer so that printing a Config does not dump the line
	// table.
	meta *meta
}

// meta is what Load knows beyond the values: where each key was written
// and the models by name.
type meta struct {
	lines  map[string]int // key path -> 1-based line
	models map[string]int // model name -> index in Models
}

// KafkaConfig is the `kafka` section: where events come from.
type KafkaConfig struct {
	// Brokers are host:port seed addresses.
	Brokers          []string `yaml:"brokers"`
	GroupID          string   `yaml:"group_id"`
	PredictionsTopic string   `yaml:"predictions_topic"`
	LabelsTopic      string   `yaml:"labels_topic"`
	// DeadLetterTopic receives records that cannot be used, with the
	// original bytes and a reason header.
	DeadLetterTopic string `yaml:"dead_letter_topic"`
	// CheckpointInterval is how often open windows are written to storage
	// with the offsets they cover: a restart replays at most this much.
	CheckpointInterval time.Duration `yaml:"checkpoint_interval"`
	// SessionTimeout, HeartbeatInterval and RebalanceTimeout tune the
	// consumer group (README, "Consumer group timings"). A crashed
	// instance's partitions move once the broker drops it, SessionTimeout
	// after its last heartbeat; an instance killed during a rebalance is
	// still handed partitions, and the broker drops it RebalanceTimeout
	// later. Members learn of a rebalance from their next heartbeat and
	// have RebalanceTimeout to rejoin. Zero keeps the client library's
	// defaults (30s, 3s and 30s), under which a restart after a crash
	// takes a minute or more to get its partitions back.
	SessionTimeout    time.Duration `yaml:"session_timeout"`
	HeartbeatInterval time.Duration `yaml:"heartbeat_interval"`
	RebalanceTimeout  time.Duration `yaml:"rebalance_timeout"`
	TLS               TLSConfig     `yaml:"tls"`
	SASL              SASLConfig    `yaml:"sasl"`
	// MaxMessageBytes is the largest record accepted; larger ones go to the
	// dead-letter topic as oversized.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// UnknownModels says what happens to events of a model the file does
	// not list.
	UnknownModels UnknownModels `yaml:"unknown_models"`
}

// UnknownModels is the policy for events of models the config does not list.
type UnknownModels string

const (
	// RejectUnknownModels sends them to the dead-letter topic.
	RejectUnknownModels UnknownModels = "reject"
	// AcceptUnknownModels counts them as ingested and otherwise ignores them.
	AcceptUnknownModels UnknownModels = "accept"
)

// TLSConfig is a client TLS setup, shared by Kafka and ClickHouse.
type TLSConfig struct {
	Enabled bool `yaml:"enabled"`
	// CAFile verifies the server; empty means the system roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile, both or neither, authenticate the client.
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
	// ServerName overrides the name checked in the server's certificate.
	ServerName string `yaml:"server_name"`
}

// SASLConfig is Kafka's SASL authentication; an empty Mechanism turns it off.
type SASLConfig struct {
	Mechanism    SASLMechanism `yaml:"mechanism"`
	Username     string        `yaml:"username"`
	PasswordEnv  string        `yaml:"password_env"`
	PasswordFile string        `yaml:"password_file"`
	// Password is read from PasswordEnv or PasswordFile at load.
	Password Secret `yaml:"-"`
}

// SASLMechanism names a SASL mechanism as Kafka spells it.
type SASLMechanism string

const (
	SASLPlain       SASLMechanism = "PLAIN"
	SASLScramSHA256 SASLMechanism = "SCRAM-SHA-256"
	SASLScramSHA512 SASLMechanism = "SCRAM-SHA-512"
)

// StorageConfig is the `storage` section.
type StorageConfig struct {
	Backend    Backend          `yaml:"backend"`
	ClickHouse ClickHouseConfig `yaml:"clickhouse"`
	Embedded   EmbeddedConfig   `yaml:"embedded"`
	// Retention drops data older than this, in whole months, on either
	// backend (storage.Retention);
	// zero keeps everything.
	Retention time.Duration `yaml:"retention"`
}

// Backend names a storage implementation.
type Backend string

const (
	BackendClickHouse Backend = "clickhouse"
	BackendEmbedded   Backend = "embedded"
)

// ClickHouseConfig is the ClickHouse connection (native protocol).
type ClickHouseConfig struct {
	Addr []string `yaml:"addr"`
	// Database is created if missing. It is an identifier in SQL, so
	// Validate allows only [A-Za-z0-9_].
	Database     string `yaml:"database"`
	User         string `yaml:"user"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	// Password is read from PasswordEnv or PasswordFile at load; empty when
	// neither is set.
	Password    Secret        `yaml:"-"`
	TLS         TLSConfig     `yaml:"tls"`
	DialTimeout time.Duration `yaml:"dial_timeout"`
}

// EmbeddedConfig is the on-disk store for one machine.
type EmbeddedConfig struct {
	// Path is a directory, relative to the config file's directory.
	Path string `yaml:"path"`
}

// HTTPConfig is the `http` section: metrics, health and the JSON API.
type HTTPConfig struct {
	Listen    string `yaml:"listen"`
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
	// Token is the API's bearer token, read from TokenEnv or TokenFile at
	// load; empty when neither is set.
	Token Secret `yaml:"-"`
	// RequireTokenForReads extends the token check from mutating endpoints
	// to read endpoints.
	RequireTokenForReads bool `yaml:"require_token_for_reads"`
	// MetricsListen, when set, is a second address serving /metrics,
	// /healthz and /readyz only, with connections of its own: probes
	// and scrapers reach the process there however many connections the
	// API's clients hold on Listen, which serves them too.
	MetricsListen string `yaml:"metrics_listen"`
	// MaxConnections bounds the connections open at once on each
	// listener; at the cap, a new connection displaces one that waits
	// for a request.
	MaxConnections int `yaml:"max_connections"`
	// MaxRequests bounds the API and view requests handled at once;
	// beyond it they are answered 503 at once.
	MaxRequests int `yaml:"max_requests"`
}

// MetricsConfig is the `metrics` section: what /metrics exports.
type MetricsConfig struct {
	// AllMethods exports the statistic and threshold of every drift method
	// per feature. Off, only the decision method's are exported (the
	// verdict's, beside the drifted gauge), so that a thousand models of a
	// hundred features stay scrapeable; every method is in drift_results
	// either way.
	AllMethods bool `yaml:"all_methods"`
}

// ModelConfig is one entry of `models`.
type ModelConfig struct {
	Name string `yaml:"name"`
	// Version is the model_version given to events that carry none.
	Version string       `yaml:"version"`
	Window  WindowConfig `yaml:"window"`
	// AllowedLateness is how long after a window's end its late events
	// still count in it.
	AllowedLateness time.Duration `yaml:"allowed_lateness"`
	// IdleTimeout closes a quiet model's open window after this much wall
	// time without events. Defaults to the window duration, or one minute
	// for count windows.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxClockSkew refuses events stamped further ahead of the wall clock
	// (to the dead-letter topic, as invalid_timestamp): trusted, one such
	// event would push the watermark past every window to come. Default
	// one hour.
	MaxClockSkew time.Duration   `yaml:"max_clock_skew"`
	Reference    ReferenceConfig `yaml:"reference"`
	// Features keep the file's order.
	Features Features `yaml:"features"`
	// Prediction is the kind of the model's output; empty when the output
	// is not monitored.
	Prediction PredictionType `yaml:"prediction"`
	Drift      DriftConfig    `yaml:"drift"`
	Limits     LimitsConfig   `yaml:"limits"`
	// Quality sets the limits of the data quality checks (quality.go).
	Quality QualityConfig `yaml:"quality"`
	// LabelDelay is how long after its prediction a label still counts
	// (default 7 days); Concept how predictions are scored against labels
	// (labels.go).
	LabelDelay time.Duration `yaml:"label_delay"`
	Concept    ConceptConfig `yaml:"concept"`
}

// WindowConfig cuts events into tumbling windows: by event time (Duration)
// or by count (Events), exactly one of them.
type WindowConfig struct {
	Duration time.Duration `yaml:"duration"`
	Events   int           `yaml:"events"`
}

// ReferenceConfig is what windows are compared with: exactly one of a file
// (a training set), a pinned production window, or the previous window.
type ReferenceConfig struct {
	// File is resolved against the config file's directory.
	File     string     `yaml:"file"`
	Window   *TimeRange `yaml:"window"`
	Previous bool       `yaml:"previous"`
}

// TimeRange is a half-open interval [From, To) of event time.
type TimeRange struct {
	From time.Time `yaml:"from"`
	To   time.Time `yaml:"to"`
}

// Features is a model's feature list in the file's order. In YAML it is a
// mapping from name to either a type (`amount: numeric`) or a long form
// (`amount: {type: numeric, range: [0, 100]}`).
type Features []FeatureConfig

// Lookup returns the named feature, or nil.
func (fs Features) Lookup(name string) *FeatureConfig {
	for i := range fs {
		if fs[i].Name == name {
			return &fs[i]
		}
	}
	return nil
}

// FeatureConfig is one declared feature.
type FeatureConfig struct {
	Name string            `yaml:"-"`
	Type drift.FeatureKind `yaml:"type"`
	// Range is the valid [lo, hi] of a numeric feature, for the
	// out-of-range quality check; nil when unchecked.
	Range *[2]float64 `yaml:"range"`
	// Quality overrides the model's quality limits for this feature.
	Quality *FeatureQualityConfig `yaml:"quality"`
	// Drift overrides the model's drift decision for this feature.
	Drift *FeatureDriftConfig `yaml:"drift"`
}

// FeatureDriftConfig is one feature's own decision: a method, its
// threshold, calibration on or off. Unset parts keep the model's choice
// for the feature's type.
type FeatureDriftConfig struct {
	// Decide is the method whose verdict is the feature's (added to the
	// reported methods when they lack it).
	Decide string `yaml:"decide"`
	// Threshold is the decide method's fixed threshold (the fallback when
	// calibrated).
	Threshold *float64 `yaml:"threshold"`
	// Calibrate turns calibration of the decide method's threshold on or
	// off for this feature. Unset: as the model's type, unless decide or
	// threshold is set here, which fixes the threshold.
	Calibrate *bool `yaml:"calibrate"`
}

// PredictionType is the kind of a model's output.
type PredictionType string

const (
	// PredictionScore is any real number (a probability, a logit, a rank);
	// it is not range-checked.
	PredictionScore         PredictionType = "score"
	PredictionClass         PredictionType = "class"
	PredictionProbabilities PredictionType = "probabilities"
	PredictionRegression    PredictionType = "regression"
)

// DriftConfig chooses the drift statistics per feature type. Boolean
// features use the categorical methods. Parts left empty are filled by the
// detectors' defaults.
type DriftConfig struct {
	Numeric     MethodConfig `yaml:"numeric"`
	Categorical MethodConfig `yaml:"categorical"`
	// Calibration tunes the thresholds calibrated from the reference;
	// zero fields keep detectors.DefaultCalibration's values.
	Calibration CalibrationConfig `yaml:"calibration"`
	// Correction adjusts the p-value verdicts of one window's features
	// for their number: none (the default), bonferroni or bh.
	Correction string `yaml:"correction"`
}

// CalibrationConfig is detectors.Calibration in the file.
type CalibrationConfig struct {
	// K: standard deviations above the mean (default 3).
	K float64 `yaml:"k"`
	// MinWindows: fewer reference sub-windows than this bootstrap
	// (default 5).
	MinWindows int `yaml:"min_windows"`
	// MaxWindows: the most sub-windows used (default 50).
	MaxWindows int `yaml:"max_windows"`
	// Resamples: bootstrap draws (default 100).
	Resamples int `yaml:"resamples"`
	// Floor: the lowest calibrated distance threshold (default none).
	Floor float64 `yaml:"floor"`
}

// MethodConfig is the statistics computed for one feature type.
type MethodConfig struct {
	// Methods are the statistics to compute; empty means the default set.
	Methods []string `yaml:"methods"`
	// Decide is the method whose verdict is the feature's; empty means the
	// default choice.
	Decide string `yaml:"decide"`
	// Thresholds override the drift threshold per method.
	Thresholds map[string]float64 `yaml:"thresholds"`
	// Calibrate says whether the decide method's threshold is calibrated
	// from the reference. Unset: as the default policy (numeric features
	// yes, categorical no) unless decide or the decide method's threshold
	// is set here, which fixes the threshold.
	Calibrate *bool `yaml:"calibrate"`
}

// LimitsConfig bounds the memory of one feature's window summary.
type LimitsConfig struct {
	SampleSize    int `yaml:"sample_size"`
	MaxCategories int `yaml:"max_categories"`
}

// Limits returns the summary bounds in the drift package's terms.
func (l LimitsConfig) Limits() drift.Limits {
	lim := drift.DefaultLimits()
	lim.SampleSize = l.SampleSize
	lim.MaxCategories = l.MaxCategories
	return lim
}

// AlertingConfig is the `alerting` section.
type AlertingConfig struct {
	// DashboardURL and ExternalURL are the links a notification carries:
	// a Grafana dashboard, and where driftmon's HTTP API and HTML view
	// are reachable from the receiver's side. Empty leaves the link out.
	DashboardURL string           `yaml:"dashboard_url"`
	ExternalURL  string           `yaml:"external_url"`
	Receivers    []ReceiverConfig `yaml:"receivers"`
	Rules        []RuleConfig     `yaml:"rules"`
}

// ReceiverConfig is a named destination: exactly one of Slack or Webhook.
type ReceiverConfig struct {
	Name    string         `yaml:"name"`
	Slack   *SlackConfig   `yaml:"slack"`
	Webhook *WebhookConfig `yaml:"webhook"`
}

// SlackConfig posts with a bot token (TokenEnv/TokenFile and Channel) or
// to an incoming webhook (WebhookURLEnv/WebhookURLFile), one of the two.
type SlackConfig struct {
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
	Token     Secret `yaml:"-"`
	Channel   string `yaml:"channel"`
	// APIURL replaces Slack's API base URL (tests, proxies); empty means
	// Slack's own.
	APIURL         string `yaml:"api_url"`
	WebhookURLEnv  string `yaml:"webhook_url_env"`
	WebhookURLFile string `yaml:"webhook_url_file"`
	WebhookURL     Secret `yaml:"-"`
}

// WebhookConfig POSTs alerts as JSON, signed with HMAC-SHA256 of Secret.
type WebhookConfig struct {
	URL        string `yaml:"url"`
	SecretEnv  string `yaml:"secret_env"`
	SecretFile string `yaml:"secret_file"`
	Secret     Secret `yaml:"-"`
	// Retraining marks a webhook that starts a retraining job.
	Retraining bool `yaml:"retraining"`
	// Cooldown is the least time between two retraining calls for one
	// model, so that one drift episode does not start ten retrainings.
	Cooldown time.Duration `yaml:"cooldown"`
}

// setDefaults gives a new webhook its defaults before decoding.
func (w *WebhookConfig) setDefaults() { w.Cooldown = DefaultRetrainingCooldown }

// RuleConfig is one alerting rule.
type RuleConfig struct {
	Name string `yaml:"name"`
	// Models are globs over model names.
	Models    []string    `yaml:"models"`
	Match     MatchConfig `yaml:"match"`
	Condition Condition   `yaml:"condition"`
	// For is the number of consecutive matching windows before firing.
	For int `yaml:"for"`
	// KeepFiringFor is the number of windows the alert keeps firing after
	// the condition stops holding, against flapping.
	KeepFiringFor  int               `yaml:"keep_firing_for"`
	RepeatInterval time.Duration     `yaml:"repeat_interval"`
	Severity       string            `yaml:"severity"`
	Labels         map[string]string `yaml:"labels"`
	Receivers      []string          `yaml:"receivers"`
}

// MatchConfig selects the results a rule looks at; empty fields match all.
type MatchConfig struct {
	Family drift.Family `yaml:"family"`
	// Method and Feature are globs.
	Method  string `yaml:"method"`
	Feature string `yaml:"feature"`
}

// Defaults of values that have one.
const (
	DefaultBroker             = "127.0.0.1:9092"
	DefaultGroupID            = "driftmon"
	DefaultPredictionsTopic   = "predictions"
	DefaultLabelsTopic        = "labels"
	DefaultDeadLetterTopic    = "driftmon-dead-letter"
	DefaultCheckpointInterval = 30 * time.Second
	DefaultMaxMessageBytes    = 1 << 20
	DefaultClickHouseAddr     = "127.0.0.1:9000"
	DefaultDatabase           = "driftmon"
	DefaultClickHouseUser     = "default"
	DefaultDialTimeout        = 5 * time.Second
	DefaultEmbeddedPath       = "./driftmon-data"
	DefaultListen             = "127.0.0.1:8080"
	// DefaultMaxConnections and DefaultMaxRequests keep the HTTP side to
	// a few percent of a process's usual file descriptor limits, far
	// above what Prometheus, probes and people use.
	DefaultMaxConnections = 512
	DefaultMaxRequests    = 32
	// ProbeConnections is how many connections http.max_connections must
	// leave beyond http.max_requests: /readyz and /metrics run up to 8
	// and 4 at once, /healthz is answered at once.
	ProbeConnections = 16
	// DefaultCountIdleTimeout is the idle timeout of count windows, which
	// have no duration to default to.
	DefaultCountIdleTimeout = time.Minute
	DefaultMaxClockSkew     = time.Hour
	// MaxWindowDuration bounds a time window: the end of a window holding
	// any event time driftmon accepts (before drift.MaxEventTime, 2100)
	// then stays inside ClickHouse's DateTime (up to 2106-02-07).
	MaxWindowDuration     = 366 * 24 * time.Hour
	DefaultRuleFor        = 1
	DefaultRepeatInterval = 4 * time.Hour
	DefaultSeverity       = "warning"
	// DefaultRetrainingCooldown is a day: retraining is costly, and a
	// model retrained on drifted data needs time to show it helped.
	DefaultRetrainingCooldown = 24 * time.Hour
)

// The consumer group's timings, chosen so that the partitions of a crashed
// instance move in seconds (README, "Consumer group timings").
const (
	DefaultSessionTimeout    = 10 * time.Second
	DefaultHeartbeatInterval = time.Second
	DefaultRebalanceTimeout  = 10 * time.Second
)

// Default returns a configuration with every default applied and no models.
func Default() *Config {
	return &Config{
		Kafka: KafkaConfig{
			Brokers:            []string{DefaultBroker},
			GroupID:            DefaultGroupID,
			PredictionsTopic:   DefaultPredictionsTopic,
			LabelsTopic:        DefaultLabelsTopic,
			DeadLetterTopic:    DefaultDeadLetterTopic,
			CheckpointInterval: DefaultCheckpointInterval,
			SessionTimeout:     DefaultSessionTimeout,
			HeartbeatInterval:  DefaultHeartbeatInterval,
			RebalanceTimeout:   DefaultRebalanceTimeout,
			MaxMessageBytes:    DefaultMaxMessageBytes,
			UnknownModels:      RejectUnknownModels,
		},
		Storage: StorageConfig{
			Backend: BackendClickHouse,
			ClickHouse: ClickHouseConfig{
				Addr:        []string{DefaultClickHouseAddr},
				Database:    DefaultDatabase,
				User:        DefaultClickHouseUser,
				DialTimeout: DefaultDialTimeout,
			},
			Embedded: EmbeddedConfig{Path: DefaultEmbeddedPath},
		},
		HTTP: HTTPConfig{Listen: DefaultListen, MaxConnections: DefaultMaxConnections, MaxRequests: DefaultMaxRequests},
	}
}

// setDefaults gives a new models entry its defaults before decoding.
func (m *ModelConfig) setDefaults() {
	m.Limits = LimitsConfig{SampleSize: drift.DefaultSampleSize, MaxCategories: drift.DefaultMaxCategories}
}

// setDefaults gives a new rules entry its defaults before decoding.
func (r *RuleConfig) setDefaults() {
	r.Models = []string{"*"}
	r.Condition = Condition{Field: FieldDrifted}
	r.For = DefaultRuleFor
	r.RepeatInterval = DefaultRepeatInterval
	r.Severity = DefaultSeverity
}

// Model returns the named model's configuration, or nil when the file does
// not list it.
func (c *Config) Model(name string) *ModelConfig {
	if c.meta != nil && c.meta.models != nil {
		if i, ok := c.meta.models[name]; ok && i < len(c.Models) && c.Models[i].Name == name {
			return &c.Models[i]
		}
	}
	for i := range c.Models {
		if c.Models[i].Name == name {
			return &c.Models[i]
		}
	}
	return nil
}

// Load reads, decodes and validates the configuration file at path.
// Relative paths inside it are resolved against its directory.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	c, err := Parse(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("load config %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes and validates a configuration, reads its secrets and
// checks the files it names (TLS, references) can be read. dir is the
// directory relative paths are resolved against; "" leaves them relative
// to the working directory. A YAML syntax error is returned as yaml.v3 words it
// (with its line); otherwise the error joins one *Error per problem found.
func Parse(data []byte, dir string) (*Config, error) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, err
	}
	c := Default()
	d := &decoder{lines: map[string]int{"": 1}}
	if root != nil {
		d.decode("", root, reflect.ValueOf(c).Elem())
	}
	if len(d.errs) > 0 {
		// Validating half-decoded values would only add confusing echoes
		// of the decode errors.
		return nil, errors.Join(d.errs...)
	}
	c.meta = &meta{lines: d.lines}
	c.resolvePaths(dir)
	var errs []error
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.readSecrets()...)
	errs = append(errs, c.checkFiles()...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// parseYAML returns the root node of the single document in data, or nil
// for an empty file.
func parseYAML(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			return nil, fmt.Errorf("parse YAML: %w", err)
		}
		return nil, &Error{Line: line, Err: errors.New("a second YAML document; the file must hold one")}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// resolvePaths makes the file's relative paths relative to dir.
func (c *Config) resolvePaths(dir string) {
	if dir == "" {
		return
	}
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	for _, t := range []*TLSConfig{&c.Kafka.TLS, &c.Storage.ClickHouse.TLS} {
		abs(&t.CAFile)
		abs(&t.CertFile)
		abs(&t.KeyFile)
	}
	abs(&c.Kafka.SASL.PasswordFile)
	abs(&c.Storage.ClickHouse.PasswordFile)
	abs(&c.Storage.Embedded.Path)
	abs(&c.HTTP.TokenFile)
	for i := range c.Models {
		abs(&c.Models[i].Reference.File)
	}
	for i := range c.Alerting.Receivers {
		r := &c.Alerting.Receivers[i]
		if r.Slack != nil {
			abs(&r.Slack.TokenFile)
			abs(&r.Slack.WebhookURLFile)
		}
		if r.Webhook != nil {
			abs(&r.Webhook.SecretFile)
		}
	}
}
