#!/usr/bin/env bash
# scripts/measure.sh — reproducible end-to-end throughput measurement of smtptls.
#
# Usage: [GEN_ARGS="--scanners 300000"] scripts/measure.sh [SIZE=1GiB] [DIR=target/corpus-SIZE]
#
# GEN_ARGS passes more flags to gen-corpus (the default DIR then names them too), e.g.
# `--scanners N` for an internet-facing Edge's variety: N distinct scanner addresses.
#
# Builds smtptls and the gen-corpus example (release), generates the corpus once into DIR
# (seed 42; reused when DIR/expected.csv exists), warms the page cache, then runs each
# command 3 times under GNU time and reports the best wall time and the highest peak RSS:
#   (a) find DIR -type f -print0 | xargs -0 cat > /dev/null      (the I/O floor)
#   (b) grep -rc 'negotiation succeeded' DIR > FILE
#   (c) smtptls analyze DIR -j1 --quiet > FILE
#   (d) smtptls analyze DIR -j2 --quiet > FILE
# and checks that `analyze -j1 --csv -` and `-j2 --csv -` are byte-identical.
# Output is Markdown on stdout; progress goes to stderr. LC_ALL=C throughout (grep's speed
# depends heavily on the locale). Exit status 1 if the -j1/-j2 outputs differ.
set -euo pipefail
export LC_ALL=C

SIZE=${1:-1GiB}
DIR_ARG=${2:-}
RUNS=3

# Resolve DIR against the caller's cwd, then work from the repository root.
if [[ -n "$DIR_ARG" ]]; then
    DIR=$(realpath -m -- "$DIR_ARG")
