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


IMAGE_COLUMNS = ["created_at", "updated_at", "deleted_at", "deleted", "id", "name", "disk_format",
                 "container_format", "size", "virtual_size", "status", "visibility", "checksum",
                 "os_hash_algo", "os_hash_value", "min_disk", "min_ram", "owner", "protected", "os_hidden"]
IMAGE_SELECT = ("SELECT " + ", ".join("images.%s AS images_%s" % (c, c) for c in IMAGE_COLUMNS)
                + " \nFROM images \nWHERE images.id = '%s' AND images.deleted = false")
IMAGE_SHAPE = ResultShape(b"glance", b"images", [(c, T_VARCHAR) for c in IMAGE_COLUMNS])

PROPERTY_SELECT = ("SELECT image_properties.created_at AS image_properties_created_at, "
                   "image_properties.updated_at AS image_properties_updated_at, image_properties.deleted_at AS "
                   "image_properties_deleted_at, image_properties.deleted AS image_properties_deleted, "
                   "image_properties.id AS image_properties_id, image_properties.image_id AS "
                   "image_properties_image_id, image_properties.name AS image_properties_name, "
                   "image_properties.value AS image_properties_value \nFROM image_properties \n"
                   "WHERE '%s' = image_properties.image_id AND image_properties.deleted = false")
PROPERTY_SHAPE = ResultShape(b"glance", b"image_properties",
                             [(c, T_VARCHAR) for c in ("created_at", "updated_at", "deleted_at", "deleted",
                                                       "id", "image_id", "name", "value")])

USER_SELECT = ("SELECT user.id AS user_id, user.domain_id AS user_domain_id, user.enabled AS user_enabled, "
               "user.extra AS user_extra, user.default_project_id AS user_default_project_id, user.created_at "
               "AS user_created_at, user.last_active_at AS user_last_active_at \nFROM user \n"
               "WHERE user.id = '%s'")
USER_SHAPE = ResultShape(b"keystone", b"user",
                         [(c, T_VARCHAR) for c in ("id", "domain_id", "enabled", "extra", "default_project_id",
                                                   "created_at", "last_active_at")])

PROJECT_SELECT = ("SELECT project.id AS project_id, project.name AS project_name, project.domain_id AS "
                  "project_domain_id, project.description AS project_description, project.enabled AS "
                  "project_enabled, project.extra AS project_extra, project.parent_id AS project_parent_id, "
                  "project.is_domain AS project_is_domain \nFROM project \nWHERE project.id = '%s'")
PROJECT_SHAPE = ResultShape(b"keystone", b"project",
                            [(c, T_VARCHAR) for c in ("id", "name", "domain_id", "description", "enabled",
                                                      "extra", "parent_id", "is_domain")])

REVOCATION_SELECT = ("SELECT revocation_event.id AS revocation_event_id, revocation_event.domain_id AS "
                     "revocation_event_domain_id, revocation_event.project_id AS revocation_event_project_id, "
                     "revocation_event.user_id AS revocation_event_user_id, revocation_event.revoked_at AS "
                     "revocation_event_revoked_at, revocation_event.audit_id AS revocation_event_audit_id \n"
                     "FROM revocation_event \nWHERE revocation_event.revoked_at >= '%s'")
REVOCATION_SHAPE = ResultShape(b"keystone", b"revocation_event",
                               [(c, T_VARCHAR) for c in ("id", "domain_id", "project_id", "user_id",
                                                         "revoked_at", "audit_id")])

ASSIGNMENT_SELECT = ("SELECT assignment.type AS assignment_type, assignment.actor_id AS assignment_actor_id, "
                     "assignment.target_id AS assignment_target_id, assignment.role_id AS assignment_role_id, "
                     "assignment.inherited AS assignment_inherited \nFROM assignment \nWHERE "
                     "assignment.actor_id IN ('%s') AND assignment.target_id IN ('%s') AND "
                     "assignment.inherited = false")
ASSIGNMENT_SHAPE = ResultShape(b"keystone", b"assignment",
                               [(c, T_VARCHAR) for c in ("type", "actor_id", "target_id", "role_id", "inherited")])

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
