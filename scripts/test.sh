#!/usr/bin/env bash
# The whole test suite, integration tests included: installs what the tests
# need when it is missing (Debian's clickhouse-server, kcat, chromium, Java 17
# and Maven), starts ClickHouse and a real Kafka broker (scripts/kafka.sh) on
# free loopback ports with their data in temporary folders, runs gofmt, vet,
# staticcheck and every test, and stops the servers again.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

command -v go >/dev/null || { echo "test.sh: Go is required (https://go.dev/dl/)" >&2; exit 2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v clickhouse-server >/dev/null || missing+=(clickhouse-server clickhouse-client)
command -v kcat >/dev/null || missing+=(kcat)
# Browser tests (the HTML views) drive Debian's chromium headless.
command -v chromium >/dev/null || missing+=(chromium)
# The real Kafka broker runs from Maven Central's jars on Java 17.
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
# The Python client's tests run in a virtualenv of their own.
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A server this script starts, it stops; one already running is left alone.
# Temporary folders (the Python virtualenv, the helm binary) go too.
stops=()
temps=()
cleanup() {
  local s
  for s in "${stops[@]}"; do "./scripts/$s.sh" stop >/dev/null 2>&1 || true; done
  if [ ${#temps[@]} -gt 0 ]; then rm -rf "${temps[@]}"; fi
}
trap cleanup EXIT
for s in clickhouse kafka; do
  if ! "./scripts/$s.sh" status >/dev/null 2>&1; then
    stops+=("$s")
  fi
  eval "$("./scripts/$s.sh" start)"
done

# Integration tests fail rather than skip when their services are missing.
export DRIFTMON_REQUIRE_INTEGRATION=1
export DRIFTMON_KCAT="$(command -v kcat)"
export DRIFTMON_CHROMIUM="$(command -v chromium)"
# The shared data sets, where they are (CI has them): their tests then fail
# rather than skip. Without them (a clone of the repository alone) those
# tests skip, and say so here.
if [ -z "${DRIFTMON_DATASETS:-}" ] && [ -d ../shared/datasets ]; then
  export DRIFTMON_DATASETS="$(cd ../shared/datasets && pwd)"
fi
if [ -z "${DRIFTMON_DATASETS:-}" ]; then
  echo "test.sh: ../shared/datasets not found: the tests on real data sets will skip" >&2
fi

# The Python client (clients/python): installed with its test extras in a
# throwaway virtualenv outside the repository, its tests run (those on the
# broker included), and DRIFTMON_PYTHON set for the Go test that has it
# feed serve (server/python_client_test.go).
pyenv="$(mktemp -d "${TMPDIR:-/tmp}/driftmon-python.XXXXXX")"
temps+=("$pyenv")
python3 -m venv "$pyenv"
"$pyenv/bin/pip" install -q --disable-pip-version-check "./clients/python[test]"
export DRIFTMON_PYTHON="$pyenv/bin/python"
"$DRIFTMON_PYTHON" -m pytest -q -p no:cacheprovider clients/python/tests

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "test.sh: gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
go vet ./...
# staticcheck, pinned so that a new release cannot turn CI red on its own;
# `go run` fetches it from the module proxy on a fresh machine.
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
# The Helm chart: helm v4, pinned, built from the module proxy into a
# temporary folder (`go install pkg@version` leaves go.mod alone), lints and
# renders it; deploy/helm's test renders it again and loads its config.
helm_dir=$(mktemp -d)
temps+=("$helm_dir")
GOBIN="$helm_dir" go install helm.sh/helm/v4/cmd/helm@v4.3.2
export DRIFTMON_HELM="$helm_dir/helm"
for v in "" deploy/helm/driftmon/ci/*-values.yaml; do
  "$DRIFTMON_HELM" lint --strict --quiet deploy/helm/driftmon ${v:+--values "$v"}
  "$DRIFTMON_HELM" template driftmon deploy/helm/driftmon ${v:+--values "$v"} >/dev/null
done
go test -count=1 -timeout 15m "$@" ./...
