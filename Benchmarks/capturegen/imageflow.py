"""The operator's image uploads, as `openstack image create` / `glance image-create` do them,
with Glance's SQL on its own database connection in between the HTTP messages."""

import hashlib
import json
import queue
import threading
import uuid

from . import http
from . import mysql as my
from .background import GLANCE, GLANCE_HOST, KEYSTONE, PROJECT_ID, USER_ID, client_ip, image_row, keystone_token
from .mysqlsession import MySQLSession, sql_time
from .tcp import ByteSource, Endpoint, TCPConnection

CHUNK = 1 << 20  # glanceclient sends 1 MiB chunks
GLANCE_HOSTPORT = "192.168.24.5:9292"


class UploadHasher:
    """MD5 and SHA-512 of the image bytes, computed on a thread (hashlib releases the GIL)."""

    def __init__(self):
        self.md5 = hashlib.md5()
        self.sha512 = hashlib.sha512()
        self.size = 0
        self.queue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            block = self.queue.get()
            if block is None:
                return
            self.md5.update(block)
            self.sha512.update(block)

    def feed(self, block):
        self.size += len(block)
        self.queue.put(block)

    def finish(self):
        self.queue.put(None)
        self.thread.join()
        return self.md5.hexdigest(), self.sha512.hexdigest()


class Budget:
    """Decides how big the last image is so that the whole file comes out at `target` bytes.

    Background traffic runs until `background_end`; what it will still write is estimated
    from its rate so far. `connections` are the image flow's own connections.
    """

    def __init__(self, writer, target, connections, start, background_end, mss, tail=160 * 1024):
        self.writer = writer
        self.target = target
        self.connections = connections
        self.start = start
        self.background_end = background_end
        self.factor = 1 + 123 / mss  # record + headers per segment, and an ACK per two
        self.tail = tail

    def remaining_payload(self):
        w = self.writer
        now = w.last_ts
        foreground = sum(c.bytes for c in self.connections)
        background = w.bytes - foreground
        elapsed = now - self.start
        still = 0
        if now < self.background_end and elapsed > 0:
            still = background * (self.background_end - now) / elapsed
        return (self.target - w.bytes - still - self.tail) / self.factor


def body_blocks(image, pattern, hasher, budget):
    """The PUT body's bytes on the wire, block by block; hashes the image bytes as it goes."""
    for block in _body_blocks(image, pattern, hasher, budget):
        image["body_on_wire"] += len(block)
        yield block


def _body_blocks(image, pattern, hasher, budget):
    size = image.get("fixed_size")
    if image["transfer"] == "content-length":
        full, rest = divmod(size, len(pattern))
        for _ in range(full):
            hasher.feed(pattern)
            yield pattern
        if rest:
            hasher.feed(pattern[:rest])
            yield pattern[:rest]
        return
    frame = b"%x\r\n" % len(pattern) + pattern + b"\r\n"
    sent = 0
    while True:
        if size is not None:
            left = size - sent
        else:
            left = int(budget.remaining_payload())
            if left < len(pattern):
                left = max(left, 1024 + 7)
        if left < len(pattern):
            break
        hasher.feed(pattern)
        sent += len(pattern)
        yield frame
    if left > 0:
        hasher.feed(pattern[:left])
        yield b"%x\r\n" % left + pattern[:left] + b"\r\n"
    yield b"0\r\n\r\n"


def update_sql(image, ts, where_status):
    size = image.get("size_now")
    q = lambda v: "NULL" if v is None else "'%s'" % v
    text = ("UPDATE images SET id='%s', name='%s', disk_format='%s', container_format='%s', size=%s, "
            "virtual_size=NULL, status='%s', visibility='%s', checksum=%s, os_hash_algo=%s, os_hash_value=%s, "
            "min_disk=0, min_ram=0, owner='%s', protected=0, os_hidden=0, updated_at='%s' WHERE images.id = '%s'"
            % (image["id"], image["name"], image["disk_format"], image["container_format"],
               "NULL" if size is None else size, image["status_now"], image["visibility"],
               q(image.get("checksum_now")), q(image.get("algo_now")), q(image.get("sha512_now")),
               image["owner"], sql_time(ts), image["id"]))
    if where_status:
        text += " AND images.status = '%s'" % where_status
    image["status_sequence"].append(image["status_now"])
    return text


def insert_sql(image, ts):
    image["status_sequence"].append("queued")
    return ("INSERT INTO images (id, name, disk_format, container_format, size, virtual_size, status, visibility, "
            "checksum, os_hash_algo, os_hash_value, min_disk, min_ram, owner, protected, os_hidden, created_at, "
            "updated_at, deleted_at, deleted) VALUES ('%s', '%s', '%s', '%s', NULL, NULL, 'queued', '%s', NULL, "
            "NULL, NULL, 0, 0, '%s', 0, 0, '%s', '%s', NULL, 0)"
            % (image["id"], image["name"], image["disk_format"], image["container_format"], image["visibility"],
               image["owner"], sql_time(ts), sql_time(ts)))


