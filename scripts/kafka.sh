#!/usr/bin/env bash
# kafka.sh start|stop|status|down|up|restart: a throwaway Apache Kafka broker
# (3.9.1, KRaft, one node that is broker and controller) for driftmon's
# integration tests, bound to 127.0.0.1 with its data in a temporary folder.
#
#   eval "$(scripts/kafka.sh start)"   # sets DRIFTMON_KAFKA_ADDR
#   go test ./server/...
#   scripts/kafka.sh stop
#
# The broker runs from Kafka's jars on Maven Central, with the machine's Java
# (17 or later): start writes a throwaway pom (kafka_2.13 and slf4j-simple)
# into $DRIFTMON_KAFKA_CACHE (default ~/.cache/driftmon/kafka-3.9.1) and asks
# Maven for the classpath, so the jars land in ~/.m2 as any Maven build's do;
# the classpath is kept beside the pom and reused while every jar on it is
# still there, so a warm start does not run Maven at all.
#
# start picks two ports nothing answers on (clients, controller), formats a
# fresh data folder, and prints only the export line on stdout (everything
# else goes to stderr). The broker's pid, ports and folder go to a state file,
# $DRIFTMON_KAFKA_STATE (default ${TMPDIR:-/tmp}/driftmon-kafka.env): a second
# start while the recorded broker still runs prints its address again, and
# tests that stop their own broker give each one a state file of its own.
#
#   stop     SIGTERM (the broker flushes and shuts down cleanly), then the
#            folder is removed.
#   down     stops the process, keeping the folder and ports: SIGTERM, or with
#            --kill SIGKILL (the next up recovers the logs, as after a crash).
#   up       starts the broker again on the kept folder and ports: topics,
#            records and the groups' committed offsets are still there.
#   restart  down, then up (a clean restart on the same data).
#   status   says whether the recorded broker runs.
#
# DRIFTMON_KAFKA_JAVA_OPTS replaces the JVM options (default -Xmx512m).
set -euo pipefail

KAFKA_VERSION=3.9.1
SLF4J_VERSION=1.7.36
STATE="${DRIFTMON_KAFKA_STATE:-${TMPDIR:-/tmp}/driftmon-kafka.env}"
CACHE="${DRIFTMON_KAFKA_CACHE:-$HOME/.cache/driftmon/kafka-$KAFKA_VERSION}"
JAVA_OPTS="${DRIFTMON_KAFKA_JAVA_OPTS:--Xmx512m}"
TIMEOUT=90

log() { echo "kafka.sh: $*" >&2; }
die() {
	log "$*"
	exit 1
}

