#!/bin/bash
# Records the MySQL fixture captures against a throw-away MariaDB (recording time only; CI
# reads the committed outputs). Needs: mariadb-server tcpdump tshark python3 PyMySQL
# mysql-connector-python. Run as root from this folder.
set -euo pipefail
cd "$(dirname "$0")"
PORT=${PORT:-3306}
WORK=$(mktemp -d /tmp/gt-mysql-rec.XXXX)
mariadb-install-db --datadir="$WORK/data" --user=root --auth-root-authentication-method=socket >/dev/null
mariadbd --datadir="$WORK/data" --user=root --socket="$WORK/sock" --port="$PORT" --bind-address=127.0.0.1 \
    --general-log --general-log-file="$WORK/general.log" --max-allowed-packet=64M --local-infile=1 \
    --skip-log-bin --skip-name-resolve --innodb-log-file-size=8M --pid-file="$WORK/pid" >"$WORK/err.log" 2>&1 &
trap 'kill "$(cat "$WORK/pid")" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -S "$WORK/sock" ] && break; sleep 0.2; done
mariadb -S "$WORK/sock" -u root <<'SQL'
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
for scenario in prepared text large compressed deprecate_eof cli; do
    tcpdump -B 524288 -i lo -w "$WORK/$scenario.pcap" -s 0 "tcp port $PORT" >/dev/null 2>&1 &
    TCPDUMP=$!
    sleep 1
    : >"$WORK/general.log.mark"
    START=$(wc -l <"$WORK/general.log")
    if [ "$scenario" = cli ]; then
        # The C client: compressed protocol, ed25519 auth (an auth switch), COM_FIELD_LIST on USE.
        mariadb -h 127.0.0.1 -P "$PORT" -u gted -pgt-ed-pw --compress --force gtdb \
            -e "SELECT 1 AS x; USE otherdb; SELECT nothing; SELECT 'end' AS e" >/dev/null 2>&1 || true
        mariadb-admin -h 127.0.0.1 -P "$PORT" -u gt -pgt-secret-pw status >/dev/null
    else
        python3 record_client.py "$scenario" "$PORT"
    fi
    sleep 1
    kill "$TCPDUMP"; wait "$TCPDUMP" || true
    # Lines over 4000 bytes (the 17 MB blob) are cut and marked " [cut]".
    tail -n +"$((START + 1))" "$WORK/general.log" | python3 -c '
import sys
for line in sys.stdin.buffer:
    line = line.rstrip(b"\n")
    sys.stdout.buffer.write((line[:4000] + b" [cut]" if len(line) > 4000 else line) + b"\n")' >"$scenario.general.log"
    python3 extract_streams.py "$WORK/$scenario.pcap" "$scenario.chunks.gz" "$PORT"
    SIZE=$(stat -c %s "$WORK/$scenario.pcap")
    if [ "$SIZE" -lt 300000 ]; then cp "$WORK/$scenario.pcap" "$scenario.pcap"; fi
done
echo "recorded in $WORK"
