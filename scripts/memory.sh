#!/usr/bin/env bash
# scripts/memory.sh — peak memory of `smtptls analyze -j2` as the corpus grows.
#
# Usage: scripts/memory.sh [SIZE...]            (default: 512MiB 1GiB 2GiB)
#        GEN_ARGS="--partners 2000" scripts/memory.sh 512MiB 2GiB
#
# Builds smtptls and gen-corpus (release, one cargo call: see measure.sh), generates each
# corpus once into target/corpus-SIZE[-GEN_ARGS] (seed 42, plus GEN_ARGS), warms the page
# cache, runs `smtptls analyze DIR -j2 --quiet` 3 times under GNU time and prints, per size,
# the highest peak RSS, the best wall time, and what the aggregate held (distinct peers,
# cells, mail domains), then the growth from the smallest size to the largest.
# Markdown on stdout, progress on stderr.
set -euo pipefail
export LC_ALL=C

SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(512MiB 1GiB 2GiB)
GEN_ARGS=${GEN_ARGS:-}
RUNS=3

cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
[[ "$TARGET" = /* ]] || TARGET=$ROOT/$TARGET
BIN=$TARGET/release/smtptls
GEN=$TARGET/release/examples/gen-corpus
# shellcheck source=scripts/common.sh
source "$ROOT/scripts/common.sh"
need_gnu_time
build_release

TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT

echo "## smtptls peak memory as the corpus grows"
echo
echo "- \`smtptls analyze DIR -j2 --quiet\`, highest peak RSS and best wall of $RUNS runs, page cache warm"
echo "- corpora: \`gen-corpus --size SIZE --seed 42${GEN_ARGS:+ $GEN_ARGS}\`"
echo
echo "| size | MB | wall s | peak RSS MB | peers | cells | (peer, domain) pairs |"
echo "|---|---:|---:|---:|---:|---:|---:|"
FIRST=
LAST=
for SIZE in "${SIZES[@]}"; do
    SUFFIX=$(printf '%s' "$GEN_ARGS" | tr -c 'A-Za-z0-9' '-' | sed 's/-*$//')
    DIR=$TARGET/corpus-$SIZE${SUFFIX:+-$SUFFIX}
    if [[ ! -f "$DIR/expected.csv" ]]; then
        log "generating $SIZE corpus into $DIR"
        rm -rf -- "$DIR.partial" "$DIR"
        # shellcheck disable=SC2086  # GEN_ARGS is a list of flags
        "$GEN" --size "$SIZE" --seed 42 $GEN_ARGS -q "$DIR.partial"
        mv -- "$DIR.partial" "$DIR"
    fi
    find "$DIR" -type f -print0 | xargs -0 cat >/dev/null
    BYTES=$(find "$DIR" -type f -name '*.LOG' -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
    best='' maxrss=0
    for ((i = 1; i <= RUNS; i++)); do
        "$TIME" -f '%e %M' -o "$TMP/time" "$BIN" analyze "$DIR" -j2 --quiet >/dev/null
        read -r w m < <(tail -n 1 "$TMP/time")
        log "  $SIZE run $i: ${w}s ${m}KiB"
        if [[ -z "$best" ]] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$w; fi
        ((m > maxrss)) && maxrss=$m
    done
    # What the aggregate held, from the timing line.
    SMTPTLS_TIMING=1 "$BIN" analyze "$DIR" -j2 --quiet 2>"$TMP/timing" >/dev/null
    read -r cells peers pairs < <(awk '/ cells, / {
        for (i = 1; i <= NF; i++) {
            if ($(i + 1) == "cells,") c = $i
            if ($(i + 1) == "peers,") p = $i
            if ($(i + 1) == "(peer,") d = $i
        }
        print c, p, d }' "$TMP/timing")
    awk -v s="$SIZE" -v b="$BYTES" -v w="$best" -v m="$maxrss" -v p="$peers" -v c="$cells" -v d="$pairs" \
        'BEGIN { printf "| %s | %.0f | %.2f | %.1f | %s | %s | %s |\n", s, b / 1e6, w, m * 1024 / 1e6, p, c, d }'
    [[ -n "$FIRST" ]] || FIRST=$maxrss
    LAST=$maxrss
done
echo
awk -v a="$FIRST" -v b="$LAST" -v s="${SIZES[0]}" -v t="${SIZES[${#SIZES[@]} - 1]}" \
    'BEGIN { printf "- peak RSS from %s to %s: %+.0f %%\n", s, t, (b - a) * 100 / a }'