fi
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
[[ "$TARGET" = /* ]] || TARGET=$ROOT/$TARGET
GEN_ARGS=${GEN_ARGS:-}
DIR=${DIR:-$TARGET/corpus-$SIZE${GEN_ARGS:+-$(echo "$GEN_ARGS" | tr -c 'A-Za-z0-9' '_')}}
BIN=$TARGET/release/smtptls
GEN=$TARGET/release/examples/gen-corpus

# shellcheck source=scripts/common.sh
source "$ROOT/scripts/common.sh"
need_gnu_time
build_release
[[ -x "$BIN" ]] || { log "missing $BIN"; exit 2; }

# ---- corpus ----
if [[ -f "$DIR/expected.csv" ]]; then
    log "reusing corpus $DIR"
else
    if [[ -e "$DIR" ]] && [[ -n "$(ls -A -- "$DIR")" ]]; then
        log "$DIR exists but has no expected.csv (interrupted generation?); remove it and rerun"
        exit 2
    fi
    log "generating $SIZE corpus into $DIR (seed 42${GEN_ARGS:+ $GEN_ARGS})"
    rm -rf -- "$DIR.partial"
    # shellcheck disable=SC2086 # GEN_ARGS is a list of flags
    "$GEN" --size "$SIZE" --seed 42 $GEN_ARGS "$DIR.partial"
    rmdir -- "$DIR" 2>/dev/null || true
    mv -- "$DIR.partial" "$DIR"
fi

BYTES=$(find "$DIR" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
NFILES=$(find "$DIR" -type f | wc -l)
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')

log "warming the page cache"
for _ in 1 2; do
    find "$DIR" -type f -print0 | xargs -0 cat >/dev/null
done

# ---- measurement ----
TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT

declare -A WALL RSS RC
LABELS=()

# measure LABEL CMD... : best wall (s) and max peak RSS (KiB) over $RUNS runs
measure() {
    local label=$1
    shift
    local best="" maxrss=0 rc w m i
    LABELS+=("$label")
    for ((i = 1; i <= RUNS; i++)); do
        rc=0
        # stdout to a file, not /dev/null: GNU grep notices /dev/null and stops at the
        # first match, which would not be a scan of every file.
        "$TIME" -f '%e %M' -o "$TMP/time" "$@" >"$TMP/stdout" 2>"$TMP/stderr" || rc=$?
        read -r w m < <(tail -n 1 "$TMP/time")
        if [[ $rc -ne 0 ]]; then
            log "warning: '$label' exited with status $rc; stderr:"
            head -n 5 "$TMP/stderr" >&2
        fi
        log "  $label run $i: ${w}s ${m}KiB"
        if [[ -z "$best" ]] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$w
        fi
        ((m > maxrss)) && maxrss=$m
        RC[$label]=$rc
    done
    WALL[$label]=$best
    RSS[$label]=$maxrss
}

L_CAT="cat (find | xargs -0 cat)"
L_GREP="grep -rc 'negotiation succeeded'"
L_J1="smtptls analyze -j1 --quiet"
L_J2="smtptls analyze -j2 --quiet"

log "measuring ($RUNS runs each)"
# shellcheck disable=SC2016  # $1 is expanded by the inner bash
measure "$L_CAT" bash -c 'find "$1" -type f -print0 | xargs -0 cat >/dev/null' _ "$DIR"
measure "$L_GREP" grep -rc 'negotiation succeeded' "$DIR"
measure "$L_J1" "$BIN" analyze "$DIR" -j1 --quiet
measure "$L_J2" "$BIN" analyze "$DIR" -j2 --quiet

# ---- determinism: -j1 vs -j2 CSV ----
log "comparing analyze --csv - at -j1 and -j2"
"$BIN" analyze "$DIR" -j1 --csv - >"$TMP/j1.csv" 2>"$TMP/j1.err" || log "warning: -j1 --csv exited with status $?"
"$BIN" analyze "$DIR" -j2 --csv - >"$TMP/j2.csv" 2>"$TMP/j2.err" || log "warning: -j2 --csv exited with status $?"
CSV_BYTES=$(wc -c <"$TMP/j1.csv")
CSV_ROWS=$(wc -l <"$TMP/j1.csv")
if cmp -s "$TMP/j1.csv" "$TMP/j2.csv"; then
    SAME=1
else
    SAME=0
fi

# ---- report ----
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
if [[ -z "$CPU" ]] && command -v lscpu >/dev/null; then
    CPU=$(lscpu | awk -F': *' '/^Model name/ { print $2; exit }')
fi
VERSION=$("$BIN" --version 2>/dev/null || echo "smtptls (version unknown)")

echo "## smtptls throughput"
echo
echo "- machine: $(nproc) CPUs, ${CPU:-unknown CPU}, $(uname -sr)"
echo "- smtptls: $VERSION ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no commit'))"
echo "- corpus: \`$DIR\` — $NFILES files, $MB MB ($BYTES bytes), gen-corpus --size $SIZE --seed 42${GEN_ARGS:+ $GEN_ARGS}"
echo "- page cache warm; best wall of $RUNS runs, highest peak RSS of $RUNS runs; LC_ALL=C"
echo
echo "| command | wall s | MB/s | peak RSS MB | × cat |"
echo "|---|---:|---:|---:|---:|"
for l in "${LABELS[@]}"; do
    note=""
    [[ ${RC[$l]} -eq 0 ]] || note=" (exit ${RC[$l]})"
    awk -v l="$l" -v n="$note" -v w="${WALL[$l]}" -v m="${RSS[$l]}" -v mb="$MB" -v c="${WALL[$L_CAT]}" 'BEGIN {
        gsub(/\|/, "\\|", l)
        rate = (w > 0) ? sprintf("%.0f", mb / w) : "∞"
        ratio = (c > 0) ? sprintf("%.1f", w / c) : "n/a"
        printf "| `%s`%s | %.2f | %s | %.1f | %s |\n", l, n, w, rate, m * 1024 / 1e6, ratio
    }'
done
echo
awk -v a="${WALL[$L_J1]}" -v b="${WALL[$L_J2]}" 'BEGIN {
    if (b > 0) printf "- -j2 vs -j1 speedup: %.2f×\n", a / b; else print "- -j2 vs -j1 speedup: n/a"
}'
if [[ $SAME -eq 1 ]]; then
    echo "- \`analyze -j1 --csv -\` and \`-j2 --csv -\`: byte-identical ($CSV_ROWS lines, $CSV_BYTES bytes)"
else
    echo "- \`analyze -j1 --csv -\` and \`-j2 --csv -\`: **DIFFER** (-j1 $CSV_BYTES bytes, -j2 $(wc -c <"$TMP/j2.csv") bytes)"
    diff "$TMP/j1.csv" "$TMP/j2.csv" | head -n 10 | sed 's/^/    /'
fi
# If smtptls ever emits the ground-truth schema, compare it with the generator's answer.
if [[ "$(head -n 1 "$TMP/j1.csv")" == "$(head -n 1 "$DIR/expected.csv")" ]]; then
    if cmp -s "$TMP/j1.csv" "$DIR/expected.csv"; then
        echo "- \`--csv\` output equals the generator's expected.csv"
    else
        echo "- \`--csv\` output has expected.csv's header but differs: $(diff "$TMP/j1.csv" "$DIR/expected.csv" | grep -c '^[<>]') differing lines"
    fi
fi

[[ $SAME -eq 1 ]]
