#!/usr/bin/env bash
# Runs `npm start` as a new user would, waits for /healthz to report sound, then stops it.
set -euo pipefail
http_port=${SKYCHOIR_HTTP_PORT:-8080}
broker_port=${SKYCHOIR_BROKER_PORT:-1883}
log=$(mktemp)
# An engine already answering there would pass this check for the one under test.
if curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1; then
  echo "npm start: something already answers /healthz on port $http_port; stop it first" >&2
  exit 1
fi
# Its own process group: npm, the pinned-Node re-exec and the engine all stop together.
setsid npm start -- --port "$http_port" --broker-port "$broker_port" >"$log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do
    curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 || return 0
    sleep 0.5
  done
  echo "npm start: still answering after stop" >&2
}
trap cleanup EXIT
for _ in $(seq 1 40); do
  sleep 0.5
  body=$(curl -fsS "http://127.0.0.1:$http_port/healthz" 2>/dev/null) || continue
  voices=$(printf '%s' "$body" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const h=JSON.parse(s);console.log(h.audio.voices)})')
  rms=$(printf '%s' "$body" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const h=JSON.parse(s);console.log(h.audio.rmsDbfs)})')
  if [ "$voices" != "0" ] && [ "$rms" != "null" ]; then
    echo "npm start: singing after start-up: $voices voices, output $rms dBFS"
    sleep 3
    curl -fsS "http://127.0.0.1:$http_port/healthz" | head -c 400; echo
    exit 0
  fi
done
echo "npm start: no sound reported on /healthz within 20 s; its log:" >&2
cat "$log" >&2
exit 1
