// Package bench is scripts/bench-e2e.sh's end-to-end benchmark of
// `driftmon serve`: it puts a known workload on a Kafka topic (kfake in
// this process, or a real broker), writes the config and reference files,
// launches the built binary against ClickHouse and measures what an
// operator would: events per second from launch (start-up included) until
// every event is ingested, start-up time, peak RSS, window-close latency,
// and whether every model's windows were stored. Its read ceiling measures
// what kafka-go alone delivers from the same topic on the same broker, so
// serve's rate can be read as a share of it. It is not part of driftmon;
// run it through scripts/bench-e2e.sh.
package bench
