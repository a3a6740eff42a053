// Package testenv holds what the service's integration tests share: the
// addresses of the real services scripts/test.sh starts (ClickHouse, kcat,
// chromium), an in-process Kafka-protocol broker on a loopback port, a
// fresh database per test, polling with a deadline, and synthetic windows.
// Only tests import it.
package testenv
