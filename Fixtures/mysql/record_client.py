#!/usr/bin/env python3
"""Client side of the MySQL fixture recordings (see record_fixtures.sh).

usage: record_client.py SCENARIO PORT
"""
import datetime
import decimal
import hashlib
import io
import os
import socket
import struct
import sys

SCENARIO, PORT = sys.argv[1], int(sys.argv[2])
USER, PASSWORD, DB = "gt", "gt-secret-pw", "gtdb"


def prepared():
    import mysql.connector
    cnx = mysql.connector.connect(host="127.0.0.1", port=PORT, user=USER, password=PASSWORD, database=DB,
                                  use_pure=True, charset="utf8mb4", collation="utf8mb4_general_ci")
    cur = cnx.cursor(prepared=True)
    cur.execute("INSERT INTO types_t (i, neg, big_u, f, d, dec_v, s, b, n, dt, dtm, tm, bo, y) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (42, -7, 18446744073709551615, 1.5, -2.25, decimal.Decimal("12345.678"),
                 "O'Reilly \"q\"\nline2 \\ end", b"\x00\x01bin\xff", None,
                 datetime.date(2024, 2, 29), datetime.datetime(2024, 3, 1, 13, 14, 15, 123456),
                 datetime.timedelta(hours=25, minutes=1, seconds=2), True, 2024))
    cur.execute("INSERT INTO types_t (i, s, dtm) VALUES (?, ?, ?)", (1, "plain", datetime.datetime(2020, 1, 2, 3, 4, 5)))
    cur.execute("INSERT INTO types_t (i, s) VALUES (?, ?)", (2, "two"))
    cur.execute("SELECT i, neg, big_u, f, d, dec_v, s, b, n, dt, dtm, tm, bo, y FROM types_t WHERE i >= ? ORDER BY i", (0,))
    cur.fetchall()
    cur.execute("SELECT s FROM types_t WHERE s = ?", ("it's -- not a comment ?",))
    cur.fetchall()
    cur.executemany("INSERT INTO types_t (i, s) VALUES (?, ?)", [(10, "ten"), (11, "eleven")])
    # A file-like parameter goes out as COM_STMT_SEND_LONG_DATA.
    cur.execute("INSERT INTO types_t (i, s) VALUES (?, ?)", (12, io.BytesIO(b"long data value")))
    try:
        cur.execute("INSERT INTO missing_table (x) VALUES (?)", (1,))
    except mysql.connector.Error:
        pass
    cur.close()
    cnx.cmd_reset_connection()
    cnx.cmd_change_user(username=USER, password=PASSWORD, database="otherdb")
    c2 = cnx.cursor()
    c2.execute("SELECT DATABASE()")
    c2.fetchall()
    cnx.cmd_statistics()
    cnx.close()


