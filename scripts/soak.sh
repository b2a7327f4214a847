#!/usr/bin/env bash
# Soak: fault tests that must pass every time, not most times, run over and over. Each step is one line of
# STEPS: "name|runs|command". The script reports passes per step and exits non-zero if any run failed.
# Usage: npm run soak                  (every step)
#        SOAK_RUNS=5 npm run soak      (override every step's run count)
#        SOAK_ONLY=outage npm run soak (steps whose name contains the word)
# The MQTT step drains a 300 000-message backlog (SOAK_MQTT_BACKLOG) at a private Mosquitto
# (deploy/mosquitto/mosquitto.conf) into `esp serve`: bounded memory, one broker connection, nothing lost.
# The PostgreSQL steps need TEST_DATABASE_URL (default: the local server).
set -u
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

STEPS=(
  "outage|20|npx vitest run test/ingest/outage.test.ts"
  "silent-link|5|npx vitest run test/ingest/commit-timeout.test.ts"
  "mqtt-backlog|1|npx tsx scripts/mqtt-backlog-soak.ts ${SOAK_MQTT_BACKLOG:-300000}"
)

logdir="$(mktemp -d -t esp-soak-XXXXXX)"
failed=0
for step in "${STEPS[@]}"; do
  IFS='|' read -r name runs cmd <<<"$step"
  if [[ -n "${SOAK_ONLY:-}" && "$name" != *"$SOAK_ONLY"* ]]; then continue; fi
  runs="${SOAK_RUNS:-$runs}"
  pass=0
  for ((i = 1; i <= runs; i++)); do
    start=$(date +%s)
    if $cmd >"$logdir/$name-$i.log" 2>&1; then
      pass=$((pass + 1))
      echo "$name run $i/$runs: pass ($(( $(date +%s) - start )) s)"
    else
      failed=1
      echo "$name run $i/$runs: FAIL ($(( $(date +%s) - start )) s) — log: $logdir/$name-$i.log"
    fi
  done
  echo "== $name: $pass/$runs passed"
done
echo "logs in $logdir"
exit $failed
