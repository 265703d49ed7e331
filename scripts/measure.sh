#!/usr/bin/env bash
# Measures Rapport on a database, warm and cold (cold: the page cache is dropped before
# each run, as root; skipped with a notice otherwise), and prints a table of figures:
#   - `rapport demo --customers N` into a new file (beside nothing: a temp dir)
#   - `rapport lookup` by name and by the last 7 digits of a phone, whole process
#   - the app in tmux at 80x24: start to first frame, to customer list rows, to the
#     pipeline pane with data after `2`, follow-ups after `3`, KPIs after `4`; start
#     to the first lookup answer (`/` and the name typed as soon as it draws); its peak
#     resident memory after a minute idle
#   - the idle app's CPU while 8 processes write (`rapport customer add` in a loop)
#   - N apps open on the database together: their resident memory summed (RSS, and
#     PSS, which counts the pages they share, such as the mapped lookup index, once)
#
# Usage: scripts/measure.sh [options] DATABASE
#   --bin PATH        the rapport binary (default: target/release/rapport)
#   --demo N          customers for the demo timing (default 100000; 0 skips it)
#   --name TEXT       the name looked up (default "Артём Фёд")
#   --runs N          runs of each lookup, warm (default 20; cold: a quarter, at least 3)
#   --app-runs N      app starts, each way (default 3; the median and worst are shown)
#   --idle SECONDS    how long the app idles before its memory is read (default 60)
#   --write SECONDS   how long the 8 writers write (default 20; 0 skips it). They add
#                     customers named "Measure writer …", tagged `measure`, to DATABASE.
#   --apps N          apps open together for the summed memory (default 10; 0 skips it)
#   --warm-only       no cold runs even as root
# Needs tmux; uses hyperfine when installed (as root it is installed with apt-get
# when missing), else a loop timed with `date +%s%N`.
set -euo pipefail

bin=target/release/rapport
demo=100000
name="Артём Фёд"
runs=20
app_runs=3
idle=60
write=20
apps=10
cold=1
db=""

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin=$2; shift 2 ;;
        --demo) demo=$2; shift 2 ;;
        --name) name=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --app-runs) app_runs=$2; shift 2 ;;
        --idle) idle=$2; shift 2 ;;
        --write) write=$2; shift 2 ;;
        --apps) apps=$2; shift 2 ;;
        --warm-only) cold=0; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "measure.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) db=$1; shift ;;
    esac
done
if [ -z "$db" ]; then
    echo "measure.sh: which database? e.g. scripts/measure.sh ~/big.db (make one with: rapport --db ~/big.db demo --customers 1000000)" >&2
    exit 2
fi
if [ ! -f "$db" ]; then
    echo "measure.sh: $db does not exist; make one with: $bin --db $db demo --customers 1000000" >&2
    exit 2
fi
if [ ! -x "$bin" ]; then
    echo "measure.sh: no rapport binary at $bin; build it with: cargo build --release (or pass --bin PATH)" >&2
    exit 2
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
db=$(cd "$(dirname "$db")" && pwd)/$(basename "$db")
command -v tmux >/dev/null || { echo "measure.sh: tmux is needed for the app's figures (apt-get install tmux)" >&2; exit 2; }

if [ "$cold" = 1 ] && [ "$(id -u)" != 0 ]; then
    echo "notice: not root, so the page cache cannot be dropped: cold figures are skipped" >&2
    cold=0
fi
if ! command -v hyperfine >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "notice: installing hyperfine with apt-get" >&2
    apt-get install -y hyperfine >/dev/null 2>&1 || echo "notice: hyperfine could not be installed; timing with a loop" >&2
fi

work=$(mktemp -d)
socket="rapport-measure-$$"
cleanup() {
    tmux -L "$socket" kill-server 2>/dev/null || true
    for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }
now_ns() { date +%s%N; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.0f ms", ns / 1e6 }'; }
rows=()
row() { rows+=("$1|$2|$3"); printf '  %-58s %12s %12s\n' "$1" "$2" "$3" >&2; }

# Median and worst of nanosecond figures, as "median ms (worst ms)".
summary() {
    sort -n | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "-"; exit }
        printf "%.0f ms (worst %.0f)", v[int((NR + 1) / 2)] / 1e6, v[NR] / 1e6 }'
}

