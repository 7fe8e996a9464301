#!/usr/bin/env bash
# Runs the QR photo sets through twofetch's decoder, zbarimg (zbar-tools) and
# ZXingReader (zxing-cpp-tools) and prints the three side by side: photos
# read exactly, median and 90th-percentile wall time, median CPU time.
#
#   scripts/qrbench.sh [SET_DIR...]
#
# Without arguments it measures ../shared/data/qrphotos/zxing and .../zxing-cpp
# (if present) and a synthetic set of 12 MP monitor photos generated into
# $QRBENCH_SYNTH (default /tmp/twofetch-qrsynth; 40 photos with a code, 8
# without; delete it to regenerate). Every decoder is timed by
# `twofetch qr bench` with the same ground truth and counting rule; the
# external tools are timed per process, start-up included. ZXingReader
# cannot open WebP, so WebP photos are converted to PNG with dwebp first
# (for both external tools; twofetch reads the WebP files themselves). On the
# synthetic set twofetch runs with --accept otpauth, as the enrolment upload
# does.
set -euo pipefail

cd "$(dirname "$0")/.."
TWOFETCH=${TWOFETCH:-bin/twofetch}
SYNTH=${QRBENCH_SYNTH:-/tmp/twofetch-qrsynth}
DATA=${QRBENCH_DATA:-../shared/data/qrphotos}

scripts/deps.sh bench
if [ ! -x "$TWOFETCH" ]; then
  go build -o "$TWOFETCH" ./cmd/twofetch
fi

sets=("$@")
if [ ${#sets[@]} -eq 0 ]; then
  for s in "$DATA/zxing" "$DATA/zxing-cpp"; do
    [ -d "$s" ] && sets+=("$s")
  done
  if [ ! -d "$SYNTH" ]; then
    echo "generating synthetic photos in $SYNTH" >&2
    go run ./qrdecode/internal/cmd/qrphotos -out "$SYNTH" -n 40 -nocode 8
  fi
  sets+=("$SYNTH")
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# mirror SET DEST: the same tree with WebP converted to PNG and everything
# else linked, for decoders that cannot read WebP.
mirror() {
  local src=$1 dst=$2 f rel
  (cd "$src" && find . -type f) | while IFS= read -r rel; do
    f="$src/$rel"
    mkdir -p "$dst/$(dirname "$rel")"
    case "$rel" in
    *.webp) dwebp -quiet "$f" -o "$dst/${rel%.webp}.png" ;;
    *) ln -s "$(realpath "$f")" "$dst/$rel" ;;
    esac
  done
}

field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/"; }

row() { # row NAME JSON
  local j=$2
  printf '| %-12s | %4s/%-4s | %9.0f | %7.0f | %13.0f |\n' "$1" \
    "$(field exact <<<"$j")" "$(field images <<<"$j")" \
    "$(field median_ms <<<"$j")" "$(field p90_ms <<<"$j")" "$(field cpu_median_ms <<<"$j")"
}

echo "twofetch $("$TWOFETCH" version | cut -d' ' -f2), $(zbarimg --version 2>/dev/null | head -1 | sed 's/^/zbarimg /'), ZXingReader $(dpkg-query -W -f='${Version}' zxing-cpp-tools 2>/dev/null || echo '?'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for set in "${sets[@]}"; do
  name=$(basename "$set")
  m="$work/$name"
  mirror "$set" "$m"
  echo
  echo "### $set"
  echo
  echo "| decoder      | exact     | median ms | p90 ms  | cpu median ms |"
  echo "|--------------|-----------|----------:|--------:|--------------:|"
  # Photos of authenticator setup pages are read the way the product reads
  # them: keep looking past an app-store code for the otpauth one.
  accept=()
  [ "$set" = "$SYNTH" ] && accept=(--accept otpauth)
  row twofetch "$("$TWOFETCH" qr bench --json "${accept[@]}" "$set")"
  row zbarimg "$("$TWOFETCH" qr bench --json --external 'zbarimg -q --raw -Sdisable -Sqrcode.enable "$1" 2>/dev/null' "$m")"
  row ZXingReader "$("$TWOFETCH" qr bench --json --external 'ZXingReader -format QRCode "$1" 2>/dev/null | grep -v "^No barcode found$"' "$m")"
done
