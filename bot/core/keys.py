"""The Redis key layout: every key starts with one prefix, and everything one SMS needs in a single
atomic step lives in one of `BUCKETS` hash slots.

An SMS's record, its pending request, its queued jobs and its series share the hash tag of their
bucket (`schedule-sms:{b7}:sms:<id>`), so a Redis Cluster runs each step (a state change together with
its job, an edit replacing its original) as one script on one node, while SMS spread over the buckets,
and so over the shards. A record's bucket comes from its *root* id, the part before the first `-`:
a series' sends (`<root>-3`) and a zone's send (`<root>-z1`) stay with their root, and an edit is given
an id in its original's bucket. Keys that only point somewhere (a Kaleyra id, a user's list) have no tag.
The `schedule-sms` prefix leaves room for a workspace id after it.
"""

from __future__ import annotations

import secrets
import zlib

PREFIX = "schedule-sms"
BUCKETS = 16


def key(*parts: str) -> str:
    """`key("history", "user", "U1")` -> 'schedule-sms:history:user:U1' (no hash tag: a slot of its own)."""
    return ":".join((PREFIX, *parts))


def root(record_id: str) -> str:
    return record_id.split("-", 1)[0]


def bucket_of(record_id: str) -> int:
    return zlib.crc32(root(record_id).encode()) % BUCKETS


def in_bucket(bucket: int, *parts: str) -> str:
    return ":".join((PREFIX, f"{{b{bucket}}}", *parts))


def of(record_id: str, kind: str) -> str:
    """The key of `kind` ("sms", "pending", "series") for `record_id`, in its bucket's slot."""
    return in_bucket(bucket_of(record_id), kind, record_id)


def new_id(near: str | None = None) -> str:
    """A fresh random id (hex, so never a `-`); with `near`, one in the same bucket as that id, so the two
    can change in one atomic step (an edit and the SMS it replaces)."""
    while True:
        candidate = secrets.token_hex(10)
        if near is None or bucket_of(candidate) == bucket_of(near):
            return candidate
