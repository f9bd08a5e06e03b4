# shellcheck shell=bash
# scripts/common.sh — shared by measure.sh and memory.sh (sourced, not run).

TIME=/usr/bin/time

log() { printf '%s\n' "$*" >&2; }

# GNU time, for wall time and peak RSS; installed with apt when missing.
need_gnu_time() {
    if ! "$TIME" -f '%e %M' -o /dev/null true 2>/dev/null; then
        log "GNU time not found at $TIME; installing the 'time' package"
        local sudo=
        [[ $(id -u) -eq 0 ]] || sudo=sudo
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq time >/dev/null
        "$TIME" -f '%e %M' -o /dev/null true
    fi
}

# One cargo invocation for both: building the binary alone and the example alone resolve
# dependency features differently (examples see dev-dependencies), and each would rebuild
# polars from scratch.
build_release() {
    log "building smtptls and the gen-corpus example (release)"
    cargo build --release --bins --examples
}
