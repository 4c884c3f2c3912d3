#!/usr/bin/env bash
# Native reader vs libpcap's pcap_next_ex loop on generated multi-GB captures (not expected
# values: the CaptureIO reader benchmark, kept next to its tests' fixtures).
#
#   Fixtures/expected/capture/reader-bench/run.sh [WORKDIR]
#
# Builds CaptureIO in release, links bench.swift against it with swiftc, generates a 2.1 GB pcap
# of real records and a 1.2 GB pcap of small packets (plus its pcapng and gzip forms) in WORKDIR
# (default /tmp/captureio-bench), times each reader three times in three modes (count: lengths
# only; head: first 64 bytes of each packet; all: every byte), prints median CPU time
# (task-clock: the machine may be shared) and the peak RSS, then deletes the generated files.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
work="${1:-/tmp/captureio-bench}"
mkdir -p "$work"
trap 'rm -f "$work"/*.pcap "$work"/*.pcapng "$work"/*.gz' EXIT
(cd "$root" && swift build -c release --target CaptureIO >/dev/null)
R="$root/.build/release"
swiftc -O -parse-as-library -I "$R/Modules" -I "$root/Sources/CPcap" -I "$root/Sources/CZlib" \
    "$here/bench.swift" "$R"/CaptureIO.build/*.o -lpcap -lz -o "$work/bench"
python3 "$here/gen-capture.py" real "$work/real.pcap" 2.1 "$root/../shared/captures/a-seed/capture.pcap"
python3 "$here/gen-capture.py" small "$work/small.pcap" 1.2
editcap -F pcapng "$work/small.pcap" "$work/small.pcapng"
gzip -1 -c "$work/small.pcap" > "$work/small.pcap.gz"
cpu() { perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}'; }
for f in real.pcap small.pcap small.pcapng small.pcap.gz; do
    for m in count head all; do
        for k in native libpcap; do
            [ "$k" = libpcap ] && [ "${f%.gz}" != "$f" ] && continue
            times=$(for i in 1 2 3; do cpu "$work/bench" "$k" "$work/$f" "$m"; done | sort -n | sed -n 2p)
            rss=$(/usr/bin/time -f %M "$work/bench" "$k" "$work/$f" "$m" 2>&1 >/dev/null | tail -1)
            printf '%-14s %-6s %-8s %8.0f ms CPU  %6d KB peak RSS\n' "$f" "$m" "$k" "$times" "$rss"
        done
    done
done
