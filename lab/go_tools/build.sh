#!/usr/bin/env bash
# Build real `kwok`, `k9s` and `toxiproxy` (the benchmark's latency proxy) binaries from their Go modules, once,
# into a cache outside the repository:
#
#   ${FOCUS_LAB_CACHE:-$HOME/.cache/focus-lab}/kwok-<version>/kwok
#   ${FOCUS_LAB_CACHE:-$HOME/.cache/focus-lab}/k9s-<version>/k9s
#   ${FOCUS_LAB_CACHE:-$HOME/.cache/focus-lab}/toxiproxy-<version>/toxiproxy
#
# Usage: lab/go_tools/build.sh [kwok] [k9s] [toxiproxy]     (default: all)
#        lab/go_tools/build.sh --print-path kwok (prints the binary path only;
#                                                 builds it first if missing)
#        lab/go_tools/build.sh --print-module-dir kwok (module source dir in
#                                                 GOMODCACHE, for kwok's stage/CRD YAML)
#
# A binary that is already present is not rebuilt (one-line note instead).
# Go's own module cache (go env GOMODCACHE) and build cache (go env GOCACHE)
# are left at their defaults, both outside the repository, so a rebuild after
# deleting the focus-lab cache is fast.
#
# Pinned versions (newest the Go module proxy served when this was written:
#   `go list -m -versions sigs.k8s.io/kwok`          -> v0.6.1 v0.7.0 v0.8.0
#   `go list -m -versions github.com/derailed/k9s`   -> ... v0.50.15 v0.50.16;
#   `go list -m -versions github.com/Shopify/toxiproxy/v2` -> v2.3.0 v2.5.0).
# Override with KWOK_VERSION / K9S_VERSION (+ K9S_COMMIT / K9S_DATE) if needed.
set -euo pipefail

CACHE_ROOT="${FOCUS_LAB_CACHE:-$HOME/.cache/focus-lab}"

KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
K9S_VERSION="${K9S_VERSION:-v0.50.16}"
TOXIPROXY_VERSION="${TOXIPROXY_VERSION:-v2.5.0}"
# Commit of the upstream tag v0.50.16 (github.com/derailed/k9s) and its commit
# time, which is also the module time served by the proxy (.info "Time").
K9S_COMMIT="${K9S_COMMIT:-3c37ca2197ca48591566d1f599b7b3a50d54a408}"
K9S_DATE="${K9S_DATE:-2025-10-19T15:06:48Z}"

