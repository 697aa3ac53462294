#!/usr/bin/env bash
# The two commands of this project; each sets up everything it needs on a fresh machine.
#   ./run.sh main   start the lab, run every suite into results/ (PROCESSES=N: N pabot workers), stop the lab
#   ./run.sh test   static checks, dry run, libdoc, then pytest (unit, integration, suites and faults vs the lab)
#   ./run.sh bench  the benchmark: results/bench.json and a table (--quick: about 8 minutes)
#   ./run.sh setup  only the venv and the pinned requirements (what main, test and bench do first)
# Extra arguments go to robot or pabot (main), pytest (test) or the benchmark, e.g.
#   ./run.sh main --variable ENV:new_production
# main: LAB_FAULTS="mongo-slow ..." (spaces or commas) starts the lab with faults;
#       RESULTS_DIR (default results) is where results go.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
VENV=.venv
PY="$VENV/bin/python"
export PATH="$PWD/$VENV/bin:$PATH"  # pabot starts `robot` from PATH

setup() {
    [ -x "$PY" ] || python3 -m venv "$VENV"
    # pip runs only when the pinned requirements changed since the venv last installed them (a warm run skips it).
    local wanted
    wanted="$(cat requirements.txt requirements/*.txt | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$wanted" ]; then
        # The runtime, the lab's servers and the checks: each pinned in its own file.
        "$PY" -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements/lab.txt \
            -r requirements/checks.txt
        echo "$wanted" >"$VENV/.requirements.sha256"
    fi
    # The product itself, editable, so `robot suites` imports keywords/ from any directory, and `focus-infra`.
    # setuptools warns about editable installs on every build: keep its output, show it only on failure.
    if [ ! -x "$VENV/bin/focus-infra" ] ||
        ! (python="$PWD/$PY" && cd / && "$python" -c "import keywords" 2>/dev/null); then
        "$PY" -m pip install --quiet --disable-pip-version-check --no-deps -e . >.venv/editable-install.log 2>&1 ||
            { cat .venv/editable-install.log >&2; return 1; }
    fi
}

