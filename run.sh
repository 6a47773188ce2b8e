#!/usr/bin/env bash
# Sets up what is missing and runs Flightbox. Today that is the core crate's guided demo (three guardians,
# a 2-of-3 cryptainer); the desktop authenticator app against a local gateway arrives with issues 4 and 5.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v cargo >/dev/null; then
  echo "Rust is required: https://rustup.rs (then re-run ./run.sh)" >&2
  exit 1
fi
if ! command -v cc >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential pkg-config >/dev/null
fi
cargo run --release -q -p flightbox --example demo -- "${1:-README.md}"
