#!/usr/bin/env bash
# soak.sh: a long run of `driftmon serve` (30 minutes by default, not for CI)
# under a steady keyed stream, on a ClickHouse server and a real Kafka broker
# of its own, with faults on a schedule: ClickHouse restarted, the broker
# restarted (alternately SIGTERM and SIGKILL), serve SIGKILLed and started
# again. At the end it fails (non-zero) unless
#   - every closed window in ClickHouse holds exactly the counts read back
#     from the topic (which must hold every event the producer had
#     acknowledged),
#   - serve's memory and open descriptors stayed flat: the last phase's max
#     VmRSS and VmHWM within --rss-growth percent of the first phase's
#     (after a warm-up), its max open fds within --fd-growth of the first's,
#   - every fault left a sign in /metrics, scraped before and after it.
#
#   scripts/soak.sh [--duration 30m] [--rate 2000] [--models 4] [--partitions 4]
#                   [--kill-first 2m] [--kill-every 5m]
#                   [--clickhouse-first 4m] [--clickhouse-every 7m]
#                   [--kafka-first 9m] [--kafka-every 11m]
#                   [--down 15s] [--sample 5s] [--warmup 2m] [--phase 10m]
#                   [--rss-growth 25] [--fd-growth 16]
#
# Durations are Ns, Nm or Nh. Faults run one at a time, in time order; one
# due while another is under way waits for it. None is scheduled in the last
# two minutes. Everything it starts is stopped on exit; the results (serve's
# logs, the /proc samples, the scrapes, summary.txt) stay in the folder it
# prints.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

DURATION=30m RATE=2000 MODELS=4 PARTITIONS=4
KILL_FIRST=2m KILL_EVERY=5m CH_FIRST=4m CH_EVERY=7m KAFKA_FIRST=9m KAFKA_EVERY=11m
DOWN=15s SAMPLE=5s WARMUP=2m PHASE=10m RSS_GROWTH=25 FD_GROWTH=16
while [ $# -gt 0 ]; do
	case "$1" in
	--duration) DURATION=$2 ;;
	--rate) RATE=$2 ;;
	--models) MODELS=$2 ;;
	--partitions) PARTITIONS=$2 ;;
	--kill-first) KILL_FIRST=$2 ;;
	--kill-every) KILL_EVERY=$2 ;;
	--clickhouse-first) CH_FIRST=$2 ;;
	--clickhouse-every) CH_EVERY=$2 ;;
	--kafka-first) KAFKA_FIRST=$2 ;;
	--kafka-every) KAFKA_EVERY=$2 ;;
	--down) DOWN=$2 ;;
	--sample) SAMPLE=$2 ;;
	--warmup) WARMUP=$2 ;;
	--phase) PHASE=$2 ;;
	--rss-growth) RSS_GROWTH=$2 ;;
	--fd-growth) FD_GROWTH=$2 ;;
	*)
		sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2
		exit 2
		;;
	esac
	shift 2
done

