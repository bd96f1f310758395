#!/bin/sh
# scripts/fuzz.sh [SECONDS]: fuzz the whole pipeline (load, check, consumer
# models, placement in both modes, every emitter) with libFuzzer under
# AddressSanitizer and UndefinedBehaviorSanitizer for SECONDS (default 60)
# on two workers, starting from tests/fuzz/corpus.  Prints executions and
# coverage; a crash is copied to tests/fuzz/crashes/ (replayed by the test
# suite from then on) and the script exits 1.
#
# Environment (relative paths are from the top of the source tree):
#   FUZZ_BUILD_DIR=DIR    build there (default build-fuzz), e.g. beside a long
#                         run that is still using build-fuzz's binary
#   FUZZ_KEEP_CORPUS=DIR  copy the corpus as it stands at the end (seeds and
#                         every input that found new coverage) into DIR,
#                         created if missing; otherwise it is thrown away
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/deps.sh clang libclang-rt-14-dev cmake pkg-config libelf-dev libcmocka-dev >/dev/null
dir=${FUZZ_BUILD_DIR:-build-fuzz}
keep=${FUZZ_KEEP_CORPUS:-}
CC=clang cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMKVDSO_FUZZ=ON >/dev/null
cmake --build "$dir" --target fuzz_pipeline -j"$(nproc)" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/artifacts"
cp tests/fuzz/corpus/* "$work/corpus/"
status=0
fuzzer=$(cd "$dir" && pwd)/tests/fuzz/fuzz_pipeline
(cd "$work" && "$fuzzer" -max_total_time="$seconds" \
	-max_len=1048576 -rss_limit_mb=2048 -timeout=10 -fork=2 -ignore_crashes=0 \
	-artifact_prefix=artifacts/ -print_final_stats=1 corpus) >"$work/log" 2>&1 || status=$?
if [ -n "$keep" ]; then
	mkdir -p "$keep"
	# Names are content hashes: copying into a folder that holds an
	# earlier run's corpus merges the two.
	cp "$work/corpus/"* "$keep/"
	echo "fuzz: corpus of $(ls "$work/corpus" | wc -l) inputs copied to $keep"
fi
# In -fork mode the last status line matches both patterns: print it once.
{
	grep -E '^#[0-9]+.*(DONE|cov:)' "$work/log" | tail -n 1
	grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added' \
		"$work/log" || true
	grep -E 'INFO: .*exec/s|cov: [0-9]+ ft: [0-9]+' "$work/log" | tail -n 1
} | uniq
if ls "$work/artifacts/"* >/dev/null 2>&1; then
	mkdir -p tests/fuzz/crashes
	cp "$work/artifacts/"* tests/fuzz/crashes/
	echo "fuzz: crashing inputs saved in tests/fuzz/crashes/:" >&2
	ls "$work/artifacts" >&2
	tail -n 40 "$work/log" >&2
	exit 1
fi
[ "$status" -eq 0 ] || { tail -n 40 "$work/log" >&2; exit "$status"; }
echo "fuzz: $seconds s, no crash"
