// Package helm holds no code: its test checks the Helm chart in
// deploy/helm/driftmon against driftmon itself. It renders the chart with
// the helm binary named by DRIFTMON_HELM (scripts/test.sh builds one),
// loads the ConfigMap's config with config.Load after giving it the
// Secrets' variables and files the Deployment provides, checks that every
// file the config names is mounted and every variable a *_env key names is
// set, that the container's ports are the ones the config listens on, and
// starts serve on the rendered config to ask the probes' paths of it.
// It must not be imported.
package helm
