"""MySQL/MariaDB client/server protocol messages, as PyMySQL and MariaDB 10.11 exchange them.

Text protocol only (COM_QUERY, COM_PING, COM_QUIT), classic EOF packets (PyMySQL does not
ask for CLIENT_DEPRECATE_EOF), mysql_native_password.
"""

import struct

SERVER_VERSION = b"5.5.5-10.11.19-MariaDB-0+deb12u1"
COM_QUIT, COM_QUERY, COM_PING = 0x01, 0x03, 0x0E

# Column types
T_LONG, T_LONGLONG, T_DATETIME, T_VARCHAR, T_TINY, T_BLOB = 0x03, 0x08, 0x0C, 0xFD, 0x01, 0xFC

_CLIENT_CAPS = (0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000 | 0x200000)


def packet(seq, payload):
    return struct.pack("<I", len(payload))[:3] + bytes((seq & 0xFF,)) + payload


def lenenc_int(n):
    if n < 251:
        return bytes((n,))
    if n < 1 << 16:
        return b"\xfc" + struct.pack("<H", n)
    if n < 1 << 24:
        return b"\xfd" + struct.pack("<I", n)[:3]
    return b"\xfe" + struct.pack("<Q", n)


def lenenc_str(b):
    return lenenc_int(len(b)) + b


def greeting(connection_id, scramble):
    payload = (b"\x0a" + SERVER_VERSION + b"\0" + struct.pack("<I", connection_id) + scramble[:8] + b"\0"
               + struct.pack("<H", 0xF7FE) + b"\x21" + struct.pack("<H", 0x0002) + struct.pack("<H", 0x81FF)
               + b"\x15" + b"\0" * 6 + struct.pack("<I", 0x1D) + scramble[8:20] + b"\0"
               + b"mysql_native_password\0")
    return packet(0, payload)


def handshake_response(user, auth, database):
    payload = (struct.pack("<IIB", _CLIENT_CAPS, 16777216, 0x21) + b"\0" * 23 + user + b"\0"
               + lenenc_str(auth) + database + b"\0" + b"mysql_native_password\0")
    return packet(1, payload)


def ok(seq, affected=0, insert_id=0, status=0x0000):
    return packet(seq, b"\0" + lenenc_int(affected) + lenenc_int(insert_id) + struct.pack("<HH", status, 0))


def eof(seq, status=0x0000):
    return packet(seq, b"\xfe" + struct.pack("<HH", 0, status))


def command(code, text=b""):
    return packet(0, bytes((code,)) + text)


def column_definition(seq, schema, table, name, ctype, length=255):
    payload = (lenenc_str(b"def") + lenenc_str(schema) + lenenc_str(table) + lenenc_str(table)
               + lenenc_str(name) + lenenc_str(name) + b"\x0c"
               + struct.pack("<HIBHB", 0x21, length, ctype, 0, 0) + b"\0\0")
    return packet(seq, payload)


class ResultShape:
    """A SELECT's column definitions, encoded once; rows are added per query."""

    def __init__(self, schema, table, columns):
        self.columns = columns
        head = [packet(1, lenenc_int(len(columns)))]
        for i, (name, ctype) in enumerate(columns):
            head.append(column_definition(2 + i, schema, table, name.encode(), ctype))
        head.append(eof(2 + len(columns)))
        self.head = b"".join(head)
        self.first_row_seq = 3 + len(columns)

    def response(self, rows):
        out = [self.head]
        seq = self.first_row_seq
        for row in rows:
            out.append(packet(seq, b"".join(b"\xfb" if v is None else lenenc_str(v) for v in row)))
            seq += 1
        out.append(eof(seq))
        return b"".join(out)


def labelled_select(schema, table, columns, where):
    """SQLAlchemy's SELECT of `columns` of one table (each labelled TABLE_COLUMN, as the ORM writes it)
    with its `where` clause (holding %s placeholders), and the shape of its result (all VARCHAR)."""
    text = ("SELECT " + ", ".join("%s.%s AS %s_%s" % (table, c, table, c) for c in columns)
            + " \nFROM " + table + " \nWHERE " + where)
    return text, ResultShape(schema, table.encode(), [(c, T_VARCHAR) for c in columns])


IMAGE_SELECT, IMAGE_SHAPE = labelled_select(
    b"glance", "images",
    ["created_at", "updated_at", "deleted_at", "deleted", "id", "name", "disk_format", "container_format", "size",
     "virtual_size", "status", "visibility", "checksum", "os_hash_algo", "os_hash_value", "min_disk", "min_ram",
     "owner", "protected", "os_hidden"],
    "images.id = '%s' AND images.deleted = false")
PROPERTY_SELECT, PROPERTY_SHAPE = labelled_select(
    b"glance", "image_properties", ["created_at", "updated_at", "deleted_at", "deleted", "id", "image_id", "name", "value"],
    "'%s' = image_properties.image_id AND image_properties.deleted = false")
USER_SELECT, USER_SHAPE = labelled_select(
    b"keystone", "user", ["id", "domain_id", "enabled", "extra", "default_project_id", "created_at", "last_active_at"],
    "user.id = '%s'")
PROJECT_SELECT, PROJECT_SHAPE = labelled_select(
    b"keystone", "project", ["id", "name", "domain_id", "description", "enabled", "extra", "parent_id", "is_domain"],
    "project.id = '%s'")
REVOCATION_SELECT, REVOCATION_SHAPE = labelled_select(
    b"keystone", "revocation_event", ["id", "domain_id", "project_id", "user_id", "revoked_at", "audit_id"],
    "revocation_event.revoked_at >= '%s'")
ASSIGNMENT_SELECT, ASSIGNMENT_SHAPE = labelled_select(
    b"keystone", "assignment", ["type", "actor_id", "target_id", "role_id", "inherited"],
    "assignment.actor_id IN ('%s') AND assignment.target_id IN ('%s') AND assignment.inherited = false")

VERSION_SHAPE = ResultShape(b"", b"", [("VERSION()", T_VARCHAR)])
SQL_MODE_SHAPE = ResultShape(b"", b"session_variables", [("Variable_name", T_VARCHAR), ("Value", T_VARCHAR)])

# What PyMySQL/oslo.db send right after connecting, and their replies.
SESSION_SETUP = [
    ("SET NAMES utf8", "ok"),
    ("SET AUTOCOMMIT = 0", "ok"),
    ("SET SESSION sql_mode = 'TRADITIONAL'", "ok"),
    ("SHOW VARIABLES LIKE 'sql_mode'", "sql_mode"),
    ("SELECT VERSION()", "version"),
]
