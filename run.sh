#!/usr/bin/env bash
# Sets up what is missing, starts a local gateway (embedded SQLite) and opens the Flightbox Guardian desktop app
# against it. While it runs, act as the requestor from another terminal:
#   ./run.sh request IDENTITY_UID   # encrypt a file for that (published) identity and ask it to reveal it
#   ./run.sh decrypt                # once the guardian accepted in the app: decrypt with the answer
#   ./run.sh story                  # the whole story with command-line guardians only (no window needed)
# Everything lives in .demo/ (delete it to start over).
set -euo pipefail
cd "$(dirname "$0")"
repo=$PWD
demo=$repo/.demo
port=${FLIGHTBOX_DEMO_PORT:-9870}
gateway_url="http://127.0.0.1:$port"
bin=$repo/target/debug
export FLIGHTBOX_GATEWAY_URL="$gateway_url" FLIGHTBOX_KEYSTORE_POOL="$demo/requestor_pool" FLIGHTBOX_CRYPTAINER_DIR="$demo/cryptainers"
mkdir -p "$demo"

if ! command -v cargo >/dev/null; then
  echo "Rust is required: https://rustup.rs (then re-run ./run.sh)" >&2
  exit 1
fi
fb() { echo "\$ flightbox $*" >&2; "$bin/flightbox" "$@"; }

case "${1:-app}" in
request | decrypt)
  [ -x "$bin/flightbox" ] || cargo build -q -p flightbox-cli
  ;;&
request)
  uid=${2:?usage: ./run.sh request IDENTITY_UID (shown on the identity screen, with a copy button)}
  fb foreign-keystore import --from-gateway "$uid" || true
  cd "$demo"
  fb cryptoconf generate-simple payload:CHACHA20_POLY1305 "key:authenticator=$uid" -o conf.json --force
  cp "$repo/README.md" evidence.txt
  echo '{"camera": "front door", "recorded": "2026-12-03T21:14:00Z"}' > meta.json
  fb encrypt evidence.txt --cryptoconf conf.json --metadata meta.json --force
  fb revelation-request submit evidence.txt --description "Demo: reveal evidence.txt (front door camera)"
  echo "Now open the identity in the app, tab Requests: accept it, then run ./run.sh decrypt"
  exit 0
  ;;
decrypt)
  cd "$demo"
  fb revelation-request list
  fb cryptainer decrypt evidence.txt -o revealed.txt --use-gateway --force
  cmp evidence.txt revealed.txt && echo "revealed.txt is identical to the original: the revelation worked."
  exit 0
  ;;
esac

if ! command -v cc >/dev/null || ! command -v pkg-config >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential pkg-config >/dev/null
fi

if [ "${1:-app}" = story ]; then
  # The revelation story with command-line guardians: three publish, "any 2 of 3", two accept, one refuses.
  cargo build -q -p flightbox-cli -p flightbox-gateway
  work=$(mktemp -d)
  trap 'kill "$gw_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
  export FLIGHTBOX_KEYSTORE_POOL="$work/requestor_pool" FLIGHTBOX_CRYPTAINER_DIR="$work/cryptainers"
  "$bin/flightbox-gateway" --bind "127.0.0.1:$port" --database "$work/gateway.sqlite3" &
  gw_pid=$!
  cd "$work"
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
  cp "$repo/README.md" evidence.txt
  fb encrypt evidence.txt --cryptoconf conf.json
  fb revelation-request submit evidence.txt --description "Demo: reveal evidence.txt"
  for g in alice bob chloe; do
    req=$("$bin/flightbox" authenticator requests "$g" --status pending --format json | sed -n 's/.*"revelation_request_uid": "\([^"]*\)".*/\1/p' | head -1)
    if [ "$g" = chloe ]; then fb authenticator reject "$g" "$req"; else fb authenticator accept "$g" "$req" --passphrase-file "$g.pass"; fi
  done
  fb revelation-request list
  fb cryptainer decrypt evidence.txt -o revealed.txt --use-gateway
  cmp evidence.txt revealed.txt && echo "revealed.txt is identical to the original: the story worked."
  exit 0
fi

# The desktop app against a local gateway.
bash .ci/setup-app --no-e2e
cargo build -q -p flightbox-app -p flightbox-cli -p flightbox-gateway
"$bin/flightbox-gateway" --bind "127.0.0.1:$port" --database "$demo/gateway.sqlite3" &
gw_pid=$!
trap 'kill "$gw_pid" 2>/dev/null || true' EXIT
sleep 1
echo "Gateway on $gateway_url (database $demo/gateway.sqlite3). Opening the app; its data is in $demo/app-data."
echo "Create an identity, publish it, then from another terminal: ./run.sh request <its ID>"
launch=("$bin/flightbox-app")
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display here: the app runs inside Xvfb (invisible). Use a desktop session to see it." >&2
  launch=(xvfb-run -a "${launch[@]}")
fi
FLIGHTBOX_APP_DATA="$demo/app-data" "${launch[@]}"
