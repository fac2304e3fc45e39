#!/usr/bin/env bash
# Install the Debian packages the TLF tests need: headless Chromium (browser test of
# the HTML outputs), LibreOffice Writer (RTF -> PDF conversion), poppler-utils
# (pdftotext) and fonts. Idempotent: does nothing when every binary is present.
# Usage (as root): bash .ci/install-system-deps.sh
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/liberation2 ] || [ -d /usr/share/fonts/truetype/liberation ] \
  || need+=(fonts-liberation2)

if [ "${#need[@]}" -eq 0 ]; then
  echo "install-system-deps: all present (chromium, chromedriver, soffice, pdftotext, fonts)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-system-deps: need root (or sudo) to install: ${need[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
echo "install-system-deps: installing ${need[*]}"
$SUDO apt-get update -qq
# libreoffice-writer-nogui exists on Debian 12+; fall back to libreoffice-writer.
if ! $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"; then
  fallback=("${need[@]/libreoffice-writer-nogui/libreoffice-writer}")
  $SUDO apt-get install -y -qq --no-install-recommends "${fallback[@]}"
fi
echo "install-system-deps: done in $(( $(date +%s) - start )) s"
