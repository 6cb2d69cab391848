#!/usr/bin/env bash
# Live suite: experiment analysis against an independent reference and in
# simulation.
#
#   1. test/analysis/readouts_reference.py live: the sequential, Bayesian
#      and multiple-comparison building blocks on random inputs, and
#      convert.experience_analysis on a generated experience, against
#      SciPy / statsmodels from per-visitor data (1e-9 relative).
#   2. test/analysis/aa_simulation.sql: 1,000 A/A experiments generated in
#      the database; the observed error rates must lie within their bounds.
#
# Needs Debian's python3 with python3-scipy and python3-statsmodels
# (src/scripts/ensure-deps.sh installs them).  Prints
# "analysis reference: N passed, N failed".
set -uo pipefail
db=convert_analysis_reference
live_databases=$db
# shellcheck source=live_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/live_lib.sh"
python=${CONVERT_PYTHON:-/usr/bin/python3}

"$bin/createdb" "$db" && q "$db" -c 'CREATE EXTENSION convert' >/dev/null || exit 1

PGDATABASE=$db "$python" "$top/test/analysis/readouts_reference.py" live | tee "$work/reference.out"
line=$(grep -E '^analysis reference: [0-9]+ passed, [0-9]+ failed' "$work/reference.out")
reference_passed=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
reference_failed=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
if [[ -z "$line" ]]; then reference_failed=1; reference_passed=0; fi
passed=$((passed + reference_passed))
failed=$((failed + reference_failed))

started=$SECONDS
q "$db" -f "$top/test/analysis/aa_simulation.sql" >"$work/simulation.out" 2>&1
check "A/A simulation ran" $? "$(tail -n 5 "$work/simulation.out")"
echo "A/A simulation, 1000 experiments ($((SECONDS - started)) s):"
sed -n 's/^/  /; /:.*[0-9]/p' "$work/simulation.out"
while IFS= read -r rate; do
  check "$rate" "$([[ "$rate" != *"OUT OF BOUND"* ]]; echo $?)"
done < <(grep -E '(ok|OUT OF BOUND|no bound)' "$work/simulation.out")
echo "analysis reference: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
