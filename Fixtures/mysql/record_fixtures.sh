#!/bin/bash
# Records MySQL captures against a throw-away MariaDB: real clients drive the server on
# 127.0.0.1 while tcpdump captures loopback; the server's general query log is the truth.
# Needs: mariadb-server tcpdump python3 with PyMySQL and mysql-connector-python (tshark too
# when extracting .chunks.gz). Run as root.
#
# usage: record_fixtures.sh          re-record the committed fixtures in this folder
#        record_fixtures.sh OUT      record into OUT only (the live-server test): every
#                                    SCENARIO.pcap and its whole SCENARIO.general.log;
#                                    nothing is written into this folder
# environment:
#   PORT       server port (default 3306; a test picks a free one)
#   SCENARIOS  space-separated (default: prepared text large compressed deprecate_eof cli;
#              record_client.py also has "rows", a 50,000-row result set)
#   PYTHON     interpreter that has pymysql and mysql.connector (default python3)
#   EXTRACT    1: write SCENARIO.chunks.gz with extract_streams.py (default 1, with OUT 0)
#   LOG_CUT    general-log lines longer than this are cut and marked " [cut]" (default 4000,
#              with OUT 0 = never)
#   STEP_LIMIT seconds one client may run before it is killed (default 120)
#   BUFFER_KIB tcpdump's capture buffer (default 524288; the kernel zeroes it at every start,
#              about 1 s for 512 MiB, far longer when memory is tight)
# The server and tcpdump are stopped on every exit (failure, timeout, SIGTERM too).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=${PORT:-3306}
SCENARIOS=${SCENARIOS:-prepared text large compressed deprecate_eof cli}
PYTHON=${PYTHON:-python3}
STEP_LIMIT=${STEP_LIMIT:-120}
BUFFER_KIB=${BUFFER_KIB:-524288}
if [ $# -ge 1 ]; then
    OUT=$(mkdir -p "$1" && cd "$1" && pwd)
    WORK="$OUT/server"
    mkdir -p "$WORK"
    EXTRACT=${EXTRACT:-0}
    LOG_CUT=${LOG_CUT:-0}
else
    OUT=$HERE
    WORK=$(mktemp -d /tmp/gt-mysql-rec.XXXX)
    EXTRACT=${EXTRACT:-1}
    LOG_CUT=${LOG_CUT:-4000}
fi
# The LOAD DATA LOCAL file of the "text" scenario.
export GT_INFILE_DIR=${GT_INFILE_DIR:-$WORK}

SERVER=""
TCPDUMP=""
CLIENT=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$CLIENT" ]; then kill "$CLIENT" 2>/dev/null || true; fi
    if [ -n "$TCPDUMP" ]; then kill "$TCPDUMP" 2>/dev/null || true; fi
    if [ -n "$SERVER" ]; then
        kill "$SERVER" 2>/dev/null || true
        # A clean shutdown takes a second or two; never leave the server behind.
        for _ in $(seq 100); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER" 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    if [ "$status" -ne 0 ]; then
        echo "record_fixtures.sh: failed (status $status); server log:" >&2
        tail -n 20 "$WORK/err.log" >&2 2>/dev/null || true
    fi
    # With OUT the server's files are scratch: only the captures and logs are wanted.
    if [ "$OUT" != "$HERE" ]; then rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# Runs a client in the background under a time limit; `wait` lets a SIGTERM in at once.
# (`0<&0`: a background job would otherwise read /dev/null instead of our stdin.)
bounded() {
    timeout -k 10 "$STEP_LIMIT" "$@" 0<&0 &
    CLIENT=$!
    wait "$CLIENT"
    CLIENT=""
}

mariadb-install-db --datadir="$WORK/data" --user=root --auth-root-authentication-method=socket >/dev/null
mariadbd --datadir="$WORK/data" --user=root --socket="$WORK/sock" --port="$PORT" \
    --bind-address=127.0.0.1 --general-log --general-log-file="$WORK/general.log" --max-allowed-packet=64M \
    --local-infile=1 --skip-log-bin --skip-name-resolve --innodb-log-file-size=8M --pid-file="$WORK/pid" \
    >"$WORK/err.log" 2>&1 &
SERVER=$!
for _ in $(seq 150); do
    [ -S "$WORK/sock" ] && break
    kill -0 "$SERVER" 2>/dev/null || { echo "mariadbd exited at start" >&2; exit 1; }
    sleep 0.2
done
[ -S "$WORK/sock" ] || { echo "mariadbd did not start within 30 s" >&2; exit 1; }
bounded mariadb -S "$WORK/sock" -u root <<'SQL'
CREATE DATABASE gtdb; CREATE DATABASE otherdb;
CREATE USER 'gt'@'127.0.0.1' IDENTIFIED BY 'gt-secret-pw';
GRANT ALL ON *.* TO 'gt'@'127.0.0.1';
INSTALL SONAME 'auth_ed25519';
CREATE USER 'gted'@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD('gt-ed-pw');
GRANT ALL ON *.* TO 'gted'@'127.0.0.1';
USE gtdb;
CREATE TABLE types_t (i INT, neg SMALLINT, big_u BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec_v DECIMAL(10,3),
  s VARCHAR(100), b VARBINARY(20), n INT, dt DATE, dtm DATETIME(6), tm TIME, bo TINYINT, y YEAR);
CREATE TABLE kv (k VARCHAR(10) PRIMARY KEY, v LONGTEXT);
CREATE TABLE blobs (id INT PRIMARY KEY, data LONGBLOB);
DELIMITER //
CREATE PROCEDURE two_sets() BEGIN SELECT 1 AS first_set; SELECT 'two' AS second_set, 2 AS n; END//
DELIMITER ;
SQL
for scenario in $SCENARIOS; do
    PCAP="$WORK/$scenario.pcap"
    if [ "$OUT" != "$HERE" ]; then PCAP="$OUT/$scenario.pcap"; fi
    # One file per scenario: the background job truncates its file only when it gets to run,
    # so a shared one could still say "listening on" from the previous scenario.
    TCPDUMP_ERR="$WORK/$scenario.tcpdump.err"
    tcpdump -B "$BUFFER_KIB" -i lo -w "$PCAP" -s 0 "tcp port $PORT" >/dev/null 2>"$TCPDUMP_ERR" &
    TCPDUMP=$!
    # Capturing starts once tcpdump says it is listening.
    for _ in $(seq 300); do
        grep -q "listening on" "$TCPDUMP_ERR" 2>/dev/null && break
        kill -0 "$TCPDUMP" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q "listening on" "$TCPDUMP_ERR"; then
        cat "$TCPDUMP_ERR" >&2
        if kill -0 "$TCPDUMP" 2>/dev/null; then
            echo "tcpdump did not start within 30 s" >&2
        else
            wait "$TCPDUMP" && STATUS=0 || STATUS=$?
            echo "tcpdump exited at start (status $STATUS)" >&2
            TCPDUMP=""
        fi
        exit 1
    fi
    START=$(wc -l <"$WORK/general.log")
    if [ "$scenario" = cli ]; then
        # The C client: compressed protocol, ed25519 auth (an auth switch), COM_FIELD_LIST on USE.
        bounded mariadb -h 127.0.0.1 -P "$PORT" -u gted -pgt-ed-pw --compress --force gtdb \
            -e "SELECT 1 AS x; USE otherdb; SELECT nothing; SELECT 'end' AS e" >/dev/null 2>&1 || true
        bounded mariadb-admin -h 127.0.0.1 -P "$PORT" -u gt -pgt-secret-pw status >/dev/null
    else
        bounded "$PYTHON" "$HERE/record_client.py" "$scenario" "$PORT"
    fi
    # The last packets (Quit, FINs) reach tcpdump and the general log.
    sleep 1
    kill "$TCPDUMP"
    wait "$TCPDUMP" || true
    TCPDUMP=""
    # tcpdump's own count of packets the kernel dropped (the test also checks for TCP gaps).
    grep "dropped by kernel" "$TCPDUMP_ERR" | sed "s/^/$scenario: /" >&2 || true
    # Lines over LOG_CUT bytes (the 17 MB blob) are cut and marked " [cut]".
    tail -n +"$((START + 1))" "$WORK/general.log" | LOG_CUT=$LOG_CUT "$PYTHON" -c '
import os, sys
cut = int(os.environ["LOG_CUT"])
for line in sys.stdin.buffer:
    line = line.rstrip(b"\n")
    sys.stdout.buffer.write((line[:cut] + b" [cut]" if 0 < cut < len(line) else line) + b"\n")' >"$OUT/$scenario.general.log"
    if [ "$EXTRACT" = 1 ]; then "$PYTHON" "$HERE/extract_streams.py" "$PCAP" "$OUT/$scenario.chunks.gz" "$PORT"; fi
    if [ "$OUT" = "$HERE" ]; then
        SIZE=$(stat -c %s "$PCAP")
        if [ "$SIZE" -lt 300000 ]; then cp "$PCAP" "$OUT/$scenario.pcap"; fi
    fi
done
echo "recorded in $OUT (server files in $WORK)"