# answers PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 20000))
		if ! answers "$p" && [ "$p" != "${1:-}" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# classpath prints the broker's classpath, resolving it with Maven on the
# first run (or when a jar it names has gone from ~/.m2).
classpath() {
	local cp="$CACHE/classpath.txt" jar ok=1
	if [ -s "$cp" ]; then
		local IFS=:
		for jar in $(cat "$cp"); do
			[ -f "$jar" ] || {
				ok=0
				break
			}
		done
		if [ "$ok" = 1 ]; then
			cat "$cp"
			return 0
		fi
	fi
	command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Kafka's jars (apt-get install maven)"
	mkdir -p "$CACHE"
	cat >"$CACHE/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>driftmon</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>$SLF4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
	log "resolving Kafka $KAFKA_VERSION's jars with Maven (into ~/.m2)"
	# Maven's output goes to a log, shown only when it fails: even quiet and
	# in batch mode it prints terminal escape codes.
	if ! mvn -q -B -f "$CACHE/pom.xml" dependency:build-classpath -Dmdep.outputFile="$cp.tmp" \
		>"$CACHE/mvn.log" 2>&1; then
		cat "$CACHE/mvn.log" >&2
		die "mvn dependency:build-classpath failed"
	fi
	mv "$cp.tmp" "$cp"
	cat "$cp"
}

read_state() {
	[ -f "$STATE" ] || return 1
	# shellcheck disable=SC1090
	. "$STATE"
	[ -n "${KAFKA_PID:-}" ] && [ -n "${KAFKA_DIR:-}" ] && [ -n "${KAFKA_PORT:-}" ]
}

write_state() {
	printf 'KAFKA_PID=%s\nKAFKA_DIR=%s\nKAFKA_PORT=%s\nKAFKA_CONTROLLER_PORT=%s\n' \
		"$KAFKA_PID" "$KAFKA_DIR" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" >"$STATE"
}

running() { [ -n "${KAFKA_PID:-}" ] && [ "$KAFKA_PID" != 0 ] && kill -0 "$KAFKA_PID" 2>/dev/null; }

write_config() {
	local dir=$1 port=$2 controller=$3
	mkdir -p "$dir/data"
	cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# As in docker-compose.yml: topics exist before consumers join.
auto.create.topics.enable=false
# A group's first generation forms at once, not after the default 3 s.
group.initial.rebalance.delay.ms=0
EOF
}

# launch starts the broker on the folder and ports in the state and waits
# until it takes connections.
launch() {
	local cp=$1 i
	# setsid: the broker outlives this shell and a Ctrl-C in it. setsid may
	# fork, so the pid to record is the one the shell it starts writes
	# before it becomes java.
	rm -f "$KAFKA_DIR/kafka.pid"
	# shellcheck disable=SC2016
	setsid bash -c 'echo $$ >"$1/kafka.pid"; shift; exec "$@"' _ "$KAFKA_DIR" \
		java $JAVA_OPTS -Dorg.slf4j.simpleLogger.showDateTime=true \
		-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
		-cp "$cp" kafka.Kafka "$KAFKA_DIR/server.properties" \
		>>"$KAFKA_DIR/kafka.log" 2>&1 </dev/null &
	for i in $(seq 1 50); do
		[ -s "$KAFKA_DIR/kafka.pid" ] && break
		sleep 0.1
	done
	KAFKA_PID=$(cat "$KAFKA_DIR/kafka.pid" 2>/dev/null) || die "the broker did not start"
	write_state
	for i in $(seq 1 $((TIMEOUT * 5))); do
		if answers "$KAFKA_PORT"; then
			log "ready on 127.0.0.1:$KAFKA_PORT (pid $KAFKA_PID, $KAFKA_DIR)"
			echo "export DRIFTMON_KAFKA_ADDR=127.0.0.1:$KAFKA_PORT"
			return 0
		fi
		running || break
		sleep 0.2
	done
	if running; then
		log "broker did not answer on port $KAFKA_PORT within ${TIMEOUT}s; log tail:"
	else
		log "broker exited before answering on port $KAFKA_PORT; log tail:"
	fi
	tail -n 30 "$KAFKA_DIR/kafka.log" >&2 2>/dev/null || true
	return 1
}

start() {
	if read_state && running; then
		log "already running (pid $KAFKA_PID, $KAFKA_DIR)"
		echo "export DRIFTMON_KAFKA_ADDR=127.0.0.1:$KAFKA_PORT"
		return 0
	fi
	if read_state; then
		log "removing a broker left down by an earlier run ($KAFKA_DIR)"
		remove_dir
	fi
	command -v java >/dev/null || die "Java 17 or later is needed (apt-get install openjdk-17-jre-headless)"
	local cp
	cp=$(classpath)
	KAFKA_PORT=$(free_port) || die "no free port found"
	KAFKA_CONTROLLER_PORT=$(free_port "$KAFKA_PORT") || die "no free port found"
	KAFKA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/driftmon-kafka.XXXXXX")
	KAFKA_PID=0
	write_config "$KAFKA_DIR" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
	write_state
	# A cluster id is 16 random bytes in URL-safe base64, which is what
	# StorageTool random-uuid prints, without a second JVM start. It may begin
	# with a dash, hence --cluster-id=.
	local cluster
	cluster=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
	if ! java -cp "$cp" kafka.tools.StorageTool format --cluster-id="$cluster" \
		-c "$KAFKA_DIR/server.properties" >>"$KAFKA_DIR/kafka.log" 2>&1; then
		tail -n 30 "$KAFKA_DIR/kafka.log" >&2
		stop
		die "formatting $KAFKA_DIR failed"
	fi
	launch "$cp" || {
		stop
		exit 1
	}
}

# halt stops the recorded process, by SIGTERM (SIGKILL after 60 s) or, with
# --kill, at once.
halt() {
	local i
	running || return 0
	if [ "${1:-}" = --kill ]; then
		kill -KILL "$KAFKA_PID" 2>/dev/null || true
	else
		kill -TERM "$KAFKA_PID"
	fi
	for i in $(seq 1 300); do
		running || break
		sleep 0.2
	done
	if running; then
		log "pid $KAFKA_PID ignored SIGTERM for 60s; sending SIGKILL"
		kill -KILL "$KAFKA_PID" 2>/dev/null || true
		sleep 0.2
	fi
}

remove_dir() {
	case "$KAFKA_DIR" in
	*/driftmon-kafka.*) rm -rf -- "$KAFKA_DIR" ;;
	*) log "not removing unexpected folder $KAFKA_DIR" ;;
	esac
	rm -f -- "$STATE"
}

stop() {
	if ! read_state; then
		log "nothing to stop ($STATE not found)"
		return 0
	fi
	halt
	remove_dir
	log "stopped pid $KAFKA_PID"
}

down() {
	read_state || die "no broker recorded in $STATE"
	halt "${1:-}"
	log "down: pid $KAFKA_PID stopped${1:+ ($1)}; $KAFKA_DIR kept"
	KAFKA_PID=0
	write_state
}

up() {
	read_state || die "no broker recorded in $STATE"
	if running; then
		log "already running (pid $KAFKA_PID, $KAFKA_DIR)"
		echo "export DRIFTMON_KAFKA_ADDR=127.0.0.1:$KAFKA_PORT"
		return 0
	fi
	[ -f "$KAFKA_DIR/server.properties" ] || die "$KAFKA_DIR holds no broker"
	# The ports were free when start picked them; something else may have
	# taken one since.
	! answers "$KAFKA_PORT" || die "port $KAFKA_PORT is taken: cannot start the broker again"
	launch "$(classpath)"
}

status() {
	if read_state && running; then
		echo "running: pid $KAFKA_PID, 127.0.0.1:$KAFKA_PORT, $KAFKA_DIR"
		return 0
	fi
	if read_state; then
		echo "down: 127.0.0.1:$KAFKA_PORT, $KAFKA_DIR kept"
		return 1
	fi
	echo "not running"
	return 1
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
down)
	case "${2:-}" in
	"" | --kill) down "${2:-}" ;;
	*) die "down takes only --kill, not $2" ;;
	esac
	;;
up) up ;;
restart)
	down
	up
	;;
*)
	echo "usage: $0 start|stop|status|down [--kill]|up|restart" >&2
	exit 2
	;;
esac
