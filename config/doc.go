// Package config loads driftmon's YAML configuration file: the Kafka and
// storage connections, the HTTP API, the monitored models (windows,
// references, features, drift methods) and the alerting receivers and rules.
//
// Loading follows Prometheus and Alertmanager: every value starts from its
// default, the file is decoded strictly (an unknown key is an error, never
// ignored), and Validate checks what the types cannot say. Every error names
// the key path (models[1].window.duration) and its line in the file, so a
// user can go straight to the mistake. yaml.v3 reports unknown keys and type
// errors with a line but without the key path, so the package walks the
// parsed yaml.Node tree itself and uses yaml.v3 only for parsing and for
// reading scalars.
//
// Secrets (passwords, tokens) never appear in the file: it names an
// environment variable (*_env) or a file (*_file), read once at load into a
// Secret, which prints, marshals and logs as "<redacted>".
//
// Relative paths in the file (reference files, TLS files, secret files, the
// embedded store) are relative to the file's directory, so a config works
// from any working directory. Load reads the files it names (secrets, TLS
// certificates and keys) or checks them (a reference file can be opened),
// so that a missing one is a config error with its line, not a failure at
// start.
//
// It imports, of driftmon's packages, only drift (for the shared nouns:
// feature kinds, result families, summary limits), table (to read a
// reference file's column names, CSV or Parquet, without reading its
// rows) and four packages of pure functions under detectors, which
// import nothing of driftmon's but each other, drift and sketch:
// detectors (the drift policy and calibration), detectors/stats (the
// method names), detectors/quality (the quality limits) and
// detectors/stream (the stream detectors' names and defaults), so that a
// model's policy is checked by the rules evaluation applies, with the key
// and line of the mistake, rather than by a copy of them. Never a package
// that runs a stage (ingest, window, storage, pipeline, alerting): those,
// and server, monitor and cmd/driftmon, import config, never the other way
// round. Alerting rules' conditions are parsed
// and checked here; what a condition means for a result is package
// alerting's.
package config
