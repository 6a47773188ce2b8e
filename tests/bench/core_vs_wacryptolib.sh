#!/usr/bin/env bash
# Streams the same file through flightbox (crates/core/examples/stream_file.rs, release build) and through
# wacryptolib 0.11, for each payload algorithm both know, and prints wall time, throughput and peak RSS side
# by side with the ratio. Usage: [BENCH_DIR=/dev/shm] tests/bench/core_vs_wacryptolib.sh [SIZE_MIB (default 1024)] [ALGOS...]
# BENCH_DIR on a tmpfs takes the disk out of the measurement (its pages are not counted in RSS).
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib=${1:-1024}; shift || true
algos=${*:-CHACHA20_POLY1305 AES_EAX AES_CBC}
bash .ci/setup-python >/dev/null
py=.venv/bin/python
cargo build --release -q -p flightbox --example stream_file
ours=target/release/examples/stream_file
work=$(mktemp -d "${BENCH_DIR:-/tmp}/flightbox-bench.XXXXXX"); trap 'rm -rf "$work"' EXIT
head -c $((size_mib << 20)) /dev/urandom > "$work/input"
mkdir -p "$work/pool"
uid=0f1e2d3c4b5a69788796a5b4c3d2e1f0
printf '%-18s %-8s %10s %10s %10s %12s %10s %10s\n' algo op "ours s" "ours MB/s" "ours MiB" "wacrypto s" "wa MiB" "speedup"
for algo in $algos; do
  cat > "$work/conf.json" <<JSON
{"keychain_uid": {"\$uuid": "$uid"}, "payload_cipher_layers": [{"payload_cipher_algo": "$algo", "payload_signatures": [],
 "key_cipher_layers": [{"key_cipher_algo": "RSA_OAEP", "key_cipher_trustee": {"trustee_type": "local_keyfactory"}}]}]}
JSON
  rm -f "$work"/*.crypt* "$work"/out*
  # Warm-up: the local key factory creates its RSA key pair on first use; keep that out of the timings.
  head -c 1 /dev/zero > "$work/tiny"
  "$ours" encrypt "$work/pool" "$work/conf.json" "$work/tiny" "$work/tiny.crypt"
  read -r our_enc_s our_enc_kb < <($py tests/bench/measure.py "$ours" encrypt "$work/pool" "$work/conf.json" "$work/input" "$work/ours.crypt")
  read -r wa_enc_s wa_enc_kb < <($py tests/bench/measure.py $py tests/bench/wacryptolib_stream.py encrypt "$work/pool" "$work/conf.json" "$work/input" "$work/wa.crypt")
  # Each side decrypts the other's cryptainer: the same bytes on disk, and a check of interoperability.
  read -r our_dec_s our_dec_kb < <($py tests/bench/measure.py "$ours" decrypt "$work/pool" "$work/wa.crypt" "$work/out_ours")
  read -r wa_dec_s wa_dec_kb < <($py tests/bench/measure.py $py tests/bench/wacryptolib_stream.py decrypt "$work/pool" "$work/ours.crypt" "$work/out_wa")
  cmp -s "$work/input" "$work/out_ours" && cmp -s "$work/input" "$work/out_wa" || { echo "MISMATCH for $algo" >&2; exit 1; }
  for op in encrypt decrypt; do
    if [ $op = encrypt ]; then os=$our_enc_s; ok=$our_enc_kb; ws=$wa_enc_s; wk=$wa_enc_kb; else os=$our_dec_s; ok=$our_dec_kb; ws=$wa_dec_s; wk=$wa_dec_kb; fi
    awk -v a="$algo" -v o="$op" -v os="$os" -v ok="$ok" -v ws="$ws" -v wk="$wk" -v mib="$size_mib" 'BEGIN {
      printf "%-18s %-8s %10.2f %10.0f %10.1f %12.2f %10.1f %9.1fx\n", a, o, os, mib*1.048576/os, ok/1024, ws, wk/1024, ws/os }'
  done
done
