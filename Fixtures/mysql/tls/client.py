"""One PyMySQL session over TLS for the MySQL-over-TLS fixtures (run by record.sh).

usage: client.py PORT KEYLOG tls13|tls12 CAFILE
Python's ssl module writes the session's secrets to KEYLOG (NSS key log format), which is
what lets glancetrace and tshark decrypt the capture.
"""
import ssl
import sys

import pymysql

port, keylog, version, cafile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=cafile)
ctx.check_hostname = False  # the throw-away certificate names no host
ctx.keylog_filename = keylog
if version == "tls12":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    # ECDHE-RSA-AES128-GCM-SHA256: a TLS 1.2 suite other than the TLS 1.3 one's AES-256.
    ctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")

conn = pymysql.connect(host="127.0.0.1", port=port, user="gt", password="gt-secret-pw",
                       database="gtdb", ssl=ctx, autocommit=True)
table = f"t_{version}"
with conn.cursor() as cur:
    cur.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64), body TEXT)")
    cur.execute(f"INSERT INTO {table} (name, body) VALUES ('alpha', 'first'), ('beta', 'second')")
    # A row larger than one TLS record (16 KiB): MySQL packets span records.
    cur.execute(f"INSERT INTO {table} (name, body) VALUES ('big', REPEAT('x', 40000))")
    cur.execute(f"SELECT id, name FROM {table} ORDER BY id")
    cur.execute(f"SELECT LENGTH(body), body FROM {table} WHERE name = 'big'")
    try:
        cur.execute("SELECT * FROM no_such_table")
    except pymysql.err.ProgrammingError:
        pass
    cur.execute(f"UPDATE {table} SET body = 'changed' WHERE name = 'alpha'")
    conn.select_db("otherdb")
    cur.execute("SELECT DATABASE() AS db")
conn.close()
