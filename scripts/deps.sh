#!/usr/bin/env bash
# Installs or starts what twofetch and its tests need on Debian/Ubuntu.
#   scripts/deps.sh chromium     Chromium (run headless) for the browser pool, and
#                                chromium-headless-shell for comparison
#   scripts/deps.sh npm          npm, which installs the bot detectors of the browser check test
#   scripts/deps.sh socks        microsocks, the SOCKS5 server the egress proxy tests chain to
#   scripts/deps.sh redis        redis-server (tests start their own on free ports)
#   scripts/deps.sh postgres     PostgreSQL on 127.0.0.1:5432 with database "test"
#   scripts/deps.sh kubectl      kubectl, which renders deploy/k8s with kustomize
#   scripts/deps.sh bench        zbarimg, ZXingReader and dwebp for scripts/qrbench.sh
#   scripts/deps.sh env          prints the exports tests read
# Installing needs root; otherwise it says exactly what to install.
set -euo pipefail

CHROME=${TWOFETCH_CHROME_PATH:-/usr/lib/chromium/chromium}
apt_updated=

need() { # need PACKAGE WHAT
  if [ "$(id -u)" != 0 ]; then
    echo "twofetch needs $2: run 'sudo apt-get install -y $1'" >&2
    exit 1
  fi
  if [ -z "$apt_updated" ]; then
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  echo "installing $1 ($2)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

for what in "$@"; do
  case "$what" in
  chromium)
    [ -x "$CHROME" ] || need chromium "Chromium at $CHROME"
    [ -x /usr/lib/chromium/chromium-headless-shell ] || need chromium-headless-shell "chromium-headless-shell"
    ;;
  npm)
    command -v npm >/dev/null || need npm "npm"
    ;;
  socks)
    command -v microsocks >/dev/null || need microsocks "microsocks"
    ;;
  redis)
    command -v redis-server >/dev/null || need redis-server "redis-server"
    ;;
  postgres)
    if ! port_open 5432; then
      command -v pg_ctlcluster >/dev/null || need postgresql "PostgreSQL"
      ver=$(ls /etc/postgresql | sort -V | tail -n1)
      pg_ctlcluster --skip-systemctl-redirect "$ver" main start
      for _ in $(seq 50); do port_open 5432 && break; sleep 0.2; done
    fi
    if [ "$(id -u)" = 0 ] && command -v psql >/dev/null; then
      su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='test'\"" 2>/dev/null | grep -q 1 ||
        su postgres -c "createdb test" 2>/dev/null || true
    fi
    ;;
  kubectl)
    # Debian's kubernetes-client (1.20) carries an older kustomize; the
    # manifests keep to what it renders.
    command -v kubectl >/dev/null || need kubernetes-client "kubectl"
    ;;
  bench)
    command -v zbarimg >/dev/null || need zbar-tools "zbarimg"
    command -v ZXingReader >/dev/null || need zxing-cpp-tools "ZXingReader"
    command -v dwebp >/dev/null || need webp "dwebp"
    ;;
  env)
    echo "export TWOFETCH_CHROME_PATH='$CHROME'"
    ;;
  *)
    echo "deps.sh: unknown component $what" >&2
    exit 2
    ;;
  esac
done