log() { echo "soak.sh $(date -u +%H:%M:%S): $*" | tee -a "$WORK/soak.log" >&2; }
die() {
	log "$*"
	exit 1
}
# secs 90s|5m|1h prints seconds.
secs() {
	case "$1" in
	*h) echo $((${1%h} * 3600)) ;;
	*m) echo $((${1%m} * 60)) ;;
	*s) echo "${1%s}" ;;
	*) echo "$1" ;;
	esac
}
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# pause SECONDS sleeps in the background, so that a signal ends the soak at
# once rather than after the sleep.
pause() {
	sleep "$1" &
	wait $!
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/driftmon-soak.XXXXXX")
# Servers of its own: restarting them must not disturb anyone else's.
export DRIFTMON_CLICKHOUSE_STATE="$WORK/clickhouse.env"
export DRIFTMON_KAFKA_STATE="$WORK/kafka.env"
SERVE_PID="" PRODUCER_PID="" SAMPLER_PID=""

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	set +e
	for p in "$SAMPLER_PID" "$PRODUCER_PID" "$SERVE_PID"; do
		[ -n "$p" ] || continue
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	scripts/kafka.sh stop 2>>"$WORK/soak.log" || true
	scripts/clickhouse.sh stop 2>>"$WORK/soak.log" || true
	echo "soak.sh: results in $WORK (exit $rc)" >&2
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building into $WORK"
go build -o "$WORK/driftmon" ./cmd/driftmon
go build -o "$WORK/soak" ./internal/soak

eval "$(scripts/clickhouse.sh start)"
CH_ADDR=$DRIFTMON_CLICKHOUSE_ADDR
eval "$(scripts/kafka.sh start)"
KAFKA_ADDR=$DRIFTMON_KAFKA_ADDR
for i in $(seq 1 50); do
	HTTP_PORT=$((20000 + RANDOM % 20000))
	answers "$HTTP_PORT" || break
done
HTTP="127.0.0.1:$HTTP_PORT"
"$WORK/soak" setup -dir "$WORK" -brokers "$KAFKA_ADDR" -clickhouse "$CH_ADDR" \
	-models "$MODELS" -partitions "$PARTITIONS" -http "$HTTP"
log "ClickHouse $CH_ADDR, Kafka $KAFKA_ADDR, serve on $HTTP; $RATE events/s over $MODELS models for $DURATION"

STARTS=0
start_serve() {
	STARTS=$((STARTS + 1))
	"$WORK/driftmon" serve --config "$WORK/driftmon.yaml" >"$WORK/serve-$STARTS.log" 2>&1 &
	SERVE_PID=$!
	echo "$SERVE_PID" >"$WORK/serve.pid"
	local i
	for i in $(seq 1 120); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$HTTP/readyz")" = 200 ] && return 0
		kill -0 "$SERVE_PID" 2>/dev/null || die "serve exited; see $WORK/serve-$STARTS.log"
		sleep 0.5
	done
	die "serve not ready within 60s; see $WORK/serve-$STARTS.log"
}

# sampler writes serve's VmRSS, VmHWM (kB) and open descriptors every
# $SAMPLE to proc.csv, whichever process serve is at the time.
sampler() {
	local pid rss hwm fds
	echo "unix_seconds,pid,rss_kb,hwm_kb,fds" >"$WORK/proc.csv"
	while true; do
		pid=$(cat "$WORK/serve.pid" 2>/dev/null) || pid=""
		if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
			rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
			hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
			fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
			# A process killed between the reads leaves fields empty.
			[ -n "$rss" ] && [ -n "$hwm" ] && [ "$fds" -gt 0 ] &&
				echo "$(date +%s),$pid,$rss,$hwm,$fds" >>"$WORK/proc.csv"
		fi
		sleep "$(secs "$SAMPLE")"
	done
}

scrape() { curl -s --max-time 10 "http://$HTTP/metrics" >"$WORK/metrics/$1.prom" || true; }

restart_clickhouse() {
	# clickhouse.sh has no down/up: stop the recorded server and start it
	# again on the same config and data.
	# shellcheck disable=SC1090
	. "$DRIFTMON_CLICKHOUSE_STATE"
	kill -TERM "$CH_PID"
	local i
	for i in $(seq 1 100); do
		kill -0 "$CH_PID" 2>/dev/null || break
		sleep 0.2
	done
	kill -KILL "$CH_PID" 2>/dev/null || true
	pause "$(secs "$DOWN")"
	# As in clickhouse.sh: setsid does not fork here, so $! is the server.
	setsid /usr/sbin/clickhouse-server --config-file="$CH_DIR/config.xml" --pid-file="$CH_DIR/clickhouse.pid" \
		>>"$CH_DIR/log/stdout.log" 2>&1 </dev/null &
	printf 'CH_PID=%s\nCH_DIR=%s\nCH_PORT=%s\n' "$!" "$CH_DIR" "$CH_PORT" >"$DRIFTMON_CLICKHOUSE_STATE"
	for i in $(seq 1 300); do
		clickhouse-client --host 127.0.0.1 --port "$CH_PORT" -q 'SELECT 1' >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	die "ClickHouse did not come back"
}

