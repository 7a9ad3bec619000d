#!/usr/bin/env bash
# Installs skychoir as a service on Debian 12 / Raspberry Pi OS: system packages, a
# service user, /opt/skychoir, /etc/skychoir, systemd units, journald caps.
# Run from a checkout as root: sudo bash install/install-service.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo)" >&2; exit 1; }

bash "$src/install/system-packages.sh"

id skychoir >/dev/null 2>&1 || useradd --system --home /var/lib/skychoir --shell /usr/sbin/nologin --groups audio,dialout,video skychoir
install -d -o skychoir -g skychoir /var/lib/skychoir
install -d -m 0755 /etc/skychoir /etc/skychoir/sensors

# The code, with its pinned Node runtime and dependencies.
rsync -a --delete --exclude node_modules --exclude var --exclude .git "$src/" /opt/skychoir/
(cd /opt/skychoir && npm ci --omit=dev --no-audit --no-fund)
# Compile the engine's code once into the service's compile cache (bin/skychoir.js and
# the unit's NODE_COMPILE_CACHE), so the first start after an install or an upgrade is
# as quick as a restart (docs/benchmarks.md, cold start). A failure only costs that.
install -d -o skychoir -g skychoir /var/cache/skychoir
runuser -u skychoir -- env NODE_COMPILE_CACHE=/var/cache/skychoir/node-compile-cache \
  /opt/skychoir/node_modules/node/bin/node --input-type=module -e \
  "(await import('node:module')).enableCompileCache(); await import('/opt/skychoir/src/cli/main.ts'); await import('/opt/skychoir/src/engine/liveEngine.ts'); process.exit(0)" \
  || echo "compile cache not warmed; the first start compiles instead" >&2

if [ ! -f /etc/skychoir/config.json ]; then
  cat > /etc/skychoir/config.json <<'JSON'
{
  "site": "lobby",
  "http": { "host": "127.0.0.1", "port": 8080 },
  "broker": { "embedded": true, "host": "127.0.0.1", "port": 1883 },
  "sky": { "source": "simulator", "scenario": "day" }
}
JSON
fi
touch /etc/skychoir/secrets.env && chmod 0600 /etc/skychoir/secrets.env

install -m 0644 "$src/install/systemd/skychoir.service" /etc/systemd/system/
install -m 0644 "$src/install/systemd/skychoir-sensor@.service" /etc/systemd/system/
install -d /etc/systemd/journald.conf.d
install -m 0644 "$src/install/journald/skychoir.conf" /etc/systemd/journald.conf.d/
systemctl daemon-reload
systemctl restart systemd-journald || true
systemctl enable --now skychoir.service
echo "skychoir installed: systemctl status skychoir; curl -s localhost:8080/healthz"
