#!/usr/bin/env python3
"""A tiny Glance-like image API for the live-capture integration test.

It answers the calls `openstack image create --file` makes, with Glance's shapes
(JSON image documents, 201 + Location on create, 204 on upload) and, when given a
MariaDB, writes the images table the way Glance's SQLAlchemy does: an INSERT with
status 'queued', then UPDATEs to 'saving' and 'active', each followed by COMMIT,
with PyMySQL (client-side parameter binding, so every statement is a COM_QUERY with
its literal values on the wire, as in the real testbed).

    glance_stub.py --port 9292 [--db-port 3306 --database glance_live]

Prints "ready" on stdout once listening; serves until killed (SIGTERM/SIGINT).
Routes:
    GET    /v2/images/<id-or-name>  200 image | 404
    GET    /v2/images?name=<name>   200 {"images": [...]}
    POST   /v2/images               201 image (status queued)
    PUT    /v2/images/<id>/file     204 (saving -> active, checksum/size/os_hash_value)
    DELETE /v2/images/<id>          204
"""
import argparse
import datetime
import hashlib
import json
import signal
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SCHEMA = """
CREATE TABLE IF NOT EXISTS images (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    name VARCHAR(255),
    size BIGINT,
    status VARCHAR(30) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME,
    deleted_at DATETIME,
    deleted TINYINT(1) NOT NULL,
    disk_format VARCHAR(20),
    container_format VARCHAR(20),
    checksum VARCHAR(32),
    owner VARCHAR(255),
    min_disk INT NOT NULL,
    min_ram INT NOT NULL,
    protected TINYINT(1) NOT NULL,
    virtual_size BIGINT,
    visibility ENUM('private','public','shared','community') NOT NULL,
    os_hidden TINYINT(1) NOT NULL,
    os_hash_algo VARCHAR(64),
    os_hash_value VARCHAR(128)
)
"""


def now():
    return datetime.datetime.utcnow().replace(microsecond=0)


