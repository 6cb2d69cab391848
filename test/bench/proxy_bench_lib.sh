# Shared by the convert-proxy benchmarks (sourced after bench_lib.sh):
# background servers stopped at exit, the fixture project under an SDK key
# without a secret, and waiting for a server to answer.

pids=()
stop_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  bench_stop
}

# The SDK's test project (id 10025986), served as /api/v1/config/bench-key.
import_bench_project() {
  local cfg
  cfg=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["data"]))' \
    "$bench_top/test/fixtures/sdk-test-config.json")
  psql -qXAt -v ON_ERROR_STOP=1 -v cfg="$cfg" >/dev/null <<'SQL'
SELECT convert.import_project(:'cfg'::json);
SELECT convert.create_sdk_key(10025986, NULL, 'bench-key');
SQL
}

wait_http() {
  for _ in $(seq 100); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2
  exit 1
}
