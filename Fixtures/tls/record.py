#!/usr/bin/env python3
"""Records the TLS fixtures of Tests/TLSDecodingTests on the loopback interface.

Each scenario runs a Python `ssl` server and a Python `ssl` (or `openssl s_client`) client
speaking HTTP/1.1 over TLS while dumpcap captures; both sides log their keys (NSS key log).
For each scenario it writes:
  NAME.pcap            the capture (pcap, loopback)
  NAME.keylog          the NSS key log
and scenarios.json with, per connection, the handshake facts it must show and the length and
SHA-256 of what the client and the server application wrote (the expected plaintext of each
direction). It checks that tshark's TLS decryption of every connection equals what was written
before it finishes (for the s_server scenario, where the script does not write the response
itself, tshark's decryption is the truth recorded).

Run as root from this folder: python3 record.py   (needs dumpcap, tshark, openssl)
The certificate and key in this folder are test-only and were made by `make_certificate()`.
"""
import hashlib, json, os, socket, ssl, subprocess, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
CERT, KEY = os.path.join(HERE, "server-cert.pem"), os.path.join(HERE, "server-key.pem")
HOST = "glance.test"
MSS = 1200  # small segments so records straddle packets, as on a real network


def make_certificate():
    if os.path.exists(CERT):
        return
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", KEY, "-out", CERT,
                    "-days", "3650", "-subj", "/C=US/O=Glancetrace Test/CN=glance.test",
                    "-addext", "subjectAltName=DNS:glance.test,IP:127.0.0.1"], check=True, capture_output=True)


def body(n, seed):
    return bytes((seed * 7 + i * 13 + (i >> 8)) % 251 for i in range(n))


def requests_for(n):
    """HTTP/1.1 requests like a Glance client's: a GET, a PUT with an image chunk, a closing GET."""
    out = [b"GET /v2/images?limit=5 HTTP/1.1\r\nHost: glance.test\r\nAccept: application/json\r\n\r\n",
           b"PUT /v2/images/4f0c0a3b-1a1e-4f6e-9d8e-0c7c1f6a2b11/file HTTP/1.1\r\nHost: glance.test\r\n"
           b"Content-Type: application/octet-stream\r\nContent-Length: 3000\r\n\r\n" + body(3000, n)]
    out.append(b"GET /v2/images/4f0c0a3b-1a1e-4f6e-9d8e-0c7c1f6a2b11 HTTP/1.1\r\nHost: glance.test\r\n"
               b"Connection: close\r\n\r\n")
    return out


def response_for(request, index):
    payload = body(17000 if index == 0 else 300, index + 3)  # > 2^14: two records
    close = b"Connection: close\r\n" if b"Connection: close" in request else b""
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n" % len(payload)
            + close + b"\r\n" + payload)


def read_request(conn, pending):
    while b"\r\n\r\n" not in pending:
        data = conn.recv(65536)
        if not data:
            return None, pending
        pending += data
    head, rest = pending.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            return None, pending
        rest += data
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


def small_mss_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, MSS)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return s


class Server(threading.Thread):
    def __init__(self, port, ctx, connections):
        super().__init__(daemon=True)
        self.ctx, self.connections, self.sent = ctx, connections, []
        self.listener = small_mss_socket()
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(5)

    def run(self):
        for _ in range(self.connections):
            raw, _ = self.listener.accept()
            conn = self.ctx.wrap_socket(raw, server_side=True)
            sent, pending, index = b"", b"", 0
            while True:
                request, pending = read_request(conn, pending)
                if request is None:
                    break
                response = response_for(request, index)
                conn.sendall(response)
                sent += response
                index += 1
                if b"Connection: close" in request:
                    break
            try:
                conn.unwrap()  # close_notify
            except (ssl.SSLError, OSError):
                pass
            raw.close()
            self.sent.append(sent)
        self.listener.close()