KAFKA_RESTARTS=0
restart_kafka() {
	KAFKA_RESTARTS=$((KAFKA_RESTARTS + 1))
	if [ $((KAFKA_RESTARTS % 2)) = 1 ]; then
		scripts/kafka.sh down 2>>"$WORK/soak.log"
	else
		scripts/kafka.sh down --kill 2>>"$WORK/soak.log"
	fi
	pause "$(secs "$DOWN")"
	scripts/kafka.sh up >/dev/null 2>>"$WORK/soak.log"
}

# The schedule: "seconds kind" lines, in time order.
schedule() {
	local total first every t
	total=$(secs "$DURATION")
	while read -r first every kind; do
		first=$(secs "$first") every=$(secs "$every")
		[ "$every" -gt 0 ] || continue
		for ((t = first; t <= total - 120; t += every)); do echo "$t $kind"; done
	done <<EOF
$KILL_FIRST $KILL_EVERY kill
$CH_FIRST $CH_EVERY clickhouse
$KAFKA_FIRST $KAFKA_EVERY kafka
EOF
}

mkdir -p "$WORK/metrics"
start_serve
sampler &
SAMPLER_PID=$!
T0=$(date +%s)
"$WORK/soak" produce -brokers "$KAFKA_ADDR" -rate "$RATE" -models "$MODELS" -out "$WORK/produced.json" \
	2>"$WORK/producer.log" &
PRODUCER_PID=$!

n=0
while read -r at kind; do
	now=$(($(date +%s) - T0))
	[ "$at" -gt "$now" ] && pause $((at - now))
	kill -0 "$PRODUCER_PID" 2>/dev/null || die "the producer exited; see $WORK/producer.log"
	n=$((n + 1))
	name=$(printf '%03d-%s' "$n" "$kind")
	scrape "$name-before"
	log "fault $name at +$(($(date +%s) - T0))s"
	case "$kind" in
	kill)
		kill -KILL "$SERVE_PID"
		wait "$SERVE_PID" 2>/dev/null || true
		start_serve
		;;
	clickhouse) restart_clickhouse ;;
	kafka) restart_kafka ;;
	esac
	# Time for serve to notice, retry and recover before the scrape.
	pause 20
	scrape "$name-after"
	log "fault $name over at +$(($(date +%s) - T0))s"
done < <(schedule | sort -n)

now=$(($(date +%s) - T0))
total=$(secs "$DURATION")
[ "$total" -gt "$now" ] && pause $((total - now))
kill -TERM "$PRODUCER_PID"
wait "$PRODUCER_PID" || die "the producer failed; see $WORK/producer.log"
PRODUCER_PID=""
kill -KILL "$SAMPLER_PID"
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
log "stream stopped after $(($(date +%s) - T0))s; checking"

fail=0
{
	echo "command: scripts/soak.sh --duration $DURATION --rate $RATE --models $MODELS --partitions $PARTITIONS" \
		"--kill-first $KILL_FIRST --kill-every $KILL_EVERY --clickhouse-first $CH_FIRST --clickhouse-every $CH_EVERY" \
		"--kafka-first $KAFKA_FIRST --kafka-every $KAFKA_EVERY --down $DOWN"
	echo "machine: $(nproc) cores, $(free -m | awk '/^Mem:/ {print $2}') MiB"
	tail -n 1 "$WORK/producer.log"
	echo "serve started $STARTS times"
} >"$WORK/summary.txt"
"$WORK/soak" verify -dir "$WORK" -brokers "$KAFKA_ADDR" -clickhouse "$CH_ADDR" -wait 3m >>"$WORK/summary.txt" 2>&1 || fail=1
"$WORK/soak" faults -dir "$WORK/metrics" >>"$WORK/summary.txt" 2>&1 || fail=1
"$WORK/soak" flat -csv "$WORK/proc.csv" -warmup "$WARMUP" -phase "$PHASE" \
	-rss-growth "$RSS_GROWTH" -fd-growth "$FD_GROWTH" >>"$WORK/summary.txt" 2>&1 || fail=1
cat "$WORK/summary.txt"
[ "$fail" = 0 ] || die "FAILED"
log "passed"
