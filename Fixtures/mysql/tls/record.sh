#!/bin/bash
# Records the MySQL-over-TLS fixtures (recording time only; CI reads the committed files).
# A throw-away MariaDB with a fresh self-signed certificate on 127.0.0.1:$PORT (default 3316,
# since 3306 is often taken); PyMySQL connects with an SSLRequest, so the TLS handshake starts
# inside the MySQL connection phase; Python's ssl module logs the session keys.
# Needs: mariadb-server tcpdump openssl tshark python3-pymysql. Run as root from this folder.
set -euo pipefail
cd "$(dirname "$0")"
PORT=${PORT:-3316}
WORK=$(mktemp -d /tmp/gt-mysqltls-rec.XXXX)
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=glancetrace-mysql-test" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
mariadb-install-db --datadir="$WORK/data" --user=root --auth-root-authentication-method=socket >/dev/null
mariadbd --datadir="$WORK/data" --user=root --socket="$WORK/sock" --port="$PORT" --bind-address=127.0.0.1 \
    --ssl-cert="$WORK/cert.pem" --ssl-key="$WORK/key.pem" \
    --general-log --general-log-file="$WORK/general.log" \
    --skip-log-bin --skip-name-resolve --innodb-log-file-size=8M --pid-file="$WORK/pid" >"$WORK/err.log" 2>&1 &
trap 'kill "$(cat "$WORK/pid")" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -S "$WORK/sock" ] && break; sleep 0.2; done
mariadb -S "$WORK/sock" -u root <<'SQL'
CREATE DATABASE gtdb; CREATE DATABASE otherdb;
CREATE USER 'gt'@'127.0.0.1' IDENTIFIED BY 'gt-secret-pw';
GRANT ALL ON *.* TO 'gt'@'127.0.0.1';
SQL
for version in tls13 tls12; do
    tcpdump -B 524288 -i lo -w "$WORK/$version.pcap" -s 0 "tcp port $PORT" >/dev/null 2>&1 &
    TCPDUMP=$!
    sleep 1
    START=$(wc -l <"$WORK/general.log")
    rm -f "$WORK/$version.keylog"
    python3 client.py "$PORT" "$WORK/$version.keylog" "$version" "$WORK/cert.pem"
    sleep 1
    kill "$TCPDUMP"; wait "$TCPDUMP" || true
    tail -n +"$((START + 1))" "$WORK/general.log" >"$version.general.log"
    cp "$WORK/$version.pcap" "$version.pcap"
    cp "$WORK/$version.keylog" "$version.keylog"
    python3 extract_plaintext.py "$version.pcap" "$version.keylog" "$PORT" "$version.plaintext.chunks.gz"
done
echo "recorded in $WORK (port $PORT)"
