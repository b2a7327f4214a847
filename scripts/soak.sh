#!/bin/sh
# Long runs kept out of the regular suite. One step per line; each must exit 0.
set -eu
cd "$(dirname "$0")/.."

# MQTT: a 300 000-message backlog at a private Mosquitto (deploy/mosquitto/mosquitto.conf) drains into `esp serve`
# with bounded memory, one broker connection and nothing lost.
npx tsx scripts/mqtt-backlog-soak.ts "${SOAK_MQTT_BACKLOG:-300000}"
