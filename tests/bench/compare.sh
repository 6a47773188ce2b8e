#!/usr/bin/env bash
# Encrypts and decrypts the same file with our `flightbox` command and with wacryptolib 0.11's, and prints
# wall time, throughput and peak RSS side by side with the ratio.
# Usage: [BENCH_DIR=/dev/shm] tests/bench/compare.sh [SIZE_MIB (default 512)] [PAYLOAD_ALGO (default AES_EAX)]
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib=${1:-512}
algo=${2:-AES_EAX}
bash .ci/setup-python >/dev/null
py=.venv/bin/python
theirs=.venv/bin/flightbox
cargo build --release -q -p flightbox-cli
ours=target/release/flightbox
work=$(mktemp -d "${BENCH_DIR:-/tmp}/flightbox-compare.XXXXXX"); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pool" "$work/ours" "$work/theirs"
head -c $((size_mib << 20)) /dev/urandom > "$work/input.bin"
cat > "$work/conf.json" <<JSON
{"keychain_uid": {"\$uuid": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}, "payload_cipher_layers": [{"payload_cipher_algo": "$algo", "payload_signatures": [],
 "key_cipher_layers": [{"key_cipher_algo": "RSA_OAEP", "key_cipher_trustee": {"trustee_type": "local_keyfactory"}}]}]}
JSON
# Warm-up: the local key factory creates its RSA key pair on first use.
echo x > "$work/tiny"; "$ours" -k "$work/pool" -c "$work/ours" encrypt "$work/tiny" --cryptoconf "$work/conf.json" >/dev/null
m() { $py tests/bench/measure.py "$@" 2>>"$work/log"; }
read -r oe_s oe_kb < <(m "$ours" -k "$work/pool" -c "$work/ours" encrypt "$work/input.bin" --cryptoconf "$work/conf.json")
read -r te_s te_kb < <(m "$theirs" -k "$work/pool" -c "$work/theirs" encrypt "$work/input.bin" -c "$work/conf.json")
read -r od_s od_kb < <(m "$ours" -k "$work/pool" -c "$work/ours" cryptainer decrypt input.bin.crypt -o "$work/out_ours")
read -r td_s td_kb < <(m "$theirs" -k "$work/pool" -c "$work/theirs" cryptainer decrypt input.bin.crypt -o "$work/out_theirs")
cmp "$work/input.bin" "$work/out_ours" && cmp "$work/input.bin" "$work/out_theirs"
echo "$size_mib MiB, $algo, work folder on $(df --output=fstype "$work" | tail -1)"
printf '%-8s %9s %9s %9s | %9s %9s %9s | %8s %8s\n' op "ours s" "MB/s" "RSS MiB" "wa s" "MB/s" "RSS MiB" "time x" "RSS x"
row() { awk -v op="$1" -v os="$2" -v ok="$3" -v ts="$4" -v tk="$5" -v mib="$size_mib" 'BEGIN {
  printf "%-8s %9.2f %9.0f %9.1f | %9.2f %9.0f %9.1f | %7.1fx %7.1fx\n", op, os, mib*1.048576/os, ok/1024, ts, mib*1.048576/ts, tk/1024, ts/os, tk/ok }'; }
row encrypt "$oe_s" "$oe_kb" "$te_s" "$te_kb"
row decrypt "$od_s" "$od_kb" "$td_s" "$td_kb"
