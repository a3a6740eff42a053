#!/usr/bin/env bash
# driftmon check against scipy, in one run on the same data: two CSV files
# of 1,000,000 rows of one numeric column (normal, the current shifted by
# 0.01), `driftmon check --methods ks,wasserstein,psi` on the files, and
# scipy.stats.ks_2samp alone on the same values already in memory. Prints
# the median of five runs of each and check's peak memory.
#
#   ./scripts/bench-check.sh          (needs Debian's python3-scipy)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/driftmon" ./cmd/driftmon

/usr/bin/python3 - "$tmp" <<'PY'
import statistics, sys, time
import numpy as np
from scipy import stats
d = sys.argv[1]
rng = np.random.default_rng(7)
a = rng.normal(0, 1, 1_000_000)
b = rng.normal(0.01, 1, 1_000_000)
for name, x in (("ref", a), ("cur", b)):
    np.savetxt(f"{d}/{name}.csv", x, fmt="%.17g", header="x", comments="")
ts = []
for _ in range(5):
    t = time.perf_counter()
    r = stats.ks_2samp(a, b)
    ts.append(time.perf_counter() - t)
print(f"scipy ks_2samp (in memory): median {statistics.median(ts):.3f} s of {sorted(round(t, 3) for t in ts)}; D={r.statistic:.6g} p={r.pvalue:.6g}")
PY

ts=()
for i in 1 2 3 4 5; do
  start=$(date +%s.%N)
  # exit 1 (drift) is expected: the shift is detectable at this size
  "$tmp/driftmon" check --reference "$tmp/ref.csv" --current "$tmp/cur.csv" \
    --methods ks,wasserstein,psi --format json --output "$tmp/report.json" || [ $? -eq 1 ]
  end=$(date +%s.%N)
  ts+=("$(echo "$end - $start" | bc -l)")
done
median=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n 3p)
printf 'driftmon check (from CSV: ks, wasserstein, psi): median %.3f s of %s\n' "$median" "$(printf '%.3f ' "${ts[@]}")"
if command -v /usr/bin/time >/dev/null; then
  /usr/bin/time -f 'driftmon check peak memory: %M KB' "$tmp/driftmon" check --reference "$tmp/ref.csv" \
    --current "$tmp/cur.csv" --methods ks,wasserstein,psi --output /dev/null || true
fi
/usr/bin/python3 -c "
import json; r = json.load(open('$tmp/report.json'))['columns'][0]['results']
print('driftmon check:', ', '.join(f\"{x['method']}={x['statistic']:.6g}\" + (f\" p={x['p_value']:.6g}\" if x['p_value'] is not None else '') for x in r))"