# Times a command line (run by sh) `n` times; with "cold", the cache is dropped first.
time_command() {
    local mode=$1 n=$2 cmd=$3
    if command -v hyperfine >/dev/null; then
        local prepare=(--warmup 3)
        [ "$mode" = cold ] && prepare=(--prepare 'sync; echo 3 > /proc/sys/vm/drop_caches')
        hyperfine -N "${prepare[@]}" --runs "$n" --export-json "$work/h.json" "$cmd" >/dev/null 2>&1 \
            || hyperfine "${prepare[@]}" --runs "$n" --export-json "$work/h.json" "$cmd" >/dev/null
        # hyperfine's times are in seconds.
        tr -d '\n' < "$work/h.json" | grep -o '"times": *\[[^]]*\]' | tr -d '"times:[] ' | tr ',' '\n' \
            | awk 'NF { printf "%.0f\n", $1 * 1e9 }' | summary
    else
        local i start
        for ((i = 0; i < 3; i++)); do [ "$mode" = warm ] && sh -c "$cmd" >/dev/null 2>&1; done
        for ((i = 0; i < n; i++)); do
            [ "$mode" = cold ] && drop_caches
            start=$(now_ns)
            sh -c "$cmd" >/dev/null 2>&1
            echo $(($(now_ns) - start))
        done | summary
    fi
}

q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

echo "Measuring $db with $bin" >&2
printf '  %-58s %12s %12s\n' "what" "warm" "cold" >&2

# --- demo data ---------------------------------------------------------------------
if [ "$demo" -gt 0 ]; then
    for mode in warm cold; do
        [ "$mode" = cold ] && [ "$cold" = 0 ] && continue
        rm -f "$work"/demo.db*
        [ "$mode" = cold ] && drop_caches
        start=$(now_ns)
        "$bin" --db "$work/demo.db" demo --customers "$demo" >/dev/null
        eval "demo_$mode=\$(ms \$((\$(now_ns) - start)))"
        rm -f "$work"/demo.db*
    done
    row "rapport demo --customers $demo (new file)" "${demo_warm:--}" "${demo_cold:--}"
fi

# --- lookup --------------------------------------------------------------------------
digits=$("$bin" --db "$db" customer list --limit 1 --json | grep -o '"main_phone": *"[^"]*"' | head -1 \
    | sed 's/.*: *"//; s/"$//' | tr -cd '0-9')
last7=${digits: -7}
cold_runs=$((runs / 4 < 3 ? 3 : runs / 4))
for query in "$name" "$last7"; do
    [ -z "$query" ] && continue
    cmd="$(q "$bin") --db $(q "$db") lookup $(q "$query")"
    warm_t=$(time_command warm "$runs" "$cmd")
    cold_t=-
    [ "$cold" = 1 ] && cold_t=$(time_command cold "$cold_runs" "$cmd")
    row "rapport lookup \"$query\" (whole process)" "$warm_t" "$cold_t"
done

# --- the app in tmux -----------------------------------------------------------------
screen() { tmux -L "$socket" capture-pane -p -t app 2>/dev/null || true; }
# Each test reads the screen's text from its first argument.
first_frame() { [[ $1 =~ [^[:space:]] ]]; }
# The list's column header, then a row under it that is not a "loading…" notice.
list_rows() {
    awk '/NAME/ { h = NR } h && NR == h + 1 && /[[:alnum:]]/ && !/loading/ { ok = 1 } END { exit !ok }' <<< "$1"
}
# A stage column with its count, and no "loading…" left on screen.
pipeline_rows() { [[ $1 == *Pipeline* && $1 != *loading* ]] && grep -Eq '[[:alpha:]] \([0-9]+\)' <<< "$1"; }
# The follow-ups table's header (or its empty notice), and no "Loading…".
followup_rows() { [[ $1 != *Loading* ]] && grep -Eq 'DUE +CUSTOMER|Nothing due' <<< "$1"; }
# A KPI gauge, and no "Loading…".
kpi_rows() { [[ $1 != *Loading* && $1 == *"Revenue won"* ]]; }
# The lookup popup's count of matches ("50 matches (0.4 ms)"): the index answered.
lookup_rows() { grep -Eq '[0-9]+ match(es)? \(' <<< "$1"; }