def python_client(port, ctx, session=None):
    raw = small_mss_socket()
    raw.connect(("127.0.0.1", port))
    conn = ctx.wrap_socket(raw, server_hostname=HOST, session=session)
    sent = b""
    for request in requests_for(port):
        conn.sendall(request)
        sent += request
        head = b""
        while b"\r\n\r\n" not in head:
            head += conn.recv(65536)
        header, rest = head.split(b"\r\n\r\n", 1)
        length = int([l for l in header.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
        while len(rest) < length:
            rest += conn.recv(65536)
    session = conn.session
    try:
        conn.unwrap()
    except (ssl.SSLError, OSError):
        pass
    raw.close()
    return sent, session


def s_client(port, keylog, extra, key_update, requests=None):
    """openssl s_client: interactive mode so that a line "k" sends a TLS 1.3 KeyUpdate."""
    args = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", HOST, "-alpn", "http/1.1",
            "-keylogfile", keylog, "-no_ign_eof"] + extra
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    sent = b""
    time.sleep(0.7)
    for i, request in enumerate(requests or requests_for(port)):
        if key_update and i == 1:
            proc.stdin.write(b"k\n")  # s_client command: KeyUpdate, not sent as data
            proc.stdin.flush()
            time.sleep(0.5)
        proc.stdin.write(request)
        proc.stdin.flush()
        sent += request
        time.sleep(0.5)
    time.sleep(0.5)
    proc.stdin.close()
    proc.wait(timeout=10)
    return sent


def contexts(server_options, client_options):
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(CERT, KEY)
    server.set_alpn_protocols(["http/1.1"])
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    client.set_alpn_protocols(["http/1.1"])
    server_options(server)
    client_options(client)
    return server, client


def tls12(ciphers, no_etm=False):
    def configure(ctx):
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(ciphers)
        if no_etm:
            ctx.options |= 0x00080000  # SSL_OP_NO_ENCRYPT_THEN_MAC
    return configure


def nothing(ctx):
    pass


def capture(name, port, action):
    pcap = os.path.join(HERE, name + ".pcap")
    dumpcap = subprocess.Popen(["dumpcap", "-q", "-P", "-i", "lo", "-f", "tcp port %d" % port, "-w", pcap],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    try:
        result = action()
    finally:
        time.sleep(1.0)
        dumpcap.terminate()
        dumpcap.wait()
    return pcap, result


def tshark_plaintext(pcap, keylog, stream, port):
    out = subprocess.run(["tshark", "-r", pcap, "-o", "tls.keylog_file:" + keylog, "-q",
                          "-z", "follow,tls,raw,%d" % stream], check=True, capture_output=True, text=True).stdout
    data = {"c": b"", "s": b""}
    # Unindented lines come from "Node 0", indented ones from the other side.
    node0 = "c"
    for line in out.splitlines():
        if line.startswith("Node 0:"):
            node0 = "s" if line.rsplit(":", 1)[1].strip() == str(port) else "c"
        if not line.strip() or line.startswith(("Follow:", "Filter:", "Node ", "=")):
            continue
        indented = line.startswith("\t")
        data[("s" if node0 == "c" else "c") if indented else node0] += bytes.fromhex(line.strip())
    return data


def scenario(name, port, server_options=nothing, client_options=nothing, runner=None, facts=(), s_server=None):
    keylog = os.path.join(HERE, name + ".keylog")
    if os.path.exists(keylog):
        os.remove(keylog)
    server_ctx, client_ctx = contexts(server_options, client_options)
    server_ctx.keylog_filename = keylog
    if s_server is None:
        server = Server(port, server_ctx, len(facts))
        server.start()
    else:
        server = subprocess.Popen(["openssl", "s_server", "-accept", str(port), "-cert", CERT, "-key", KEY,
                                   "-keylogfile", keylog, "-www", "-naccept", "1"] + s_server,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server.sent = [None]
    pcap, client_sent = capture(name, port, lambda: runner(port, client_ctx, keylog))
    if s_server is None:
        server.join(timeout=10)
    else:
        server.wait(timeout=10)
        client_sent = [None]
    connections = []
    for stream, (expected, client_bytes, server_bytes) in enumerate(zip(facts, client_sent, server.sent)):
        decrypted = tshark_plaintext(pcap, keylog, stream, port)
        if client_bytes is None:  # openssl s_server wrote the response: tshark is the truth
            client_bytes, server_bytes = decrypted["c"], decrypted["s"]
        assert decrypted["c"] == client_bytes, "%s %d: tshark client plaintext differs" % (name, stream)
        assert decrypted["s"] == server_bytes, "%s %d: tshark server plaintext differs" % (name, stream)
        connections.append(dict(expected, stream=stream, client_length=len(client_bytes),
                                client_sha256=hashlib.sha256(client_bytes).hexdigest(),
                                server_length=len(server_bytes),
                                server_sha256=hashlib.sha256(server_bytes).hexdigest()))
    print(name, "ok", os.path.getsize(pcap), "bytes")
    return {"name": name, "port": port, "connections": connections}


def python_runner(connections=1):
    def run(port, ctx, keylog):
        ctx.keylog_filename = keylog
        sent, session = [], None
        for _ in range(connections):
            data, session = python_client(port, ctx, session)
            sent.append(data)
            time.sleep(0.2)
        return sent
    return run


def s_client_runner(extra, key_update=False, requests=None):
    return lambda port, ctx, keylog: [s_client(port, keylog, extra, key_update, requests)]


def main():
    os.chdir(HERE)
    make_certificate()
    h1 = {"sni": HOST, "alpn": "http/1.1", "resumed": False}
    scenarios = [
        scenario("tls13-aes256gcm", 14431, runner=python_runner(),
                 facts=[dict(h1, version="TLS 1.3", cipher="TLS_AES_256_GCM_SHA384")]),
        scenario("tls13-chacha20-keyupdate", 14432,
                 runner=s_client_runner(["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"], key_update=True),
                 facts=[dict(h1, version="TLS 1.3", cipher="TLS_CHACHA20_POLY1305_SHA256", key_updates=1)]),
        scenario("tls13-aes256gcm-resumed", 14433, runner=python_runner(connections=2),
                 facts=[dict(h1, version="TLS 1.3", cipher="TLS_AES_256_GCM_SHA384"),
                        dict(h1, version="TLS 1.3", cipher="TLS_AES_256_GCM_SHA384", resumed=True)]),
        scenario("tls12-aes128gcm", 14434, server_options=tls12("ECDHE-RSA-AES128-GCM-SHA256"),
                 client_options=tls12("ECDHE-RSA-AES128-GCM-SHA256"), runner=python_runner(),
                 facts=[dict(h1, version="TLS 1.2", cipher="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")]),
        scenario("tls12-chacha20", 14435, server_options=tls12("ECDHE-RSA-CHACHA20-POLY1305"),
                 client_options=tls12("ECDHE-RSA-CHACHA20-POLY1305"), runner=python_runner(),
                 facts=[dict(h1, version="TLS 1.2", cipher="TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256")]),
        scenario("tls12-aes256cbc-sha384-etm", 14436, server_options=tls12("ECDHE-RSA-AES256-SHA384"),
                 client_options=tls12("ECDHE-RSA-AES256-SHA384"), runner=python_runner(),
                 facts=[dict(h1, version="TLS 1.2", cipher="TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
                             encrypt_then_mac=True)]),
        scenario("tls12-aes128cbc-sha-resumed", 14437, server_options=tls12("ECDHE-RSA-AES128-SHA", no_etm=True),
                 client_options=tls12("ECDHE-RSA-AES128-SHA", no_etm=True), runner=python_runner(connections=2),
                 facts=[dict(h1, version="TLS 1.2", cipher="TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                             encrypt_then_mac=False),
                        dict(h1, version="TLS 1.2", cipher="TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                             encrypt_then_mac=False, resumed=True)]),
        # The client's only key share is P-256, the server takes X25519 only: HelloRetryRequest.
        scenario("tls13-aes128gcm-hrr", 14438, s_server=["-groups", "X25519", "-tls1_3"],
                 runner=s_client_runner(["-tls1_3", "-groups", "P-256:X25519", "-ciphersuites",
                                         "TLS_AES_128_GCM_SHA256"],
                                        requests=[b"GET / HTTP/1.0\r\nHost: glance.test\r\n\r\n"]),
                 facts=[dict(h1, version="TLS 1.3", cipher="TLS_AES_128_GCM_SHA256", alpn=None, hrr=True)]),
    ]
    certificate = subprocess.run(["openssl", "x509", "-in", CERT, "-noout", "-nameopt", "RFC2253", "-subject",
                                  "-issuer", "-serial", "-startdate", "-enddate", "-dateopt", "iso_8601"],
                                 check=True, capture_output=True, text=True).stdout
    with open(os.path.join(HERE, "scenarios.json"), "w") as f:
        json.dump({"certificate": certificate.splitlines(), "scenarios": scenarios}, f, indent=1)


if __name__ == "__main__":
    main()
