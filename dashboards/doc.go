// Package dashboards holds driftmon's Grafana dashboards (JSON) and the
// provisioning files that load them with their two datasources: Prometheus
// for the live metrics and ClickHouse for the window history, which
// outlives Prometheus retention. overview.json covers every model;
// model.json one model and its features (template variables model and
// feature).
//
// The Go code here only checks them: every datasource reference resolves
// to the provisioning file, PromQL names only metrics the ingest,
// pipeline and alerting packages register, every ClickHouse query runs
// on the schema the storage package migrates, and a query of covariate or
// prior rows reads the verdict rows (decision = 1), never the reported
// ones. It must not be imported.
package dashboards