# Starts the app at 80x24; the shell notes the time just before it becomes the app.
start_app() {
    tmux -L "$socket" kill-server 2>/dev/null || true
    rm -f "$work/started"
    tmux -L "$socket" -f /dev/null new-session -d -s app -x 80 -y 24 \
        "date +%s%N > $(q "$work/started"); RAPPORT_DB=$(q "$db") exec $(q "$bin")"
    tmux -L "$socket" set-option -t app remain-on-exit on >/dev/null
    while [ ! -s "$work/started" ]; do sleep 0.005; done
}
app_pid() { tmux -L "$socket" list-panes -t app -F '#{pane_pid}'; }
# Waits (up to 10 minutes) until the screen passes `test`; prints the time since start.
wait_screen() {
    local test=$1 since=$2 deadline=$(($(now_ns) + 600000000000))
    while :; do
        if $test "$(screen)"; then echo $(($(now_ns) - since)); return; fi
        [ "$(now_ns)" -gt "$deadline" ] && { echo "timeout"; return; }
        sleep 0.01
    done
}

for mode in warm cold; do
    [ "$mode" = cold ] && [ "$cold" = 0 ] && continue
    : > "$work/frame"; : > "$work/list"; : > "$work/pipeline"; : > "$work/followups"; : > "$work/kpis"
    # Warm: one more start first, which only warms the cache.
    total=$app_runs
    [ "$mode" = warm ] && total=$((app_runs + 1))
    for ((i = 0; i < total; i++)); do
        [ "$mode" = cold ] && drop_caches
        start_app
        t0=$(cat "$work/started")
        frame=$(wait_screen first_frame "$t0")
        list=$(wait_screen list_rows "$t0")
        pressed=$(now_ns)
        tmux -L "$socket" send-keys -t app 2
        pipeline=$(wait_screen pipeline_rows "$pressed")
        pressed=$(now_ns)
        tmux -L "$socket" send-keys -t app 3
        followups=$(wait_screen followup_rows "$pressed")
        pressed=$(now_ns)
        tmux -L "$socket" send-keys -t app 4
        kpis=$(wait_screen kpi_rows "$pressed")
        tmux -L "$socket" send-keys -t app q
        if [ "$mode" = cold ] || [ "$i" -gt 0 ]; then
            echo "$frame" >> "$work/frame"; echo "$list" >> "$work/list"; echo "$pipeline" >> "$work/pipeline"
            echo "$followups" >> "$work/followups"; echo "$kpis" >> "$work/kpis"
        fi
    done
    eval "frame_$mode=\$(grep -v timeout \"\$work/frame\" | summary)"
    eval "list_$mode=\$(grep -v timeout \"\$work/list\" | summary)"
    eval "pipeline_$mode=\$(grep -v timeout \"\$work/pipeline\" | summary)"
    eval "followups_$mode=\$(grep -v timeout \"\$work/followups\" | summary)"
    eval "kpis_$mode=\$(grep -v timeout \"\$work/kpis\" | summary)"
done
# The first lookup answer: `/` and the name typed the moment the first frame is up.
for mode in warm cold; do
    [ "$mode" = cold ] && [ "$cold" = 0 ] && continue
    : > "$work/lookup"
    total=$app_runs
    [ "$mode" = warm ] && total=$((app_runs + 1))
    for ((i = 0; i < total; i++)); do
        [ "$mode" = cold ] && drop_caches
        start_app
        t0=$(cat "$work/started")
        wait_screen first_frame "$t0" >/dev/null
        tmux -L "$socket" send-keys -t app /
        tmux -L "$socket" send-keys -t app -l "$name"
        answer=$(wait_screen lookup_rows "$t0")
        tmux -L "$socket" send-keys -t app Escape q
        if [ "$mode" = cold ] || [ "$i" -gt 0 ]; then echo "$answer" >> "$work/lookup"; fi
    done
    eval "lookup_$mode=\$(grep -v timeout \"\$work/lookup\" | summary)"
