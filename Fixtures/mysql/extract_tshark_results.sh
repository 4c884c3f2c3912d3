#!/bin/bash
# tshark's view of every OK and ERR packet (stream, affected rows, error code), the
# independent truth for the decoder's results. usage: extract_tshark_results.sh CAPTURE OUT
set -euo pipefail
tshark -r "$1" -Y "mysql.affected_rows || mysql.error_code" -T fields -E separator=' ' \
    -e tcp.stream -e mysql.affected_rows -e mysql.error_code >"$2"
