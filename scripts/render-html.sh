#!/usr/bin/env bash
# scripts/render-html.sh [LOG_DIR] [OUT_DIR] — the HTML report of LOG_DIR (default: the
# sample corpus) rendered by headless Chromium to OUT_DIR/report.png (a laptop-width
# screenshot) and OUT_DIR/report.pdf (A4, as the page prints), plus the page itself.
# Installs chromium, fonts-liberation and poppler-utils with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/common.sh
source scripts/common.sh

logs=${1:-sample-logs}
out=${2:-target/render}
mkdir -p "$out"

if ! command -v chromium >/dev/null || ! command -v pdftoppm >/dev/null; then
    log "installing chromium, fonts-liberation, poppler-utils"
    sudo=
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq chromium fonts-liberation poppler-utils >/dev/null
fi

page=$(realpath "$out")/report.html
cargo run -q -- analyze "$logs" -q --html "$page"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# No network: the page must render from itself alone.
chrome=(chromium --headless --no-sandbox --disable-gpu --no-first-run
        --disable-background-networking --disable-component-update --disable-sync
        --user-data-dir="$profile" --hide-scrollbars)
"${chrome[@]}" --screenshot="$out/report.png" --window-size=1366,2400 "file://$page" 2>/dev/null
"${chrome[@]}" --print-to-pdf="$out/report.pdf" --no-pdf-header-footer "file://$page" 2>/dev/null
rm -f "$out"/page-*.png
pdftoppm -png -r 60 "$out/report.pdf" "$out/page"
log "wrote $out/report.html, $out/report.png, $out/report.pdf, $out/page-*.png"