class Store:
    """Images in memory, mirrored into MariaDB when `connect` is given.

    The connection is opened at the first write, not at start: a capture started in
    between then holds the MySQL handshake (server version, user, database), which also
    lets a decoder recognise MySQL on a port it was not told about."""

    def __init__(self, connect):
        self.connect = connect
        self.db = None
        self.images = {}
        self.lock = threading.Lock()

    def sql(self, statement, args=()):
        if self.connect is None:
            return
        if self.db is None:
            self.db = self.connect()
        with self.db.cursor() as cur:
            cur.execute(statement, args)

    def commit(self):
        if self.db is not None:
            self.db.commit()

    def create(self, body):
        image_id = str(uuid.uuid4())
        stamp = now()
        image = {
            "id": image_id, "name": body.get("name"), "status": "queued",
            "disk_format": body.get("disk_format"), "container_format": body.get("container_format"),
            "visibility": body.get("visibility", "shared"), "size": None, "virtual_size": None,
            "checksum": None, "os_hash_algo": None, "os_hash_value": None, "protected": False,
            "os_hidden": False, "min_disk": 0, "min_ram": 0, "owner": "0123456789abcdef0123456789abcdef",
            "tags": [], "created_at": stamp.isoformat() + "Z", "updated_at": stamp.isoformat() + "Z",
            "self": "/v2/images/" + image_id, "file": "/v2/images/%s/file" % image_id, "schema": "/v2/schemas/image",
        }
        with self.lock:
            self.sql("INSERT INTO images (id, name, size, status, created_at, updated_at, deleted_at, deleted, "
                     "disk_format, container_format, checksum, owner, min_disk, min_ram, protected, virtual_size, "
                     "visibility, os_hidden, os_hash_algo, os_hash_value) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
                     "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                     (image_id, image["name"], None, "queued", stamp, stamp, None, 0, image["disk_format"],
                      image["container_format"], None, image["owner"], 0, 0, 0, None, image["visibility"], 0,
                      None, None))
            self.commit()
            self.images[image_id] = image
        return image

    def upload(self, image, data):
        with self.lock:
            self.sql("UPDATE images SET status=%s, updated_at=%s WHERE images.id = %s AND images.status = %s",
                     ("saving", now(), image["id"], "queued"))
            self.commit()
            image["status"] = "saving"
        md5 = hashlib.md5(data).hexdigest()
        sha512 = hashlib.sha512(data).hexdigest()
        with self.lock:
            self.sql("UPDATE images SET size=%s, status=%s, updated_at=%s, checksum=%s, os_hash_algo=%s, "
                     "os_hash_value=%s WHERE images.id = %s AND images.status = %s",
                     (len(data), "active", now(), md5, "sha512", sha512, image["id"], "saving"))
            self.commit()
            image.update(status="active", size=len(data), checksum=md5, os_hash_algo="sha512", os_hash_value=sha512)

    def delete(self, image):
        with self.lock:
            self.sql("UPDATE images SET status=%s, deleted=%s, deleted_at=%s WHERE images.id = %s",
                     ("deleted", 1, now(), image["id"]))
            self.commit()
            del self.images[image["id"]]

    def find(self, key):
        with self.lock:
            if key in self.images:
                return self.images[key]
            return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as uWSGI's --http11-socket
    server_version = "glance-stub"
    store = None

    def log_message(self, *args):
        pass

    def reply(self, status, document=None, headers=()):
        body = b"" if document is None else json.dumps(document).encode()
        self.send_response(status)
        self.send_header("X-Openstack-Request-Id", "req-" + str(uuid.uuid4()))
        for name, value in headers:
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)

    def not_found(self, what):
        self.reply(404, {"code": 404, "title": "Not Found",
                         "message": "No image found with ID %s" % what})

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_GET(self):
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if parts == ["v2", "images"]:
            name = parse_qs(url.query).get("name", [None])[0]
            with self.store.lock:
                found = [i for i in self.store.images.values() if name is None or i["name"] == name]
            return self.reply(200, {"images": found, "schema": "/v2/schemas/images", "first": url.path})
        if len(parts) == 3 and parts[:2] == ["v2", "images"]:
            image = self.store.find(parts[2])
            return self.reply(200, image) if image else self.not_found(parts[2])
        self.not_found(url.path)

    def do_POST(self):
        body = self.body()
        if urlsplit(self.path).path.rstrip("/") != "/v2/images":
            return self.not_found(self.path)
        image = self.store.create(json.loads(body or b"{}"))
        self.reply(201, image, [("Location", "http://%s/v2/images/%s" % (self.headers.get("Host"), image["id"]))])

    def do_PUT(self):
        data = self.body()
        parts = urlsplit(self.path).path.strip("/").split("/")
        if len(parts) != 4 or parts[:2] != ["v2", "images"] or parts[3] != "file":
            return self.not_found(self.path)
        image = self.store.find(parts[2])
        if image is None:
            return self.not_found(parts[2])
        self.store.upload(image, data)
        self.reply(204)

    def do_DELETE(self):
        parts = urlsplit(self.path).path.strip("/").split("/")
        image = self.store.find(parts[2]) if len(parts) == 3 else None
        if image is None:
            return self.not_found(self.path)
        self.store.delete(image)
        self.reply(204)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=9292)
    parser.add_argument("--db-port", type=int)
    parser.add_argument("--database", default="glance_live")
    args = parser.parse_args()

    connect = None
    if args.db_port:
        import pymysql
        setup = pymysql.connect(host="127.0.0.1", port=args.db_port, user="root", password="", autocommit=True)
        with setup.cursor() as cur:
            cur.execute("CREATE DATABASE IF NOT EXISTS `%s`" % args.database)
            cur.execute("USE `%s`" % args.database)
            cur.execute(SCHEMA)
        setup.close()

        def connect():
            return pymysql.connect(host="127.0.0.1", port=args.db_port, user="root", password="",
                                   database=args.database, autocommit=False)

    Handler.store = Store(connect)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True

    def stop(*_):
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    server.serve_forever()
    if Handler.store.db is not None:
        Handler.store.db.close()


if __name__ == "__main__":
    sys.exit(main())
