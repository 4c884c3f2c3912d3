"""One TLS 1.3 HTTP upload over loopback for the TLS benchmark (Benchmarks/tls-upload).

A Python ssl server on 127.0.0.1:PORT reads a PUT .../file body of SIZE bytes and answers 204;
the client writes its session secrets to keys.log (as SSLKEYLOGFILE does) in the current folder.
Usage: tls_upload_client.py SIZE [PORT]
"""
import socket, ssl, sys, threading, os
SIZE = int(sys.argv[1]); PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 14443
def server():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain("cert.pem", "key.pem")
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", PORT)); s.listen(1)
    c, _ = s.accept(); t = ctx.wrap_socket(c, server_side=True)
    buf = b""
    while b"\r\n\r\n" not in buf: buf += t.recv(65536)
    head, rest = buf.split(b"\r\n\r\n", 1); got = len(rest)
    while got < SIZE:
        d = t.recv(1 << 20)
        if not d: break
        got += len(d)
    t.sendall(b"HTTP/1.1 204 No Content\r\n\r\n"); t.close()
th = threading.Thread(target=server); th.start()
import time; time.sleep(0.3)
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
ctx.keylog_filename = "keys.log"
c = ctx.wrap_socket(socket.create_connection(("127.0.0.1", PORT)), server_hostname="glance.test")
c.sendall(b"PUT /v2/images/4f0c0a3b-1a1e-4f6e-9d8e-0c7c1f6a2b11/file HTTP/1.1\r\nHost: glance.test\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % SIZE)
block = os.urandom(1 << 20); sent = 0
while sent < SIZE:
    n = min(len(block), SIZE - sent); c.sendall(block[:n]); sent += n
print(c.recv(100)); c.close(); th.join()
