#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs one of them
# for a bounded time on its seed corpus (tests/fuzz/corpus/<target>).
#
#   scripts/fuzz.sh TARGET SECONDS [BUILD_DIR]     TARGET: ws_message | http_request
#
# `make test` runs each for 20 s (tests/fuzz/CMakeLists.txt); a longer run by
# hand: scripts/fuzz.sh http_request 600. New inputs go to a scratch corpus
# under BUILD_DIR; a crash leaves crash-* there and exits non-zero. The last
# line prints the executions run.
set -euo pipefail
target=${1:?target}
seconds=${2:?seconds}
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${3:-$root/build}
mkdir -p "$build_dir"
# Absolute, since the run below changes into it.
build=$(cd "$build_dir" && pwd)/fuzz
clangxx=$(command -v clang++-14 || command -v clang++)
mkdir -p "$build/corpus-$target"

sources=("$root/tests/fuzz/fuzz_$target.cpp" "$root/net/http_rules.cpp" "$root/net/url.cpp")
case "$target" in
  ws_message) sources+=("$root/net/request_parser.cpp" "$root/actors/config.cpp" "$root/actors/json_text.cpp" "$root/actors/json_scan.cpp" "$root/actors/msgpack_wire.cpp" "$root/actors/msgpack_wire_encode.cpp" "$root/actors/msgpack_wire_decode.cpp" "$root/actors/auth/claims.cpp") ;;
  http_request) sources+=("$root/net/static_files.cpp") ;;
  *) echo "unknown fuzz target $target" >&2; exit 2 ;;
esac
binary="$build/fuzz_$target"
# Rebuilt only when a source is newer than the binary.
if [ ! -x "$binary" ] || [ -n "$(find "${sources[@]}" "$root/net" "$root/actors/auth" "$root/actors/config.hpp" "$root/actors/json_text.hpp" "$root/actors/json_text.cpp" "$root/actors/msgpack_wire.hpp" "$root/actors/msgpack_wire.cpp" -newer "$binary" -name '*.[ch]pp' | head -1)" ]; then
  "$clangxx" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root" "${sources[@]}" -o "$binary"
fi
cd "$build"
"$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=5 -rss_limit_mb=1024 \
  "corpus-$target" "$root/tests/fuzz/corpus/$target" 2>&1 | tee "fuzz-$target.log" \
  | grep -E '^(stat::number_of_executed_units|INFO: Loaded|==.*ERROR|SUMMARY|Done)' || true
exit "${PIPESTATUS[0]}"