def text():
    import pymysql
    from pymysql.constants import CLIENT
    path = os.path.join(os.environ.get("GT_INFILE_DIR", "/tmp"), "gt-infile.csv")
    with open(path, "w") as f:
        f.write("100,alpha\n101,beta\n102,gamma\n")
    cnx = pymysql.connect(host="127.0.0.1", port=PORT, user=USER, password=PASSWORD, database=DB,
                          client_flag=CLIENT.MULTI_STATEMENTS, local_infile=True, program_name="gt-recorder")
    cur = cnx.cursor()
    cur.execute("INSERT INTO kv (k, v) VALUES ('a', 'one'), ('b', NULL)")
    cur.execute("UPDATE kv SET v = 'uno' WHERE k = 'a'")
    cur.execute("SELECT k, v FROM kv ORDER BY k")
    cur.fetchall()
    cur.execute("SELECT 1 AS one; SELECT 'x' AS b, NULL AS c; UPDATE kv SET v = v WHERE k = 'zz'")
    while cur.nextset():
        pass
    cur.execute("CALL two_sets()")
    while cur.nextset():
        pass
    for bad in ("SELECT * FROM no_such_table", "INSERT INTO kv (k, v) VALUES ('a', 'dup')"):
        try:
            cur.execute(bad)
        except pymysql.MySQLError:
            pass
    cur.execute(f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE kv FIELDS TERMINATED BY ',' (k, v)")
    cur.execute("SELECT COUNT(*) AS n FROM kv")
    cur.fetchall()
    cur.execute("SELECT REPEAT('z', 3000) AS wide")
    cur.fetchall()
    cur.execute("SELECT seq FROM seq_1_to_250")
    cur.fetchall()
    cnx.select_db("otherdb")
    cnx.ping()
    cur.execute("USE gtdb")
    cur.execute("SELECT 'kill me' AS k")
    cur.fetchall()
    cnx.close()


def large():
    import pymysql
    cnx = pymysql.connect(host="127.0.0.1", port=PORT, user=USER, password=PASSWORD, database=DB,
                          max_allowed_packet=64 * 1024 * 1024)
    cur = cnx.cursor()
    blob = b"G" * (17 * 1024 * 1024 + 5)
    cur.execute("INSERT INTO blobs (id, data) VALUES (1, %s)", (blob,))
    cur.execute("SELECT id, LENGTH(data) AS len FROM blobs")
    cur.fetchall()
    cur.execute("SELECT data FROM blobs WHERE id = 1")
    cur.fetchall()
    cnx.close()


def rows():
    """A large result set: 50,000 rows over many TCP segments (live test only)."""
    import pymysql
    cnx = pymysql.connect(host="127.0.0.1", port=PORT, user=USER, password=PASSWORD, database=DB)
    cur = cnx.cursor()
    cur.execute("SELECT seq, CONCAT('row-', seq) AS label, REPEAT('r', seq % 100) AS pad FROM seq_1_to_50000")
    assert len(cur.fetchall()) == 50000
    cnx.close()


def compressed():
    import mysql.connector
    cnx = mysql.connector.connect(host="127.0.0.1", port=PORT, user=USER, password=PASSWORD, database=DB,
                                  use_pure=True, compress=True)
    cur = cnx.cursor()
    cur.execute("SELECT seq, CONCAT('row ', seq) AS label FROM seq_1_to_400")
    cur.fetchall()
    cur.execute("INSERT INTO kv (k, v) VALUES ('c1', REPEAT('abc', 30000))")
    cur.execute("SELECT v FROM kv WHERE k = 'c1'")
    cur.fetchall()
    try:
        cur.execute("SELECT * FROM no_such_table")
    except mysql.connector.Error:
        pass
    pc = cnx.cursor(prepared=True)
    pc.execute("SELECT ? + 1 AS plus, ? AS txt", (41, "compressed"))
    pc.fetchall()
    pc.close()
    cnx.close()


# A minimal client that negotiates CLIENT_DEPRECATE_EOF (no Python connector does).
def deprecate_eof():
    s = socket.create_connection(("127.0.0.1", PORT))
    buf = b""

    def read_packet():
        nonlocal buf
        while len(buf) < 4 or len(buf) < 4 + int.from_bytes(buf[:3], "little"):
            chunk = s.recv(65536)
            if not chunk:
                raise EOFError
            buf += chunk
        n = int.from_bytes(buf[:3], "little")
        seq, payload, buf = buf[3], buf[4:4 + n], buf[4 + n:]
        return seq, payload

    def send(seq, payload):
        s.sendall(len(payload).to_bytes(3, "little") + bytes([seq]) + payload)

    _, greet = read_packet()
    pos = greet.index(0, 1) + 1 + 4
    salt = greet[pos:pos + 8]
    pos += 8 + 1 + 2 + 1 + 2 + 2
    auth_len = greet[pos]
    pos += 1 + 10
    salt += greet[pos:pos + max(13, auth_len - 8) - 1]
    h1 = hashlib.sha1(PASSWORD.encode()).digest()
    scramble = bytes(a ^ b for a, b in zip(h1, hashlib.sha1(salt + hashlib.sha1(h1).digest()).digest()))
    flags = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 9) | (1 << 13) | (1 << 15) | (1 << 16) | (1 << 17) \
        | (1 << 19) | (1 << 21) | (1 << 23) | (1 << 24)
    resp = struct.pack("<IIB", flags, 1 << 24, 45) + b"\x00" * 23 + USER.encode() + b"\x00" \
        + bytes([len(scramble)]) + scramble + DB.encode() + b"\x00" + b"mysql_native_password\x00"
    send(1, resp)
    read_packet()

    def query(sql):
        send(0, b"\x03" + sql.encode())
        while True:
            seq, p = read_packet()
            if p[0] == 0xFF:
                return
            if p[0] == 0x00:
                status = int.from_bytes(p[3:5], "little") if len(p) >= 5 else 0
                ok = p
                # affected rows / insert id are length-encoded; small values are one byte each
                status = int.from_bytes(ok[3:5], "little")
                if status & 8:
                    continue
                return
            # result set: column count, definitions, rows, then an OK packet starting 0xFE
            count = p[0]
            for _ in range(count):
                read_packet()
            while True:
                _, r = read_packet()
                if r[0] == 0xFE and len(r) < 0xFFFFFF:
                    status = int.from_bytes(r[3:5], "little")
                    break
            if not status & 8:
                return

    query("SELECT k, v FROM kv ORDER BY k")
    query("SELECT k FROM kv WHERE 1 = 0")
    query("SELECT 1 AS a; SELECT 2 AS b")
    query("UPDATE kv SET v = 'deprecated' WHERE k = 'a'")
    query("SELECT nope FROM kv")
    send(0, b"\x01")
    s.close()


{"prepared": prepared, "text": text, "large": large, "compressed": compressed,
 "deprecate_eof": deprecate_eof, "rows": rows}[SCENARIO]()