die() { echo "go_tools/build.sh: $*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "go not found in PATH"

# go install <pkg>@<version> into <dir>, atomically (build into a temp dir,
# then rename), so an interrupted build never looks like a cached one.
go_install() {
    local tool="$1" version="$2" pkg="$3" ldflags="$4" built="${5:-$1}"  # built: go install's name for it
    local dir="$CACHE_ROOT/$tool-$version"
    local bin="$dir/$tool"
    if [[ -x "$bin" ]]; then
        [[ "${QUIET:-0}" == 1 ]] || echo "$tool $version: cached at $bin (skipping build)"
        return 0
    fi
    mkdir -p "$CACHE_ROOT"
    # Serialise concurrent builds of the same tool.
    exec {lock_fd}>"$CACHE_ROOT/.$tool-$version.lock"
    flock "$lock_fd"
    if [[ -x "$bin" ]]; then
        echo "$tool $version: built concurrently, cached at $bin"
        exec {lock_fd}>&-
        return 0
    fi
    local tmp
    tmp="$(mktemp -d "$CACHE_ROOT/.$tool-$version.XXXXXX")"
    echo "building $tool $version (first time only)"
    local start=$SECONDS
    # Run outside any module so the project's go.mod/go.work (if any) cannot
    # interfere; CGO off like the upstream release builds.
    # Go's own chatter ("go: downloading ...", hundreds of lines for k9s) goes
    # to a log that is shown only if the build fails.
    if ! (cd "$tmp" && CGO_ENABLED=0 GOWORK=off GOBIN="$tmp" \
            go install -trimpath -ldflags "$ldflags" "$pkg@$version") >"$tmp/build.log" 2>&1; then
        tail -n 40 "$tmp/build.log" >&2
        rm -rf "$tmp"
        exec {lock_fd}>&-
        die "building $tool $version failed (last 40 lines of go output above)"
    fi
    mkdir -p "$dir"
    mv -f "$tmp/$built" "$bin"
    rm -rf "$tmp"
    exec {lock_fd}>&-
    echo "built $tool $version in $((SECONDS - start))s -> $bin"
}

build_kwok() {
    # Version vars: sigs.k8s.io/kwok/pkg/consts (set the same way by upstream
    # hack/releases.sh). PreRelease=GA => `kwok --version` prints a clean tag.
    go_install kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok \
        "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION -X sigs.k8s.io/kwok/pkg/consts.PreRelease=GA"
}

build_k9s() {
    # Version vars: github.com/derailed/k9s/cmd.{version,commit,date}
    # (same as upstream Makefile / .goreleaser.yml).
    go_install k9s "$K9S_VERSION" github.com/derailed/k9s \
        "-s -w -X github.com/derailed/k9s/cmd.version=$K9S_VERSION -X github.com/derailed/k9s/cmd.commit=$K9S_COMMIT -X github.com/derailed/k9s/cmd.date=$K9S_DATE"
}

build_toxiproxy() {
    # Version var: github.com/Shopify/toxiproxy/v2.Version (as upstream's Makefile sets it).
    go_install toxiproxy "$TOXIPROXY_VERSION" github.com/Shopify/toxiproxy/v2/cmd/server \
        "-s -w -X github.com/Shopify/toxiproxy/v2.Version=$TOXIPROXY_VERSION" server
}

bin_path() {
    case "$1" in
        kwok) echo "$CACHE_ROOT/kwok-$KWOK_VERSION/kwok" ;;
        k9s)  echo "$CACHE_ROOT/k9s-$K9S_VERSION/k9s" ;;
        toxiproxy) echo "$CACHE_ROOT/toxiproxy-$TOXIPROXY_VERSION/toxiproxy" ;;
        *) die "unknown tool '$1' (expected kwok, k9s or toxiproxy)" ;;
    esac
}

if [[ "${1:-}" == "--print-module-dir" ]]; then
    # Source tree of the pinned module in Go's module cache (read-only), e.g. for
    # kwok's stage/CRD YAML: "$dir/kustomize/stage/...", "$dir/kustomize/crd/bases/...".
    [[ $# -eq 2 ]] || die "usage: $0 --print-module-dir kwok|k9s"
    case "$2" in
        kwok) mod="sigs.k8s.io/kwok@$KWOK_VERSION" ;;
        k9s)  mod="github.com/derailed/k9s@$K9S_VERSION" ;;
        *) die "unknown tool '$2' (expected kwok or k9s)" ;;
    esac
    (cd / && GOWORK=off go mod download -json "$mod") \
        | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
    exit 0
fi

if [[ "${1:-}" == "--cached-path" ]]; then
    # The binary's path if it is built already; nothing and exit 1 otherwise (never builds).
    [[ $# -eq 2 ]] || die "usage: $0 --cached-path kwok|k9s"
    path="$(bin_path "$2")"
    [[ -x "$path" ]] || exit 1
    echo "$path"
    exit 0
fi

if [[ "${1:-}" == "--print-path" ]]; then
    [[ $# -eq 2 ]] || die "usage: $0 --print-path kwok|k9s"
    bin_path "$2" >/dev/null
    QUIET=1 "build_$2" >&2
    bin_path "$2"
    exit 0
fi

tools=("$@")
[[ ${#tools[@]} -gt 0 ]] || tools=(kwok k9s toxiproxy)
for t in "${tools[@]}"; do
    bin_path "$t" >/dev/null
    "build_$t"
done
