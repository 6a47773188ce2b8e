#!/usr/bin/env bash
# Sets up what is missing, starts a local gateway (embedded SQLite) and plays the revelation story with the
# `flightbox` command: three guardians publish their keys, a requestor encrypts a file for "any 2 of 3",
# asks them through the gateway, two accept, one refuses, the requestor decrypts.
# (The desktop authenticator app, which will replace the guardians' commands here, comes with issue 5.)
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v cargo >/dev/null; then
  echo "Rust is required: https://rustup.rs (then re-run ./run.sh)" >&2
  exit 1
fi
if ! command -v cc >/dev/null || ! command -v pkg-config >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential pkg-config >/dev/null
fi
cargo build -q -p flightbox-cli -p flightbox-gateway
bin=$PWD/target/debug
work=$(mktemp -d); trap 'kill "$gw_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
port=${FLIGHTBOX_DEMO_PORT:-9870}
"$bin/flightbox-gateway" --bind "127.0.0.1:$port" --database "$work/gateway.sqlite3" &
gw_pid=$!
export FLIGHTBOX_GATEWAY_URL="http://127.0.0.1:$port" FLIGHTBOX_KEYSTORE_POOL="$work/requestor_pool" FLIGHTBOX_CRYPTAINER_DIR="$work/cryptainers"
cd "$work"
fb() { echo "\$ flightbox $*" >&2; "$bin/flightbox" "$@"; }
sleep 1
shards=()
for g in alice bob chloe; do
  echo "$g's passphrase, long enough" > "$g.pass"
  fb authenticator create "$g" --owner "$g" --passphrase-hint "the usual one" --keypair-count 1 --passphrase-file "$g.pass"
  fb authenticator publish "$g"
  uid=$("$bin/flightbox" authenticator view "$g" --format json | sed -n 's/.*"keystore_uid": "\([^"]*\)".*/\1/p')
  fb foreign-keystore import --from-gateway "$uid"
  shards+=("shard:authenticator=$uid")
done
fb cryptoconf generate-simple payload:CHACHA20_POLY1305 shared:2 "${shards[@]}" -o conf.json
fb cryptoconf summarize conf.json
cp "$OLDPWD/README.md" evidence.txt
fb encrypt evidence.txt --cryptoconf conf.json
fb revelation-request submit evidence.txt --description "Demo: reveal evidence.txt"
for g in alice bob chloe; do
  req=$("$bin/flightbox" authenticator requests "$g" --status pending --format json | sed -n 's/.*"revelation_request_uid": "\([^"]*\)".*/\1/p' | head -1)
  if [ "$g" = chloe ]; then fb authenticator reject "$g" "$req"; else fb authenticator accept "$g" "$req" --passphrase-file "$g.pass"; fi
done
fb revelation-request list
fb cryptainer decrypt evidence.txt -o revealed.txt --use-gateway
cmp evidence.txt revealed.txt && echo "revealed.txt is identical to the original: the story worked."