# Debian packages the tests and the benchmark use, only as root (CI) through apt: OpenSSH sshd for the SSH
# compatibility tests, Chromium and its driver for the browser checks of the traceability and trend pages,
# stunnel4 for MongoDB over TLS, PostgreSQL for the run history, promtool (prometheus) for the alerting rules,
# the Pushgateway for the metrics, hyperfine for the benchmark. Without them those tests skip, saying why.
install_debian_packages() {
    local missing=()
    [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
    command -v chromium >/dev/null || missing+=(chromium)
    command -v chromedriver >/dev/null || missing+=(chromium-driver)
    command -v stunnel4 >/dev/null || missing+=(stunnel4)
    command -v hyperfine >/dev/null || missing+=(hyperfine)
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
    command -v promtool >/dev/null || missing+=(prometheus)
    command -v prometheus-pushgateway >/dev/null || missing+=(prometheus-pushgateway)
    if [ "$(id -u)" = 0 ] && [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null; then
        echo "Installing ${missing[*]} for the tests"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# Each run starts from an empty results folder, except for the run history that the trend page reads.
empty_results() {
    mkdir -p "$1"
    find "$1" -mindepth 1 -maxdepth 1 ! -name 'history.sqlite*' -exec rm -rf {} +
}

run_main() {
    local environment=lab results="${RESULTS_DIR:-results}" processes="${PROCESSES:-1}"
    for arg in "$@"; do
        case "$arg" in ENV:*) environment="${arg#ENV:}" ;; --variable=ENV:*) environment="${arg#--variable=ENV:}" ;; esac
    done
    if [[ "$environment" == *,* ]]; then
        run_environments "$environment" "$results" "$@"
        return
    fi
    local pabot_tmp=""
    local run_args=(--argumentfile robot.args --reporttitle "Focus Server Infrastructure Report ($environment)"
        --logtitle "Focus Server Infrastructure Log ($environment)" "$@")
    # One robot process by default: six fast checks finish sooner in one process than pabot starts four, and the
    # probe at the start of the run bounds a dead environment to one timeout (docs/performance.md).
    local runner=("$VENV/bin/robot" --outputdir "$results" --console dotted "${run_args[@]}" suites)
    if [ "$processes" -gt 1 ]; then
        # pabot deletes every pabot_temp_*.txt in the temporary folder when it starts, the argument files of any
        # pabot run beside it (pabot 5.2.2): each run gets a temporary folder of its own.
        pabot_tmp="$(mktemp -d)"
        runner=(env TMPDIR="$pabot_tmp" "$VENV/bin/pabot" --processes "$processes" --outputdir "$results"
            "${run_args[@]}" suites)
    fi
    empty_results "$results"
    local ran=0 output="$results/output.xml"
    if [ "$environment" = lab ]; then
        local faults=()
        local listed=${LAB_FAULTS:-}
        # Spaces or commas between faults: lab.env lists them with commas (LAB_FAULTS=a,b).
        for fault in ${listed//,/ }; do faults+=(--fault "$fault"); done
        "$PY" -m lab run "${faults[@]}" -- "${runner[@]}" || ran=$?
    else
        "${runner[@]}" || ran=$?
    fi
    [ -z "$pabot_tmp" ] || rm -rf "$pabot_tmp"
    # The run's verdict is the diagnosis's: it lists every case the run selected (read from the suites with the
    # same options), so one without a result (a killed robot or pabot worker) fails the run even where it passed.
    # A plain robot run has diagnosed itself (its listener); pabot's merged output, or none, is diagnosed here.
    # Exit codes: 0 passed, 1 infrastructure failed, 3 settings unusable (not checked), 4 a case not run.
    # Robot's own usage error (252: bad options or test data, so no output at all) is usage (2), not "not run"; a run
    # that wrote an output (pabot's merged one after a killed worker too) has the diagnosis's verdict.
    local usage_error=no
    if [ "$ran" = 252 ] && [ ! -s "$output" ]; then usage_error=yes; fi
    local status=0 trends=""
    # A run its listener diagnosed is in the history already, so its trend page is written beside the report (0.3-0.7 s
    # sooner, docs/performance.md); any other run's record is the report's to write, so its page waits for it.
    if grep -q '<meta name="Diagnosis">' "$output" 2>/dev/null; then
        trend_page "$results" &
        trends=$!
    fi
    "$VENV/bin/focus-infra" report "$output" --keep-diagnosed --source suites -- "${run_args[@]}" || status=$?
    if [ "$usage_error" = yes ]; then status=2; fi
    if [ -n "$trends" ]; then wait "$trends"; else trend_page "$results"; fi
    echo "Report: $(realpath -m "$results/report.html")"
    return "$status"
}

# ./run.sh main --variable ENV:a,b: every suite against each environment in parallel (pabot), a diagnosis,
# traceability report and history record per environment in results/<env>/; no lab is started.
run_environments() {
    local environments="$1" results="$2" passed=()
    shift 2
    for arg in "$@"; do
        case "$arg" in
            ENV:*) unset 'passed[${#passed[@]}-1]' ;;  # the --variable before it: each environment sets its own
            --variable=ENV:*) ;;
            *) passed+=("$arg") ;;
        esac
    done
    empty_results "$results"
    local status=0
    "$VENV/bin/focus-infra" environments --environments "$environments" --results "$results" \
        --processes "${PROCESSES:-0}" -- --argumentfile robot.args "${passed[@]}" || status=$?
    trend_page "$results"
    return "$status"
}

trend_page() {
    "$VENV/bin/focus-infra" history report --results "$1" || echo "The trend page could not be written" >&2
}

run_tests() {
    install_debian_packages
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    "$VENV/bin/robocop" check
    "$VENV/bin/robocop" format --check
    "$VENV/bin/hadolint" Containerfile
    "$VENV/bin/robot" --dryrun --output NONE --report NONE --log NONE --console dotted suites examples
    mkdir -p results/libdoc
    for library in config.library.ConfigLibrary mongodb.library.MongoDBLibrary \
        kubernetes.library.KubernetesLibrary ssh.library.JumpHostSSHLibrary; do
        "$PY" -m robot.libdoc --format HTML "keywords.$library" "results/libdoc/${library##*.}.html" >/dev/null
    done
    # The Go programs of the lab (kube-apiserver with etcd, kwok, k9s): built once into ~/.cache/focus-lab.
    if command -v go >/dev/null; then "$PY" -m lab build; else echo "No Go: the lab keeps its stand-ins"; fi
    "$PY" -m pytest "$@"
}

run_bench() {
    install_debian_packages
    if command -v go >/dev/null; then "$PY" -m lab build >/dev/null; fi
    "$PY" -m bench "$@"
}

case "${1:-}" in
    main) shift; setup; run_main "$@" ;;
    test) shift; setup; run_tests "$@" ;;
    bench) shift; setup; run_bench "$@" ;;
    setup) setup ;;
    *) echo "usage: ./run.sh main|test|bench|setup [arguments for robot or pabot|pytest|python -m bench]" >&2; exit 2 ;;
esac