def property_sql(image_id, name, value, ts):
    return ("INSERT INTO image_properties (image_id, name, value, created_at, updated_at, deleted_at, deleted) "
            "VALUES ('%s', '%s', '%s', '%s', '%s', NULL, 0)" % (image_id, name, value, sql_time(ts), sql_time(ts)))


class ImageFlow:
    """One actor that uploads each image in turn over fresh client connections."""

    def __init__(self, net, rng, sched, specs, budget, mss, spacing, gap=500_000_000):
        self.net = net
        self.rng = rng
        self.sched = sched
        self.specs = specs
        self.budget = budget
        self.mss = mss
        self.spacing = spacing
        self.gap = gap
        self.connections = budget.connections
        self.images = []

    def _new(self, conn):
        self.connections.append(conn)
        return conn

    def _exchange(self, conn, method, path, headers, body, status, reason, work, reply_body, content_type):
        """Request, server-side work (a generator), response; returns the response time."""
        net, rng = self.net, self.rng
        request = http.request(method, path, GLANCE_HOSTPORT, headers, body)
        t = conn.send(0, request, self.sched.now, final_ack=False)
        t += rng.randrange(1_000_000, 4_000_000)
        yield t
        if work is not None:
            t = yield from work(t)
            t += 300_000
            yield t
        body = reply_body(t) if callable(reply_body) else reply_body
        ct = [("Content-Type", content_type)] if content_type else []
        reply = http.response(status, reason, t, ct, body, http.request_id(rng))
        t = conn.send(1, reply, t)
        net.http("glance", method, path, status, image_flow=True)
        return t

    def _validate(self, ks, service_token, token, t):
        """keystonemiddleware checks the user's token with Keystone."""
        request = http.request("GET", "/v3/auth/tokens", "192.168.24.2:5000",
                               [("X-Auth-Token", service_token), ("X-Subject-Token", token)],
                               ua=b"python-keystoneclient")
        t = ks.send(0, request, t, final_ack=False)
        t += self.rng.randrange(5_000_000, 20_000_000)
        yield t
        reply = http.response(200, "OK", t, [("Content-Type", "application/json"), ("X-Subject-Token", token)],
                              http.token_body(t, USER_ID, PROJECT_ID, "xXc4Pr9aTbWq1fLk2mNz0w"),
                              http.request_id(self.rng))
        t = ks.send(1, reply, t)
        self.net.http("keystone", "GET", "/v3/auth/tokens", 200, image_flow=True)
        return t

    def run(self):
        net, rng, sched = self.net, self.rng, self.sched
        db = MySQLSession(net, rng, GLANCE_HOST, "glance", 40)
        self._new(db.conn)
        t = yield from db.open(sched.now)
        ks = self._new(TCPConnection(net, Endpoint(GLANCE_HOST, net.ephemeral_port(bytes(GLANCE_HOST))),
                                     KEYSTONE, rng))
        t = ks.handshake(t + 1_000_000)
        service_token = http.fernet_token(rng)
        for spec in self.specs:
            t += self.gap
            yield t
            yield from self._one(spec, db, ks, service_token)
        return sched.now

    def _one(self, spec, db, ks, service_token):
        net, rng, sched = self.net, self.rng, self.sched
        ip = client_ip(rng)
        token, t = yield from keystone_token(net, rng, sched, ip, "fin", image_flow=True, conns=self.connections)
        image = dict(spec)
        image.update(id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), owner=PROJECT_ID,
                     created_at=http.iso(t), status_now="queued", status_sequence=[], properties_now={})
        self.images.append(image)
        iid = image["id"]
        conn = self._new(TCPConnection(net, Endpoint(ip, net.ephemeral_port(bytes(ip))), GLANCE, rng))
        t = conn.handshake(t + 3_000_000)
        auth = [("X-Auth-Token", token)]
        yield t

        def lookup(t):
            t = yield from self._validate(ks, service_token, token, t)
            return (yield from db.query(my.IMAGE_SELECT % image["name"], my.IMAGE_SHAPE.response([]), t))
        t = yield from self._exchange(conn, "GET", "/v2/images/" + image["name"], auth, b"", 404, "Not Found",
                                      lookup, http.not_found_body(image["name"]), "text/html; charset=UTF-8")
        t += 2_000_000
        yield t

        create = {"visibility": image["visibility"], "name": image["name"],
                  "container_format": image["container_format"], "disk_format": image["disk_format"]}

        def insert(t):
            t = yield from db.query(insert_sql(image, t), my.ok(1, affected=1), t)
            t = yield from db.query(property_sql(iid, "owner_specified.openstack.object", "images/" + image["name"],
                                                 t), my.ok(1, affected=1), t + 200_000)
            return (yield from db.query("COMMIT", my.ok(1), t + 200_000))
        t = yield from self._exchange(conn, "POST", "/v2/images", auth + [("Content-Type", "application/json")],
                                      json.dumps(create).encode(), 201, "Created", insert,
                                      lambda t: http.image_json(image, t), "application/json")
        t += 5_000_000
        yield t
        t = yield from self._upload(conn, image, auth, db, t)
        t += 3_000_000
        yield t

        def show(t):
            return (yield from db.query(my.IMAGE_SELECT % iid, my.IMAGE_SHAPE.response(
                [image_row(image, t)]), t))
        t = yield from self._exchange(conn, "GET", "/v2/images/" + iid, auth, b"", 200, "OK", show,
                                      lambda t: http.image_json(image, t), "application/json")
        t += 4_000_000
        yield t

        patch = json.dumps([{"op": "add", "path": "/hw_architecture", "value": "x86_64"}]).encode()

        def set_property(t):
            image["properties_now"]["hw_architecture"] = "x86_64"
            t = yield from db.query(property_sql(iid, "hw_architecture", "x86_64", t), my.ok(1, affected=1), t)
            t = yield from db.query(update_sql(image, t, None), my.ok(1, affected=1), t + 200_000)
            return (yield from db.query("COMMIT", my.ok(1), t + 200_000))
        t = yield from self._exchange(
            conn, "PATCH", "/v2/images/" + iid,
            auth + [("Content-Type", "application/openstack-images-v2.1-json-patch")], patch, 200, "OK",
            set_property, lambda t: http.image_json(image, t), "application/json")
        t += 2_000_000
        yield t
        if image.get("delete"):
            t = yield from self._delete(conn, image, auth, db, ks, service_token, token, t)
        conn.close_fin(0, t)

    def _delete(self, conn, image, auth, db, ks, service_token, token, t):
        """`openstack image delete`: Glance marks the row deleted (soft delete) with its properties."""
        iid = image["id"]

        def delete(t):
            t = yield from self._validate(ks, service_token, token, t)
            image["status_now"] = "deleted"
            image["properties_now"] = {}
            t = yield from db.query(update_sql(image, t, None), my.ok(1, affected=1), t)
            t = yield from db.query(
                "UPDATE image_properties SET updated_at='%s', deleted_at='%s', deleted=1 WHERE "
                "image_properties.image_id = '%s' AND image_properties.deleted = false"
                % (sql_time(t), sql_time(t), iid), my.ok(1, affected=2), t + 200_000)
            return (yield from db.query("COMMIT", my.ok(1), t + 200_000))
        t = yield from self._exchange(conn, "DELETE", "/v2/images/" + iid, auth, b"", 204, "No Content", delete,
                                      b"", "text/html; charset=UTF-8")
        t += 2_000_000
        yield t
        return t

    def _upload(self, conn, image, auth, db, t):
        net, rng, sched = self.net, self.rng, self.sched
        iid = image["id"]
        path = "/v2/images/%s/file" % iid
        headers = auth + [("Content-Type", "application/octet-stream")]
        chunked = image["transfer"] == "chunked"
        if chunked:
            headers.append(("Transfer-Encoding", "chunked"))
            head = http.request("PUT", path, GLANCE_HOSTPORT, headers, ua=http.GLANCECLIENT_UA,
                                content_length=False)
        else:
            headers.append(("Content-Length", str(image["fixed_size"])))
            head = http.request("PUT", path, GLANCE_HOSTPORT, headers, content_length=False)
        t = conn.send(0, head, t, final_ack=True)
        t += 2_000_000
        yield t
        image["status_now"] = "saving"
        t = yield from db.query(update_sql(image, t, "queued"), my.ok(1, affected=1), t)
        t = yield from db.query("COMMIT", my.ok(1), t + 200_000)
        yield t
        pattern = rng.randbytes(CHUNK)
        hasher = UploadHasher()
        image["body_on_wire"] = 0
        t = yield from conn.stream(0, ByteSource(body_blocks(image, pattern, hasher, self.budget)), self.mss,
                                   self.spacing, sched, t)
        md5, sha512 = hasher.finish()
        image.update(size_now=hasher.size, checksum_now=md5, algo_now="sha512", sha512_now=sha512,
                     status_now="active")
        t += rng.randrange(20_000_000, 60_000_000)
        yield t
        t = yield from db.query(update_sql(image, t, "saving"), my.ok(1, affected=1), t)
        t = yield from db.query(
            "INSERT INTO image_locations (image_id, value, meta_data, status, created_at, updated_at, deleted_at, "
            "deleted) VALUES ('%s', 'file:///var/lib/glance/images/%s', '{\"store\": \"file\"}', 'active', '%s', "
            "'%s', NULL, 0)" % (iid, iid, sql_time(t), sql_time(t)), my.ok(1, affected=1), t + 200_000)
        t = yield from db.query("COMMIT", my.ok(1), t + 200_000)
        t += 500_000
        yield t
        reply = http.response(204, "No Content", t, [("Content-Type", "text/html; charset=UTF-8")], b"",
                              http.request_id(rng))
        t = conn.send(1, reply, t)
        net.http("glance", "PUT", path, 204, image_flow=True)
        return t

