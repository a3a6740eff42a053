#!/usr/bin/env bash
# clickhouse.sh start|stop|status: a throwaway ClickHouse server for driftmon's
# integration tests, bound to 127.0.0.1 with its data in a temporary folder.
#
#   eval "$(scripts/clickhouse.sh start)"   # sets DRIFTMON_CLICKHOUSE_ADDR
#   go test ./storage/...
#   scripts/clickhouse.sh stop
#
# start installs Debian's clickhouse-server and clickhouse-client when the
# server is missing, picks a port nothing answers on, and prints only the
# export line on stdout (everything else goes to stderr). The server's pid and
# folder go to a state file, $DRIFTMON_CLICKHOUSE_STATE (default
# ${TMPDIR:-/tmp}/driftmon-clickhouse.env), which stop reads. A second start
# while the recorded server still runs prints its address again.
set -euo pipefail

STATE="${DRIFTMON_CLICKHOUSE_STATE:-${TMPDIR:-/tmp}/driftmon-clickhouse.env}"
TIMEOUT=30

log() { echo "clickhouse.sh: $*" >&2; }
die() {
	log "$*"
	exit 1
}

# answers PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# server_bin prints the server's path; Debian installs it in /usr/sbin, which
# is not on every user's PATH.
server_bin() {
	command -v clickhouse-server 2>/dev/null && return 0
	[ -x /usr/sbin/clickhouse-server ] && echo /usr/sbin/clickhouse-server && return 0
	return 1
}

install_clickhouse() {
	local sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || die "clickhouse-server is missing and sudo is not available"
		sudo="sudo"
	fi
	log "installing clickhouse-server and clickhouse-client"
	$sudo apt-get update >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y clickhouse-server clickhouse-client >&2
}

# free_port prints a port where neither it nor the next one (the HTTP port)
# answers: a server left from an earlier run would answer silently and take
# our tests' writes.
free_port() {
	local p i
	for i in $(seq 1 50); do
		if [ "$i" -eq 1 ]; then p=29000; else p=$((20000 + RANDOM % 20000)); fi
		if ! answers "$p" && ! answers "$((p + 1))"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

read_state() {
	[ -f "$STATE" ] || return 1
	# shellcheck disable=SC1090
	. "$STATE"
	[ -n "${CH_PID:-}" ] && [ -n "${CH_DIR:-}" ] && [ -n "${CH_PORT:-}" ]
}

write_config() {
	local dir=$1 port=$2 http=$3
	mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
	cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>$dir/log/clickhouse-server.log</log>
        <errorlog>$dir/log/clickhouse-server.err.log</errorlog>
        <size>50M</size>
        <count>1</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>$port</tcp_port>
    <http_port>$http</http_port>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>268435456</mark_cache_size>
</yandex>
EOF
	cat >"$dir/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default></default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
                <ip>::1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default></default>
    </quotas>
</yandex>
EOF
}

start() {
	if read_state && kill -0 "$CH_PID" 2>/dev/null; then
		log "already running (pid $CH_PID, $CH_DIR)"
		echo "export DRIFTMON_CLICKHOUSE_ADDR=127.0.0.1:$CH_PORT"
		return 0
	fi
	local bin
	if ! bin=$(server_bin); then
		install_clickhouse
		bin=$(server_bin) || die "clickhouse-server still missing after install"
	fi
	command -v clickhouse-client >/dev/null || die "clickhouse-client is missing"

	local port dir pid i
	port=$(free_port) || die "no free port found"
	dir=$(mktemp -d "${TMPDIR:-/tmp}/driftmon-clickhouse.XXXXXX")
	write_config "$dir" "$port" "$((port + 1))"

	# setsid: the server outlives this shell and a Ctrl-C in it. setsid may
	# fork, so the pid to record is the one the server writes itself.
	setsid "$bin" --config-file="$dir/config.xml" --pid-file="$dir/clickhouse.pid" \
		>"$dir/log/stdout.log" 2>&1 </dev/null &
	pid=$!
	printf 'CH_PID=%s\nCH_DIR=%s\nCH_PORT=%s\n' "$pid" "$dir" "$port" >"$STATE"

	for i in $(seq 1 $((TIMEOUT * 5))); do
		if [ -s "$dir/clickhouse.pid" ] && [ "$(cat "$dir/clickhouse.pid")" != "$pid" ]; then
			pid=$(cat "$dir/clickhouse.pid")
			printf 'CH_PID=%s\nCH_DIR=%s\nCH_PORT=%s\n' "$pid" "$dir" "$port" >"$STATE"
		fi
		if clickhouse-client --host 127.0.0.1 --port "$port" -q 'SELECT 1' >/dev/null 2>&1; then
			log "ready on 127.0.0.1:$port (pid $pid, $dir)"
			echo "export DRIFTMON_CLICKHOUSE_ADDR=127.0.0.1:$port"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "server did not answer on port $port within ${TIMEOUT}s; log tail:"
	else
		log "server exited before answering on port $port; log tail:"
	fi
	tail -n 30 "$dir/log/clickhouse-server.err.log" "$dir/log/stdout.log" >&2 2>/dev/null || true
	stop
	exit 1
}

stop() {
	if ! read_state; then
		log "nothing to stop ($STATE not found)"
		return 0
	fi
	local i
	if kill -0 "$CH_PID" 2>/dev/null; then
		kill -TERM "$CH_PID"
		for i in $(seq 1 50); do
			kill -0 "$CH_PID" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$CH_PID" 2>/dev/null; then
			log "pid $CH_PID ignored SIGTERM for 10s; sending SIGKILL"
			kill -KILL "$CH_PID" 2>/dev/null || true
		fi
	fi
	case "$CH_DIR" in
	*/driftmon-clickhouse.*) rm -rf -- "$CH_DIR" ;;
	*) log "not removing unexpected folder $CH_DIR" ;;
	esac
	rm -f -- "$STATE"
	log "stopped pid $CH_PID"
}

status() {
	if read_state && kill -0 "$CH_PID" 2>/dev/null; then
		echo "running: pid $CH_PID, 127.0.0.1:$CH_PORT, $CH_DIR"
		return 0
	fi
	echo "not running"
	return 1
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
