// Package dashboards holds driftmon's Grafana dashboards (JSON) and the
// provisioning files that load them with their two datasources: Prometheus
// for the live metrics and ClickHouse for the window history. The Go code
// here only checks them: every query names metrics driftmon exports and
// tables that exist.
package dashboards
