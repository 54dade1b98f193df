#!/usr/bin/env bash
# dsgrade's Gradescope setup: Gradescope runs this once, as root, when it builds the autograder
# image (the zip is unpacked to /autograder/source). It installs what the base image lacks — Node
# 20, Go at the project's version, gcc for -race — creates the sandbox users, closes the
# autograder's files to them, and warms the build caches by grading the reference solution.
#
# Sources are configurable (Gradescope can download; an offline image build can use local files):
#   DSGRADE_NODE_URL   Node tarball (default: nodejs.org, the version in autograder.env)
#   DSGRADE_GO_URL     Go tarball (default: go.dev/dl, the version in autograder.env)
#   DSGRADE_SETUP_WARM 0 to skip the warm-up grading of the reference
# A URL may be http(s)://, file:// or a plain path.
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
. "$SOURCE/autograder.env"

NODE_URL="${DSGRADE_NODE_URL:-https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-x64.tar.xz}"
GO_URL="${DSGRADE_GO_URL:-https://go.dev/dl/go${GO_VERSION}.linux-amd64.tar.gz}"

log() { echo "dsgrade setup: $*"; }

fetch() { # url dest
  case "$1" in
    http://* | https://*)
      if command -v curl >/dev/null; then curl -fsSL --retry 3 -o "$2" "$1"; else wget -q -O "$2" "$1"; fi ;;
    file://*) cp "${1#file://}" "$2" ;;
    *) cp "$1" "$2" ;;
  esac
}

# 1. System packages: gcc and libc headers for -race builds; a downloader and xz when a URL needs them.
need=()
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v xz >/dev/null || need+=(xz-utils)
if [[ "$NODE_URL$GO_URL" == *http* ]] && ! command -v curl >/dev/null && ! command -v wget >/dev/null; then need+=(curl ca-certificates); fi
if ((${#need[@]})); then
  log "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

mkdir -p /usr/local/bin

# 2. Node 20 in /usr/local.
if ! /usr/local/bin/node --version 2>/dev/null | grep -q '^v20\.'; then
  log "installing Node from $NODE_URL"
  tmp="$(mktemp -d)"
  fetch "$NODE_URL" "$tmp/node.tar"
  tar -xf "$tmp/node.tar" -C /usr/local --strip-components=1 --no-same-owner
  rm -rf "$tmp"
fi
log "node $(/usr/local/bin/node --version)"

# 3. Go in /usr/local/go.
if ! /usr/local/go/bin/go version 2>/dev/null | grep -q "go${GO_VERSION}[ .]"; then
  log "installing Go from $GO_URL"
  tmp="$(mktemp -d)"
  fetch "$GO_URL" "$tmp/go.tar"
  rm -rf /usr/local/go
  tar -xf "$tmp/go.tar" -C /usr/local --no-same-owner
  rm -rf "$tmp"
fi
log "$(/usr/local/go/bin/go version)"

# 4. The sandbox users: the builder (compiles student code) and one per job slot (runs it). dsgrade
#    switches to these uids itself; the names only make `ps` readable.
add_user() { # name uid
  getent group "$1" >/dev/null || groupadd -g "$2" "$1"
  getent passwd "$1" >/dev/null || useradd -M -N -u "$2" -g "$2" -d /nonexistent -s /usr/sbin/nologin "$1"
}
add_user dsgrade-build "$SANDBOX_BASE_UID"
for i in $(seq 1 "$SANDBOX_SLOTS"); do add_user "dsgrade-run$i" "$((SANDBOX_BASE_UID + i))"; done

# 5. Nothing of the autograder is readable by the sandbox users.
chmod -R go-rwx "$SOURCE"
chmod 755 "$SOURCE/run_autograder" "$SOURCE/setup.sh" 2>/dev/null || true

# 6. Warm the caches (dsgrade's harness programs, the standard library with and without -race,
#    the staff packages) by grading the reference, so each student's run starts fast.
if [[ "${DSGRADE_SETUP_WARM:-1}" != 0 && -d "$SOURCE/project/reference" ]]; then
  log "warming the build caches with the reference solution"
  warm="$(mktemp -d)"
  mkdir -p "$warm/submission" "$warm/results"
  cp -r "$SOURCE/project/reference/." "$warm/submission/"
  PATH="/usr/local/go/bin:/usr/local/bin:$PATH" DSGRADE_GO=/usr/local/go/bin/go \
    /usr/local/bin/node "$SOURCE/dsgrade/bin/dsgrade.js" gradescope --root "$warm" --project "$SOURCE/project" --budget-sec 900 >/dev/null || true
  rm -rf "$warm"
fi
log "done"