done
row "app: start to first frame" "${frame_warm:--}" "${frame_cold:--}"
row "app: start to customer list rows on screen" "${list_warm:--}" "${list_cold:--}"
row "app: \`2\` to pipeline pane with data" "${pipeline_warm:--}" "${pipeline_cold:--}"
row "app: then \`3\` to follow-ups with data" "${followups_warm:--}" "${followups_cold:--}"
row "app: then \`4\` to KPIs with data" "${kpis_warm:--}" "${kpis_cold:--}"
row "app: start to first lookup answer" "${lookup_warm:--}" "${lookup_cold:--}"

# Memory after a minute idle, then CPU while 8 processes write.
start_app
t0=$(cat "$work/started")
wait_screen list_rows "$t0" >/dev/null
pid=$(app_pid)
sleep "$idle"
hwm=$(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$pid/status")
rss=$(awk '/VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$pid/status")
row "app: peak resident memory after ${idle} s idle (now)" "$hwm ($rss)" "-"

if [ "$write" -gt 0 ]; then
    ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
    hz=$(getconf CLK_TCK)
    : > "$work/writes"
    # --force: these names are alike on purpose, and a likely duplicate is refused.
    run=$(date +%s)
    for w in 1 2 3 4 5 6 7 8; do
        (
            n=0
            end=$(($(now_ns) + write * 1000000000))
            while [ "$(now_ns)" -lt "$end" ]; do
                n=$((n + 1))
                "$bin" --db "$db" customer add --force --name "Measure writer $run-$w-$n" --tag measure >/dev/null 2>&1 \
                    && echo x >> "$work/writes"
            done
        ) &
    done
    before=$(ticks); t=$(now_ns)
    wait
    after=$(ticks); elapsed=$(($(now_ns) - t))
    cpu=$(awk -v d=$((after - before)) -v hz="$hz" -v ns="$elapsed" 'BEGIN { printf "%.1f %%", 100 * d / hz / (ns / 1e9) }')
    row "app: idle CPU while 8 processes write ($(wc -l < "$work/writes") adds in ${write} s)" "$cpu" "-"
fi
tmux -L "$socket" send-keys -t app q

if [ "$apps" -gt 0 ]; then
    # Each app in a window of its own, all at once, then a few seconds idle.
    tmux -L "$socket" kill-server 2>/dev/null || true
    for ((i = 0; i < apps; i++)); do
        if [ "$i" = 0 ]; then
            tmux -L "$socket" -f /dev/null new-session -d -s many -n a0 -x 80 -y 24 \
                "RAPPORT_DB=$(q "$db") exec $(q "$bin")"
        else
            tmux -L "$socket" new-window -t many -n "a$i" "RAPPORT_DB=$(q "$db") exec $(q "$bin")"
        fi
    done
    deadline=$(($(now_ns) + 600000000000))
    for ((i = 0; i < apps; i++)); do
        until list_rows "$(tmux -L "$socket" capture-pane -p -t "many:a$i" 2>/dev/null)"; do
            [ "$(now_ns)" -gt "$deadline" ] && break
            sleep 0.05
        done
    done
    sleep 10
    rss=0; pss=0
    for pid in $(tmux -L "$socket" list-panes -s -t many -F '#{pane_pid}'); do
        rss=$((rss + $(awk '/^Rss:/ { print $2 }' "/proc/$pid/smaps_rollup")))
        pss=$((pss + $(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")))
    done
    row "$apps apps open together: resident memory summed, RSS (PSS)" \
        "$((rss / 1024)) MB ($((pss / 1024)) MB)" "-"
    tmux -L "$socket" kill-server 2>/dev/null || true
fi

echo
echo "| what | warm | cold |"
echo "|---|---|---|"
for r in "${rows[@]}"; do
    IFS='|' read -r what warm coldv <<< "$r"
    echo "| $what | $warm | $coldv |"
done
