#!/usr/bin/env bash
# bench-e2e.sh: an end-to-end benchmark of `driftmon serve` (not run in CI).
# It builds driftmon, starts what it needs as scripts/test.sh does
# (ClickHouse through scripts/clickhouse.sh unless one is running; a real
# Kafka broker of its own through scripts/kafka.sh, or kfake in the helper's
# process), puts N events of M models of F features (half numeric, half
# categorical) on the predictions topic, LZ4-compressed as kcat/librdkafka
# produce them, writes the config and the reference files (R rows each),
# measures kafka-go's read ceiling on that topic, launches serve and prints:
# events/s from launch until driftmon_events_ingested_total{topic="predictions"}
# reaches N, start-up time, peak RSS, window-close latency p50/p99, and
# whether every model's expected windows are stored in ClickHouse.
#
#   scripts/bench-e2e.sh [--broker kfake|kafka] [--profile 20s] [helper flags]
#
# Helper flags (each also DRIFTMON_BENCH_<FLAG>, e.g. DRIFTMON_BENCH_EVENTS):
#   -events N (2000000)  -models M (10)  -features F (20)  -ref-rows R (20000)
#   -window 1m  -windows 10 (event time the events span, in windows)
#   -partitions 4  -ceiling reader,batch|none  -ceiling-only
#   -timeout 15m  -store-wait 5m  -refs DIR (reference files, kept for reuse)
#
# The two target workloads:
#   scripts/bench-e2e.sh --broker kafka -events 3000000 -models 10 -window 1m
#   scripts/bench-e2e.sh --broker kafka -events 3000000 -models 1000 -window 5m -windows 6
#
# --profile D builds serve with -tags pprof and keeps a CPU profile of D from
# its first record (serve.cpu.pprof, in the folder printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

BROKER=kfake PROFILE="" args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--broker) BROKER=$2; shift 2 ;;
	--profile) PROFILE=$2; shift 2 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2
		exit 2
		;;
	*) args+=("$1"); shift ;;
	esac
done
case "$BROKER" in kfake | kafka) ;; *) echo "bench-e2e.sh: --broker kfake or kafka, not $BROKER" >&2; exit 2 ;; esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/driftmon-bench.XXXXXX")
REFS="${DRIFTMON_BENCH_REFS:-${TMPDIR:-/tmp}/driftmon-bench-refs}"
stops=()
cleanup() {
	local rc=$? s
	for s in "${stops[@]}"; do "scripts/$s" stop >/dev/null 2>&1 || true; done
	echo "bench-e2e.sh: serve's log and config in $WORK (exit $rc)" >&2
	exit "$rc"
}
trap cleanup EXIT

tags=() prof=()
if [ -n "$PROFILE" ]; then
	tags=(-tags pprof)
	prof=(-profile "$PROFILE")
fi
go build "${tags[@]}" -o "$WORK/driftmon" ./cmd/driftmon
go build -o "$WORK/bench" ./internal/bench/cmd/bench

# ClickHouse: a running one is used (each run has a database of its own);
# one this script starts, it stops.
if [ -z "${DRIFTMON_CLICKHOUSE_ADDR:-}" ]; then
	scripts/clickhouse.sh status >/dev/null 2>&1 || stops+=(clickhouse.sh)
	eval "$(scripts/clickhouse.sh start)"
fi
# Kafka: always a broker of the run's own, so the topics are new and
# nothing else shares its disk or its log cleaner.
broker=kfake
if [ "$BROKER" = kafka ]; then
	export DRIFTMON_KAFKA_STATE="$WORK/kafka.env"
	stops+=(kafka.sh)
	broker=$(scripts/kafka.sh start | sed -n 's/^export DRIFTMON_KAFKA_ADDR=//p')
fi

"$WORK/bench" -broker "$broker" -clickhouse "$DRIFTMON_CLICKHOUSE_ADDR" -bin "$WORK/driftmon" \
	-dir "$WORK" -refs "$REFS" "${prof[@]}" "${args[@]}"
echo "command: scripts/bench-e2e.sh --broker $BROKER${PROFILE:+ --profile $PROFILE} ${args[*]}"
