#!/usr/bin/env python3
"""An HTTP/1.1 server whose answers are scripted by the request path, for the tests of
glancetrace's own OTLP/HTTP client (Tests/TraceExportTests). It reads each request whole
(Content-Length), writes one JSON line about it to stdout, then answers as the path's first
segment says:

  /length/...    200, Content-Length, an ExportTraceServiceResponse with 3 spans rejected
  /chunked/...   200, chunked in pieces sent apart, the same message, with a trailer
  /retry/...     429 with Retry-After: 7
  /unavailable/  503 without Retry-After
  /refuse/...    400 with a text body
  /close/...     200 until the connection closes (no length, no chunks)
  /early/...     200 with Content-Length 100, 10 bytes, then close
  /hang/...      nothing: holds the connection open
  /huge/...      200 with a body of 64 MiB (the client must stop reading)
  /hugehead/...  a head of 1 MiB of headers

--tls CERT KEY serves HTTPS with that certificate.
"""
import argparse
import json
import socket
import socketserver
import ssl
import sys
import time

PARTIAL = bytes([0x0A, 0x05, 0x08, 0x03, 0x12, 0x01, 0x78])  # partial_success {rejected_spans: 3, error_message: "x"}


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        data = b""
        while b"\r\n\r\n" not in data:
            piece = conn.recv(65536)
            if not piece:
                return
            data += piece
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            piece = conn.recv(65536)
            if not piece:
                break
            body += piece
        print(json.dumps({"method": method, "target": target, "version": version, "headers": headers,
                          "body_length": len(body)}), flush=True)
        mode = target.split("/")[1] if target.count("/") >= 1 else ""
        send = conn.sendall
        if mode == "length":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: %d\r\n\r\n" % len(PARTIAL) + PARTIAL)
        elif mode == "chunked":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n")
            for piece in (PARTIAL[:2], PARTIAL[2:]):
                time.sleep(0.05)
                send(b"%x;ext=1\r\n" % len(piece) + piece + b"\r\n")
            time.sleep(0.05)
            send(b"0\r\nX-Trailer: yes\r\n\r\n")
        elif mode == "retry":
            send(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 4\r\n\r\nbusy")
        elif mode == "unavailable":
            send(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
        elif mode == "refuse":
            send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nbad\x00request")
        elif mode == "close":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n\r\n" + PARTIAL)
        elif mode == "early":
            send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
        elif mode == "hang":
            time.sleep(30)
        elif mode == "huge":
            try:
                send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (64 << 20))
                block = b"x" * 65536
                for _ in range(1024):
                    send(block)
            except OSError:
                pass  # the client stopped reading and closed: expected
        elif mode == "hugehead":
            try:
                send(b"HTTP/1.1 200 OK\r\n" + b"X-Filler: " + b"y" * 1000 + b"\r\n")
                for _ in range(1024):
                    send(b"X-Filler: " + b"y" * 1000 + b"\r\n")
            except OSError:
                pass
        try:
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
