#!/usr/bin/env bash
# Builds one program of the lab's control plane from Go modules (this module pins
# k8s.io/kubernetes for both), only if it is not there yet:
#   kube-apiserver           kube-apiserver + embedded etcd (main.go), into
#     ${FOCUS_LAB_CACHE:-$HOME/.cache/focus-lab}/kube-apiserver-<version>/kube-apiserver-etcd
#   kube-controller-manager  upstream's controller manager (controller_manager/main.go), into
#     ${FOCUS_LAB_CACHE:-$HOME/.cache/focus-lab}/kube-controller-manager-<version>/kube-controller-manager
# Prints the binary path on stdout; progress goes to stderr (one line before a
# build, one after). Go's module and build caches (GOMODCACHE/GOCACHE, outside
# the repo) are reused between builds.
#
# Usage: bash lab/control_plane/build.sh [PROGRAM]                # build if missing, print path
#        bash lab/control_plane/build.sh --cached-path [PROGRAM]  # path if built, else exit 1
#        FORCE=1 bash lab/control_plane/build.sh [PROGRAM]  # rebuild
# PROGRAM defaults to kube-apiserver.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

# Versions come from go.mod, so the cache key follows it.
k8s_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' go.mod)"
etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" && $2 ~ /^v/ {print $2; exit}' go.mod)"
[[ -n "$k8s_version" && -n "$etcd_version" ]] || { echo "build.sh: cannot read versions from $here/go.mod" >&2; exit 1; }

program=kube-apiserver
cached_path_only=
for argument in "$@"; do
    case "$argument" in
        --cached-path) cached_path_only=1 ;;
        *) program="$argument" ;;
    esac
done
case "$program" in
    kube-apiserver) package=. binary=kube-apiserver-etcd what="kube-apiserver $k8s_version + etcd $etcd_version" ;;
    kube-controller-manager) package=./controller_manager binary=kube-controller-manager
        what="kube-controller-manager $k8s_version" ;;
    *) echo "build.sh: unknown program '$program' (kube-apiserver or kube-controller-manager)" >&2; exit 2 ;;
esac

cache="${FOCUS_LAB_CACHE:-$HOME/.cache/focus-lab}"
outdir="$cache/$program-$k8s_version"
bin="$outdir/$binary"

if [[ -n "$cached_path_only" ]]; then
    # The binary's path if it is built already; nothing and exit 1 otherwise (never builds).
    [[ -x "$bin" ]] || exit 1
    echo "$bin"
    exit 0
fi

if [[ -x "$bin" && -z "${FORCE:-}" ]]; then
    echo "$bin"
    exit 0
fi

mkdir -p "$outdir"
# One build at a time (several test runs may start together).
exec 9>"$outdir/.build.lock"
flock 9
if [[ -x "$bin" && -z "${FORCE:-}" ]]; then
    echo "$bin"
    exit 0
fi

echo "building $what (first time only, several minutes)" >&2
start=$SECONDS

export GOTOOLCHAIN=local CGO_ENABLED=0
if [[ -f go.sum ]]; then
    # go.sum is checked in: refuse to change go.mod/go.sum, so builds are reproducible.
    export GOFLAGS=-mod=readonly
else
    export GOFLAGS=-mod=mod
    go mod tidy
fi

# Same variables upstream's hack/lib/version.sh sets (k8s.io/component-base/version
# and k8s.io/client-go/pkg/version, base.go). The commit is not available from the
# module proxy; set KUBE_GIT_COMMIT to override. buildDate defaults to the module's
# publication time (from the proxy's .info) so the binary is reproducible.
major="${k8s_version#v}"; major="${major%%.*}"
minor="${k8s_version#v*.}"; minor="${minor%%.*}"
git_commit="${KUBE_GIT_COMMIT:-unknown}"
build_date="${KUBE_BUILD_DATE:-$(go mod download -json "k8s.io/kubernetes@$k8s_version" \
    | sed -n 's/^\t"Info": "\(.*\)",$/\1/p' | xargs sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p')}"
build_date="${build_date:-1970-01-01T00:00:00Z}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitCommit=$git_commit -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done

log="$outdir/build.log"
tmp="$bin.tmp.$$"
if ! go build -trimpath -ldflags "$ldflags" -o "$tmp" "$package" >"$log" 2>&1; then
    rm -f "$tmp"
    echo "build.sh: go build failed after $((SECONDS - start))s; log: $log" >&2
    tail -n 30 "$log" >&2
    exit 1
fi
mv -f "$tmp" "$bin"

secs=$((SECONDS - start))
echo "built $bin ($(du -h "$bin" | cut -f1)) in $((secs / 60))m$((secs % 60))s" >&2
echo "$bin"
