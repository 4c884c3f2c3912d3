#!/usr/bin/env bash
# Records what tshark reports for every pcapng conformance file, the truth the CaptureIO tests
# check the native reader against (Tests/CaptureIOTests/ConformanceTests.swift).
#
# Output: conformance/<le|be>/<category>/<test>.tsv, tshark's own fields unchanged, one line per
# record: frame.time_epoch (seconds, 9 decimals; empty when the block has no time), frame.len,
# frame.cap_len, frame.interface_id (section-relative; empty for custom blocks, which tshark 4.0
# lists as records but are not packets).
#
# Run from anywhere: Fixtures/expected/capture/record.sh [path/to/shared/conformance/pcapng]
# Review the diff before committing: these are expected values.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${1:-$here/../../../../shared/conformance/pcapng}"
command -v tshark >/dev/null || { echo "tshark is not installed" >&2; exit 1; }
tshark --version | head -1 > "$here/conformance/TSHARK_VERSION" 2>/dev/null || true
for f in "$src"/{le,be}/{basic,advanced,difficult}/*.pcapng; do
    rel="${f#"$src"/}"
    out="$here/conformance/${rel%.pcapng}.tsv"
    mkdir -p "$(dirname "$out")"
    TZ=UTC tshark -r "$f" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len -e frame.interface_id \
        2>/dev/null > "$out"
done
echo "recorded $(ls "$here"/conformance/*/*/*.tsv | wc -l) files"
