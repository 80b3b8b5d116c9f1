#!/usr/bin/env bash
# The delo stack on this machine without Docker: `make stack` / `make stack-down`.
#   S3 endpoint (moto server) 127.0.0.1:9000, buckets scans and records
#   intake                    127.0.0.1:8080, token dev-token
#   dashboard                 127.0.0.1:8081, viewer token dev-viewer, operator token dev-operator
#   Celery workers (ocr; parse + publish) and beat, on the running Redis,
#   with the database `delo` in the running PostgreSQL (created if missing).
# Each process is started in its own session; its pid goes to .stack/NAME.pid and
# stack-down stops exactly those.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=.stack
BIN=.venv/bin
export DELO_S3_ENDPOINT=${DELO_S3_ENDPOINT:-127.0.0.1:9000}
export DELO_DATABASE_URL=${DELO_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/delo}
export DELO_REDIS_URL=${DELO_REDIS_URL:-redis://127.0.0.1:6379/0}
# the documents stream apart from the broker's queues (its own database here; its own server in compose)
export DELO_STREAM_REDIS_URL=${DELO_STREAM_REDIS_URL:-redis://127.0.0.1:6379/1}
export DELO_INTAKE_TOKEN=${DELO_INTAKE_TOKEN:-dev-token}
export DELO_DASHBOARD_VIEWER_TOKEN=${DELO_DASHBOARD_VIEWER_TOKEN:-dev-viewer}
export DELO_DASHBOARD_OPERATOR_TOKEN=${DELO_DASHBOARD_OPERATOR_TOKEN:-dev-operator}
# this stack is a developer's own, on 127.0.0.1: the default tokens above may serve
export DELO_ALLOW_DEFAULT_TOKENS=${DELO_ALLOW_DEFAULT_TOKENS:-true}

launch() {  # name, command...
  local name=$1; shift
  if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
    echo "  $name already running (pid $(cat "$RUN/$name.pid"))"; return
  fi
  setsid "$@" >"$RUN/$name.log" 2>&1 < /dev/null &
  echo $! >"$RUN/$name.pid"
  echo "  $name started (pid $!, log $RUN/$name.log)"
}

wait_for() {  # what, seconds, command...
  local what=$1 limit=$2; shift 2
  for _ in $(seq $((limit * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "stack: $what did not become healthy in ${limit}s" >&2; return 1
}

up() {
  mkdir -p "$RUN"
  bash infra/services.sh
  if ! { [ -f "$RUN/s3.pid" ] && kill -0 "$(cat "$RUN/s3.pid")" 2>/dev/null; }; then
    # the S3 endpoint keeps nothing between runs, so neither does the ledger: a ledger that
    # remembered objects the new endpoint has never held would ignore their uploads
    $BIN/python -c "from workers.stores.postgres import ensure_database; ensure_database('$DELO_DATABASE_URL', fresh=True)"
    # and tasks left in the broker name jobs of the old ledger
    $BIN/celery -A workers.celery_app purge -f -Q ocr,ocr_bulk,parse,publish >/dev/null
    # and so do the sweep's marks of which jobs the broker holds (workers/sweep.py)
    $BIN/python -c "import redis; redis.Redis.from_url('$DELO_REDIS_URL').delete('delo:in-broker')"
    echo "  database ${DELO_DATABASE_URL##*/} (re)created empty, queues purged"
  fi
  $BIN/delo migrate | sed 's/^/  /'  # the one step that changes the schema, before any service starts
  launch s3 $BIN/moto_server -H 127.0.0.1 -p "${DELO_S3_ENDPOINT##*:}"
  wait_for "S3 endpoint" 20 curl -sf "http://$DELO_S3_ENDPOINT/"
  $BIN/python -c "
from workers.config import get_settings
from workers.stores import objectstore
s = get_settings(); objectstore.ensure_buckets(objectstore.client(s), s.scans_bucket, s.records_bucket)"
  launch intake $BIN/uvicorn --factory services.intake.app:create_app --host 127.0.0.1 --port 8080 --no-access-log
  launch dashboard $BIN/uvicorn --factory services.dashboard.app:create_app --host 127.0.0.1 --port 8081
  launch worker-ocr $BIN/celery -A workers.celery_app worker -Q ocr,ocr_bulk -c 2 -n ocr@%h --loglevel=INFO
  launch worker-publish $BIN/celery -A workers.celery_app worker -Q parse,publish -c 1 -n publish@%h --loglevel=INFO
  launch beat $BIN/celery -A workers.celery_app beat --schedule "$RUN/beat-schedule" --loglevel=INFO
  wait_for intake 30 curl -sf http://127.0.0.1:8080/healthz
  wait_for dashboard 30 curl -sf http://127.0.0.1:8081/healthz
  wait_for "ocr worker" 60 grep -q "ready." "$RUN/worker-ocr.log"
  wait_for "publish worker" 60 grep -q "ready." "$RUN/worker-publish.log"
  echo "stack up: S3 http://$DELO_S3_ENDPOINT, intake http://127.0.0.1:8080 (Bearer $DELO_INTAKE_TOKEN),"
  echo "          dashboard http://127.0.0.1:8081 (viewer $DELO_DASHBOARD_VIEWER_TOKEN, operator $DELO_DASHBOARD_OPERATOR_TOKEN)"
}

down() {
  [ -d "$RUN" ] || { echo "stack: nothing started"; return; }
  for pidfile in "$RUN"/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      echo "  $(basename "$pidfile" .pid) stopped"
    fi
    rm -f "$pidfile"
  done
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
