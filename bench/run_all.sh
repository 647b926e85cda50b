#!/usr/bin/env bash
# Run every benchmark in order. Modest sizes by default; FULL=1 for the full sizes
# (1,000,000 tips and clocks, 10,000 mails, 100,000 hotline calls: the ingest alone then takes
# hours, since every new tip costs one ~25 ms Argon2 hash by design). MAILS=, CALLS=, ROWS=,
# CLOCKS=, BENCH_SECONDS= override single sizes. Results: bench/results/*.json. Databases are dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
DB=tipline_bench
if [[ "${FULL:-}" == "1" ]]; then
  ROWS=${ROWS:-1000000}; CLOCKS=${CLOCKS:-1000000}; MAILS=${MAILS:-10000}; CALLS=${CALLS:-100000}
  SECONDS_RUN=${BENCH_SECONDS:-15}
else
  ROWS=${ROWS:-100000}; CLOCKS=${CLOCKS:-100000}; MAILS=${MAILS:-300}; CALLS=${CALLS:-300}
  SECONDS_RUN=${BENCH_SECONDS:-10}
fi
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk"; exit 1; }
[[ -x .venv/bin/locust ]] || { echo "locust missing: .venv/bin/pip install locust"; exit 1; }
trap 'dropdb -h 127.0.0.1 -U postgres --if-exists --force "$DB" >/dev/null 2>&1 || true' EXIT

echo "== 1. web intake (full flow vs bare, ${SECONDS_RUN}s each)"
$PY bench/intake.py --seconds "$SECONDS_RUN"
echo "== 1 floor: the report form alone (CSRF, validators, layout; no database) vs the bare insert (in-process)"
$PY bench/intake_floor.py
echo "== 2. load $ROWS tips"
$PY bench/load_tips.py --db "$DB" --rows "$ROWS" --create
echo "== 3. officer queue"
$PY bench/queue.py --db "$DB" --seconds "$SECONDS_RUN"
echo "== 3d. city officers' queues (merged per-code reads vs one statement)"
$PY bench/city_queue.py --db "$DB"
echo "== 3b floor: what a signed-in staff page costs before it lists anything (in-process)"
$PY bench/queue_floor.py
echo "== suggestion candidates at $ROWS tips (merged per-code seeks vs one range)"
$PY bench/suggestion_candidates.py --db "$DB"
echo "== 4. reminder sweep ($CLOCKS vs 1000 open clocks)"
$PY bench/reminders.py --db "$DB" --clocks "$CLOCKS"
echo "== 5. ingest ($MAILS mails, $CALLS hotline calls)"
$PY bench/ingest.py --mails "$MAILS" --calls "$CALLS"
echo "== 5b in-process: hotline import per call (wall, CPU, statements)"
$PY bench/hotline_calls.py
echo "== I. inspections: draw over 50,000 bodies, public page at 10,000 results (own database)"
$PY bench/inspections.py
echo "== done: bench/results/"
