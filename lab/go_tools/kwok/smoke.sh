#!/usr/bin/env bash
# End-to-end check of kwok as a fake kubelet against a standalone kube-apiserver
# (the lab's kube-apiserver-etcd from lab/control_plane, already built):
# fake node Ready, pod scenarios (Running / CrashLoopBackOff+OOMKilled x7 /
# not Ready / Pending), and `kubectl logs` (+ --previous) served by kwok.
# Everything runs on free loopback ports inside a temp dir that is removed on exit.
#
# Usage: KUBE_APISERVER_ETCD=/path/to/kube-apiserver-etcd lab/go_tools/kwok/smoke.sh
#        (default: the newest $FOCUS_LAB_CACHE/kube-apiserver-*/kube-apiserver-etcd)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${FOCUS_LAB_CACHE:-$HOME/.cache/focus-lab}"
apiserver="${KUBE_APISERVER_ETCD:-$(ls -1d "$cache"/kube-apiserver-*/kube-apiserver-etcd 2>/dev/null | sort -V | tail -n1)}"
[[ -x "$apiserver" ]] || { echo "smoke.sh: no kube-apiserver-etcd binary (set KUBE_APISERVER_ETCD)" >&2; exit 1; }
kwok="$("$here/../build.sh" --print-path kwok)"
kwok_mod="$("$here/../build.sh" --print-module-dir kwok)"

work="$(mktemp -d /tmp/focus-kwok-smoke.XXXXXX)"
pids=()
cleanup() {
    # Stop in reverse start order (kwok before the API server).
    local rev=() i
    for ((i=${#pids[@]}-1; i>=0; i--)); do rev+=("${pids[i]}"); done
    for p in "${rev[@]}"; do
        kill "$p" 2>/dev/null || true
        rc=0; wait "$p" 2>/dev/null || rc=$?
        echo "pid $p ($(basename "$(cat "$work/name.$p" 2>/dev/null || echo ?)")) exited rc=$rc after SIGTERM"
    done
    if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api_port=$(free_port); etcd_port=$(free_port); kubelet_port=$(free_port)

# --- kube-apiserver (+ embedded etcd) ------------------------------------------
openssl genrsa -out "$work/sa.key" 2048 2>/dev/null
echo "smoke-token,admin,admin,system:masters" > "$work/tokens.csv"
"$apiserver" --etcd-data-dir="$work/etcd" --etcd-client-port="$etcd_port" -- \
    --bind-address=127.0.0.1 --secure-port="$api_port" --cert-dir="$work/certs" \
    --token-auth-file="$work/tokens.csv" --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$work/sa.key" --service-account-signing-key-file="$work/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --kubelet-preferred-address-types=InternalIP,Hostname \
    >"$work/apiserver.log" 2>&1 &
pids+=($!); echo "$apiserver" > "$work/name.$!"

cat > "$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: lab, cluster: {server: "https://127.0.0.1:$api_port", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: smoke-token}}]
contexts: [{name: lab, context: {cluster: lab, user: admin}}]
current-context: lab
EOF
export KUBECONFIG="$work/kubeconfig"
k() { kubectl --request-timeout=10s "$@"; }
for i in $(seq 1 120); do
    k get --raw /readyz >/dev/null 2>&1 && break
    sleep 1
done
k get --raw /readyz >/dev/null || { tail -n 30 "$work/apiserver.log"; exit 1; }
echo "apiserver ready on 127.0.0.1:$api_port"
# No kube-controller-manager here: the ServiceAccount admission plugin needs the
# namespace's "default" ServiceAccount, which the SA controller would create.
k create serviceaccount default -n default >/dev/null 2>&1 || true

# --- kwok -----------------------------------------------------------------------
mkdir -p "$work/logs" "$work/home"
printf '%s stdout F %s\n' "2026-01-01T00:00:00.000000000Z" "api: starting" \
    "2026-01-01T00:00:01.000000000Z" "api: listening on :8080" > "$work/logs/api-crash.log"
printf '%s stdout F %s\n' "2026-01-01T00:00:00.000000000Z" "api: loading cache" \
    "2026-01-01T00:00:05.000000000Z" "fatal error: runtime: out of memory" > "$work/logs/api-crash-previous.log"
printf '%s stdout F %s\n' "2026-01-01T00:00:00.000000000Z" "default log line" > "$work/logs/default.log"
sed "s#/tmp/focus-lab-kwok/logs#$work/logs#g" "$here/logs.yaml" > "$work/logs.yaml"

HOME="$work/home" "$kwok" \
    --kubeconfig="$KUBECONFIG" \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=127.0.0.1 --node-port="$kubelet_port" --server-address="127.0.0.1:$kubelet_port" \
    --node-lease-duration-seconds=40 \
    --config="$kwok_mod/kustomize/stage/fast" \
    --config="$here/stages-focus.yaml" \
    --config="$work/logs.yaml" \
    >"$work/kwok.log" 2>&1 &
pids+=($!); echo "$kwok" > "$work/name.$!"

k apply -f "$here/node.yaml" >/dev/null
k wait --for=condition=Ready node/kwok-node-0 --timeout=60s >/dev/null
echo "node kwok-node-0 Ready"
k apply -f "$here/pods-example.yaml" >/dev/null
k wait --for=condition=Ready pod/web-ok --timeout=60s >/dev/null
sleep 3
k get nodes -o wide
k get pods -o wide
echo "--- crashloop pod status"
k get pod api-7d9f8-crash -o jsonpath='{.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].state.waiting.reason} {.status.containerStatuses[0].lastState.terminated.reason} {.status.containerStatuses[0].lastState.terminated.exitCode}{"\n"}'
echo "--- kubectl logs api-7d9f8-crash"
k logs api-7d9f8-crash
echo "--- kubectl logs --previous api-7d9f8-crash"
k logs --previous api-7d9f8-crash
echo "--- kubectl logs web-ok (ClusterLogs default)"
k logs web-ok
echo "--- kubectl logs --timestamps --tail=1 web-ok"
k logs --timestamps --tail=1 web-ok

# Stability: nothing should have changed the scenario pods after a heartbeat-ish wait.
sleep "${SETTLE:-10}"
echo "--- after ${SETTLE:-10}s"
k get pods
