#!/usr/bin/env bash
# What the integration suites need besides node_modules: redis-server (the Redis suites start their
# own on a free 127.0.0.1 port and stop it). A no-op once installed.
set -euo pipefail
APT_ENSURE_TAG=integration-setup bash "$(dirname "$0")/apt-ensure.sh" redis-server
