#!/usr/bin/env bash
# System programs skychoir uses, from Debian's packages (Debian 12 / Raspberry Pi OS):
#   ffmpeg      stream encoder and camera decoder
#   sox         listening checks in tests and docs (stats, spectrograms)
#   socat       virtual serial port pairs for the sensor reader tests
#   mosquitto   an external broker, for tests and for venues that prefer it
#   chromium    headless browser for the panel and listener page tests
#   fluid-soundfont-gm   the source of the shipped choir samples (rebuild only)
#   pulseaudio, pulseaudio-utils, libasound2-plugins   tests only: a private sound server
#               with a null sink that ALSA's 'default' reaches through the pulse plugin,
#               killed and restarted to make a real audio device vanish and come back
#               (test/audioDevice.test.ts). Nothing starts it: with no server running,
#               ALSA's 'default' stays the sound card.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail

packages=(ffmpeg sox libsox-fmt-all socat mosquitto mosquitto-clients chromium fluid-soundfont-gm icecast2 pulseaudio pulseaudio-utils libasound2-plugins)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${packages[*]})"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "system packages: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian starts mosquitto as a service where systemd runs; tests start their own on a
# free port, so a running system broker on 1883 is harmless but not needed.
