"""A batch: one Confirm of a file's rows, each row an SMS record of its own, with the life of any held SMS.

The batch is one versioned document (as a series is), in the bucket of its id; row n of batch B is the
record `Brn`, in the bucket of its own id, so a big batch's rows spread over every bucket (and a Cluster's
nodes). Every row goes through the same state machine, Outbox and Dispatcher as any SMS: it can be
cancelled, edited and sent now on its own, and its delivery is followed.

Confirm is three steps, each safe to repeat:

1. **claim**, one commit in the batch's bucket: the pending request is deleted (one Confirm wins), the batch
   document is written `creating`, and a `batch` job is queued as the watch over the next step;
2. **rows**: the rows are written bucket by bucket, in commits of at most `CHUNK` rows sent together, each
   row held with its hand-off job; a commit found already applied (its first row is there) is skipped;
3. **open**: the document moves to `open` (durably: the user is told "held" only then).

A row of a batch that is not open is never sent (the Dispatcher waits), so the watch, run by any instance
once the claim's lease ends, completes a Confirm whose instance died between the steps.

Cancelling the batch first marks the document `cancelled`, so the Dispatcher refuses any row of it from
then on, then cancels every held row by compare-and-set on its own version (one commit per bucket, retried
for the rows that moved meanwhile): rows being handed to Kaleyra at that moment are reported, never hidden.

Counts: each row write moves the row's count in its bucket's tally hash (`Store.put_record`, atomically in
the row's commit), so a batch's counts by state are 16 small reads whatever its size. A change of count
queues the batch's `batch` job unless one is queued already: the channel post is brought up to date at most
once every `update_every`, however many rows change.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from redis.exceptions import RedisError

from bot.core import keys
from bot.core.clock import Clock
from bot.core.errors import NotDurable
from bot.core.jobs import BATCH, GROUP, HANDOFF, JobQueue
from bot.core.kaleyra import MAX_RECIPIENTS_PER_REQUEST
from bot.core.pending import Pending
from bot.core.recipient_rows import GoodRow
from bot.core.records import NOT_SENT, Change, Event, SmsRecord, State, held, tally_of, transition
from bot.core.refusals import Reason, Refusal
from bot.core.store import ABSENT, LONGEST_WAIT, Commit, Store, tally_key, user_key
from bot.core.validation import ScheduleRequest

log = logging.getLogger(__name__)
CHUNK = 500
"""Rows per commit: one script call stays short (a few milliseconds of Redis's time)."""
KEEP_ROWS = timedelta(days=1)
"""How long a claimed batch's rows wait to be written, should every instance stop between the steps."""
PROBLEMS = (State.REFUSED.value, State.FAILED.value, State.MISSED.value, State.UNCERTAIN.value, "undelivered")
"""The counts the owner is told of as they grow."""
_READ = 500  # records read in one round trip
_REMEMBERED = 1_000  # batches whose queued job an instance remembers (expired ones are forgotten past it)
NOT_KEPT = "the app's storage could not confirm it kept these SMS safe"
LOST = "its rows could not be kept until they were held"


class Phase(StrEnum):
    CREATING = "creating"  # Confirm won; its rows are being written
    OPEN = "open"  # every row is written: each goes at its time
    CANCELLED = "cancelled"  # cancelled as a whole: no row of it is sent after


@dataclass(frozen=True)
class Plan:
    """What a batch's confirmation showed, kept with the request until Confirm."""

    source: str  # where the rows came from: a file's name, or "list clinic"
    rows: int
    send_times: int
    segments: int  # SMS in all, as Kaleyra bills
    first_at: str | None  # ISO 8601; None: "now"
    last_at: str | None
    template: str = ""  # the template's name
    when: str = ""  # the time given for every row without its own
    message: str = ""  # the message given for every row (no template)
    saved_list: str = ""  # the saved list the rows came from

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        known = {one.name for one in fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in known})


@dataclass
class Batch:
    """The batch document: who, where, what it holds, where it stands, its channel post."""

    id: str
    user_id: str
    channel_id: str
    tz: str
    created_at: str
    rows: int
    source: str
    template: str
    route: str
    sender: str
    first_at: str | None
    last_at: str | None
    send_times: int
    segments: int
    phase: str = Phase.CREATING
    lease_until: str = ""  # while creating: when the watch may complete it
    cancelled_by: str = ""
    note: str = ""  # why it was cancelled by the app itself
    post_channel: str = ""
    post_ts: str = ""
    told: dict[str, int] = field(default_factory=dict)  # the problems its owner was told of, by count
    dry_run: bool = False  # confirmed in a dry run (KALEYRA_DRY_RUN): its rows are only ever sent in one
    trace: str = ""
    version: int = 0
    commit: str = ""

    def row_id(self, number: int) -> str:
        return row_id(self.id, number)

    def may_be_opened_by(self, user_id: str, admins: Collection[str]) -> bool:
        """Its rows show full numbers: its owner and the admins may open them, nobody else."""
        return user_id == self.user_id or user_id in admins

    @property
    def row_ids(self) -> list[str]:
        return [self.row_id(number) for number in range(1, self.rows + 1)]

    @property
    def first_time(self) -> datetime | None:
        return datetime.fromisoformat(self.first_at) if self.first_at else None

    @property
    def last_time(self) -> datetime | None:
        return datetime.fromisoformat(self.last_at) if self.last_at else None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Batch:
        known = {one.name for one in fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in known})


def batch_ids(*listed: Sequence[Listed]) -> list[str]:
    """The batches among listed entries, each once (their rows are counted for their one line)."""
    return list(dict.fromkeys(entry.id for entries in listed for entry in entries if isinstance(entry, Batch)))


def row_id(batch_id: str, number: int) -> str:
    """Row `number` (from 1) of a batch: no `-`, so the row's bucket is its own, not its batch's."""
    return f"{batch_id}r{number}"


@dataclass(frozen=True)
class Cancelled:
    """What cancelling a batch came to."""

    batch: Batch | None
    cancelled: int = 0  # rows cancelled now
    under_way: int = 0  # rows being handed to Kaleyra at that moment: not stopped
    with_kaleyra: int = 0  # rows Kaleyra already had
    already: bool = False  # it had been cancelled before


@dataclass(frozen=True)
class News:
    """What a batch's channel post and owner hear when its rows move."""

    batch: Batch
    counts: Mapping[str, int]
    problems: Mapping[str, int]  # problems that grew since the owner was last told: label -> how many more
    confirmed_late: bool = False  # its Confirm was completed by the watch (the confirming instance stopped)
    gave_up: bool = False  # ... or could not be: the batch was cancelled by the app, nothing held


Notify = Callable[[News], Awaitable[None]]
Listed = SmsRecord | Batch


class BatchBook:
    def __init__(
        self,
        store: Store,
        queue: JobQueue,
        clock: Clock,
        *,
        handoff: timedelta,
        lease: timedelta,
        update_every: timedelta,
        keep_body: bool,
    ) -> None:
        self._store = store
        self._queue = queue
        self._clock = clock
        self._handoff = handoff
        self._lease = lease
        self._update_every = update_every
        self._keep_body = keep_body
        self.notify: Notify | None = None  # the Slack adapter's: the channel post, the owner's news
        self._queued: dict[str, datetime] = {}  # batch id -> when the `batch` job this instance queued is due
        store.on_row_change = self.touch

    # --- before Confirm ------------------------------------------------------------------------------

    async def offer(self, pending: Pending, rows: Sequence[GoodRow], ttl: timedelta) -> str:
        """Keep a batch's request for Confirm, its rows beside it; the request's id."""
        pending_id = keys.new_id()
        planned = [[row.line, row.number, row.body, row.send_at.isoformat() if row.send_at else None] for row in rows]
        kept = json.dumps({"request": pending.request.to_dict(), "rows": planned})  # what the watch needs, too
        async with self._store.redis.pipeline(transaction=False) as pipe:
            pipe.set(keys.of(pending_id, "rows"), kept, px=_milliseconds(ttl))
            pipe.set(keys.of(pending_id, "pending"), pending.to_json(), px=_milliseconds(ttl))
            await pipe.execute()
        return pending_id

    # --- Confirm -------------------------------------------------------------------------------------

    async def create(self, pending_id: str, pending: Pending, *, dry_run: bool = False) -> tuple[Batch | None, bool]:
        """Claim the request, write its rows, open the batch (see the module docstring). The batch (None when
        the request was taken by another click first) and whether this call opened it. Raises `NotDurable`
        when the opening could not be made durable: the batch is then cancelled, nothing is held. `dry_run`:
        confirmed in a dry run, as its rows are marked."""
        assert pending.batch is not None
        plan, request, now = Plan.from_dict(pending.batch), pending.request, self._clock.now()
        batch = Batch(
            id=pending_id, user_id=pending.user_id, channel_id=pending.channel_id, tz=pending.tz,
            created_at=now.isoformat(), rows=plan.rows, source=plan.source, template=plan.template,
            route=request.route, sender=request.sender, first_at=plan.first_at, last_at=plan.last_at,
            send_times=plan.send_times, segments=plan.segments, lease_until=(now + self._lease).isoformat(),
            trace=pending.trace, dry_run=dry_run,
        )  # fmt: skip
        commit = Commit(keys.bucket_of(pending_id))
        commit.check(keys.of(pending_id, "pending"), 0)
        commit.delete(keys.of(pending_id, "pending"))
        self._put(commit, batch, ABSENT)
        commit.expire(keys.of(pending_id, "rows"), KEEP_ROWS)
        commit.add_job(BATCH, pending_id, now + self._lease)
        commit.list_in_team(pending_id, now, self._store.oldest())
        if not await self._store.apply(commit):
            return None, False
        await self._list_for(batch)
        try:
            return await self._complete(batch)
        except NotDurable:
            await self.cancel(batch.id, "", note=NOT_KEPT)
            raise
        except (RedisError, RuntimeError) as exc:  # the watch completes it, and its owner hears then
            log.warning("batch %s not completed at Confirm (%s); its watch will", batch.id, type(exc).__name__)
            return batch, False

    async def _complete(self, batch: Batch) -> tuple[Batch | None, bool]:
        """Steps 2 and 3: every row written (again, if need be), then the batch opened."""
        raw = await self._store.redis.get(keys.of(batch.id, "rows"))
        if not isinstance(raw, str):
            cancelled = await self.cancel(batch.id, "", note=LOST)
            return cancelled.batch, False
        kept = json.loads(raw)
        commits = self._row_commits(batch, ScheduleRequest.from_dict(kept["request"]), kept["rows"])
        applied = await asyncio.gather(*(self._store.apply(commit) for commit, _ in commits))
        missing = [first for (_, first), done in zip(commits, applied, strict=True) if not done]
        if missing and len(await self._store.get_many(missing)) != len(missing):
            raise RuntimeError(f"batch {batch.id}: some rows could not be written; its watch tries again")
        opened, is_open = await self._edit(batch.id, _open, durable=True)
        await self._store.redis.delete(keys.of(batch.id, "rows"))
        return opened, is_open

    def _row_commits(
        self, batch: Batch, request: ScheduleRequest, planned: list[list[Any]]
    ) -> list[tuple[Commit, str]]:
        """The rows' commits, at most `CHUNK` rows each, by bucket; with each the first row's id (to tell a
        commit applied before). Rows with the same text and time are grouped, up to 100 a request: the first
        row's `group` names them all, its `group` job sends them at their hand-off, and each row's own job,
        a little later, sends whatever the group did not."""
        now, rows = self._clock.now(), []
        for number, (line, recipient, body, send_at) in enumerate(planned, 1):
            at = datetime.fromisoformat(send_at) if send_at else None
            one = replace(request, recipients=(recipient,), body=body, send_at=at, notes=(), parts=(), repeat="")
            handoff_at = max(now, at - self._handoff) if at else now
            record = held(
                batch.row_id(number), one, user_id=batch.user_id, channel_id=batch.channel_id, tz=batch.tz,
                now=now, handoff_at=handoff_at, keep_body=self._keep_body, trace=batch.trace, dry_run=batch.dry_run,
            )  # fmt: skip
            record.batch, record.line = batch.id, int(line)
            rows.append(record)
        grouped = _group(rows)
        commits = []
        for bucket, chunk in _chunks(rows):
            commit = Commit(bucket)
            for record in chunk:
                self._store.put_record(commit, record, ABSENT)
                assert record.handoff_at is not None
                handoff_at = datetime.fromisoformat(record.handoff_at)
                later = self._lease if record.id in grouped else timedelta()  # after its group's request
                commit.add_job(HANDOFF, record.id, handoff_at + later)
                if record.group:
                    commit.add_job(GROUP, record.id, handoff_at)
            commits.append((commit, chunk[0].id))
        return commits

    async def _list_for(self, batch: Batch) -> None:
        """The batch in its owner's list, as one entry."""
        oldest, user = self._store.oldest().timestamp(), user_key(batch.user_id)
        async with self._store.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(user, {batch.id: datetime.fromisoformat(batch.created_at).timestamp()})
            pipe.zremrangebyscore(user, "-inf", oldest)
            pipe.expire(user, int((self._store.retention + LONGEST_WAIT).total_seconds()))
            await pipe.execute()

    # --- reading -------------------------------------------------------------------------------------

    async def get(self, batch_id: str) -> Batch | None:
        document = await self._store.get_document(keys.of(batch_id, "batch"))
        return Batch.from_dict(document) if document is not None else None

    async def refusal(self, batch_id: str) -> Refusal | None:
        """Why a row of this batch may not be sent now (the Dispatcher asks at every send)."""
        batch = await self.get(batch_id)
        if batch is None:
            return Refusal(Reason.BATCH_CANCELLED, "its batch is no longer known to the app")
        if batch.phase == Phase.CANCELLED:
            by = f" by <@{batch.cancelled_by}>" if batch.cancelled_by else ""
            return Refusal(Reason.BATCH_CANCELLED, f"its batch was cancelled{by}", mrkdwn=True)
        if batch.phase == Phase.CREATING:
            return Refusal(Reason.BATCH_NOT_READY, "its batch is still being confirmed")
        return None

    async def counts(self, batch_ids: Sequence[str]) -> dict[str, Counter[str]]:
        """Each batch's rows by what they are counted as (`records.tally_of`), in one round trip."""
        async with self._store.redis.pipeline(transaction=False) as pipe:
            for batch_id in batch_ids:
                for bucket in range(keys.BUCKETS):
                    pipe.hgetall(tally_key(bucket, batch_id))
            answers = await pipe.execute()
        totals: dict[str, Counter[str]] = {}
        for index, batch_id in enumerate(batch_ids):
            total: Counter[str] = Counter()
            for answer in answers[index * keys.BUCKETS : (index + 1) * keys.BUCKETS]:
                total.update({str(label): int(count) for label, count in answer.items()})
            totals[batch_id] = +total  # zero counts (a row counted otherwise since) dropped
        return totals

    async def rows(self, batch: Batch, start: int, count: int) -> list[SmsRecord]:
        """Rows `start` to `start + count - 1` (from 1), each as it is now: an edited row as its edit."""
        numbers = range(max(1, start), min(batch.rows, start + count - 1) + 1)
        return await self._current([batch.row_id(number) for number in numbers])

    async def with_problems(self, batch: Batch) -> list[SmsRecord]:
        """Every row that could not be sent or delivered (read whole: for its owner's click, not a hot path)."""
        return [record for record in await self._current(batch.row_ids) if tally_of(record) in PROBLEMS]

    async def _current(self, ids: Sequence[str]) -> list[SmsRecord]:
        """The records, an edited one followed to what replaced it (in its place)."""
        found = []
        for start in range(0, len(ids), _READ):
            found += await self._store.get_many(ids[start : start + _READ])
        for _ in range(5):  # an edit of an edit of ...: bounded
            replaced = [index for index, record in enumerate(found) if record.phase is State.REPLACED and record.note]
            if not replaced:
                break
            successors = {record.id: record for record in await self._store.get_many([found[i].note for i in replaced])}
            for index in replaced:
                found[index] = successors.get(found[index].note, found[index])
        return found

    async def recent(self, user_id: str | None, offset: int, count: int) -> tuple[list[Listed], bool]:
        """A user's (or, with None, the team's) SMS and batches, newest first, each batch as one entry."""
        ids, more = await self._store.recent_ids(user_id, offset, count)
        async with self._store.redis.pipeline(transaction=False) as pipe:
            for listed in ids:
                pipe.get(keys.of(listed, "sms"))
                pipe.get(keys.of(listed, "batch"))
            answers = await pipe.execute()
        entries: list[Listed] = []
        for record, batch in zip(answers[::2], answers[1::2], strict=True):
            if isinstance(record, str):
                entries.append(SmsRecord.from_json(record))
            elif isinstance(batch, str):
                entries.append(Batch.from_dict(json.loads(batch)))
        return entries, more

    # --- cancel --------------------------------------------------------------------------------------

    async def cancel(self, batch_id: str, by: str, *, note: str = "") -> Cancelled:
        """The batch as a whole: marked cancelled (from now on no row of it is sent), then every row the app
        still holds cancelled, each by compare-and-set on its own version."""
        marked, changed = await self._edit(batch_id, lambda batch: _cancel(batch, by, note))
        if marked is None:
            return Cancelled(None)
        rows = await self._current(marked.row_ids)
        cancelled = 0
        for _ in range(10):  # a row that moved meanwhile is read again and tried again
            commits = self._cancel_commits([record for record in rows if record.phase in NOT_SENT], by)
            if not commits:
                break
            applied = await asyncio.gather(*(self._store.apply(commit) for commit, _ in commits))
            cancelled += sum(len(chunk) for (_, chunk), done in zip(commits, applied, strict=True) if done)
            moved = [chunk for (_, chunk), done in zip(commits, applied, strict=True) if not done]
            retry = [record.id for chunk in moved for record in chunk]
            rows = await self._current(retry)
        else:
            log.error("batch %s: some rows kept changing while it was cancelled", batch_id)
        await self.touch(batch_id)
        final = await self._current(marked.row_ids)
        return Cancelled(
            marked,
            cancelled,
            under_way=sum(record.phase is State.SENDING for record in final),
            with_kaleyra=sum(record.phase in (State.HANDED_OFF, State.SENT) for record in final),
            already=not changed,
        )

    def _cancel_commits(self, rows: Iterable[SmsRecord], by: str) -> list[tuple[Commit, list[SmsRecord]]]:
        """Per bucket, commits of at most `CHUNK` rows, each row cancelled only if still at the version read."""
        commits = []
        for bucket, chunk in _chunks(rows):
            commit = Commit(bucket)
            for record in chunk:
                self._store.put_record(commit, transition(record, Event.CANCEL, Change(by=by)), record.version)
                commit.drop_job(HANDOFF, record.id)
                if record.group:
                    commit.drop_job(GROUP, record.id)
            commits.append((commit, chunk))
        return commits

    # --- the channel post and the owner's news -------------------------------------------------------

    async def touch(self, batch_id: str) -> None:
        """A row changed: the batch's `batch` job, unless one is queued (it runs at most every `update_every`).
        A job this instance queued is remembered until it is due: until then it will see this change too."""
        now = self._clock.now()
        if (queued := self._queued.get(batch_id)) is not None and now < queued:
            return
        due = now + self._update_every
        if await self._queue.put(BATCH, batch_id, due, unless_queued=True):
            if len(self._queued) > _REMEMBERED:
                self._queued = {known: at for known, at in self._queued.items() if at > now}
            self._queued[batch_id] = due

    async def run(self, batch_id: str) -> datetime | None:
        """The `batch` job: a Confirm whose instance stopped between its steps is completed; then the channel
        post and the owner hear what changed. When to run again, or None."""
        batch = await self.get(batch_id)
        if batch is None:
            return None
        late = gave_up = False
        if batch.phase == Phase.CREATING:
            now = self._clock.now()
            if datetime.fromisoformat(batch.lease_until) > now:
                return datetime.fromisoformat(batch.lease_until)
            taken, changed = await self._edit(batch_id, lambda found: _take_over(found, now, self._lease))
            if taken is None or not changed:
                return now + self._lease
            try:
                opened, late = await self._complete(taken)
            except NotDurable:
                await self.cancel(batch_id, "", note=NOT_KEPT)
                opened = None
            batch = opened or await self.get(batch_id) or taken
            gave_up = batch.phase == Phase.CANCELLED
        counts = (await self.counts([batch_id]))[batch_id]
        problems = {label: counts[label] - batch.told.get(label, 0) for label in PROBLEMS}
        problems = {label: more for label, more in problems.items() if more > 0}
        if self.notify is not None:
            await self.notify(News(batch, counts, problems, confirmed_late=late, gave_up=gave_up))
        if problems:
            await self._edit(batch_id, lambda found: _told(found, counts))
        if (await self.counts([batch_id]))[batch_id] != counts:  # rows moved while the post was written
            return self._clock.now() + self._update_every
        return None

    async def attach_post(self, batch_id: str, channel: str, ts: str) -> Batch | None:
        batch, _ = await self._edit(batch_id, lambda found: _posted(found, channel, ts))
        return batch

    # --- the document --------------------------------------------------------------------------------

    def _put(self, commit: Commit, batch: Batch, expected: int) -> None:
        now = self._clock.now()
        last = batch.last_time or now
        ttl = max(last, now) + timedelta(days=1) + self._store.retention - now
        written = commit.put(keys.of(batch.id, "batch"), asdict(batch), expected, ttl)
        batch.version, batch.commit = written["version"], written["commit"]

    async def _edit(
        self, batch_id: str, edit: Callable[[Batch], bool], *, durable: bool = False
    ) -> tuple[Batch | None, bool]:
        """Change the document by compare-and-set: `edit` changes a copy and says whether to write it. The
        document as it is after, and whether this call changed it."""
        for _ in range(20):
            batch = await self.get(batch_id)
            if batch is None:
                return None, False
            edited = Batch.from_dict(asdict(batch))
            if not edit(edited):
                return batch, False
            commit = Commit(keys.bucket_of(batch_id))
            self._put(commit, edited, batch.version)
            if await self._store.apply(commit, durable=durable):
                return edited, True
        raise RuntimeError(f"batch {batch_id} kept changing")


def _chunks(rows: Iterable[SmsRecord]) -> Iterator[tuple[int, list[SmsRecord]]]:
    """Rows by bucket, at most `CHUNK` at a time: each chunk is one commit."""
    by_bucket: dict[int, list[SmsRecord]] = {}
    for record in rows:
        by_bucket.setdefault(keys.bucket_of(record.id), []).append(record)
    for bucket, records in by_bucket.items():
        for start in range(0, len(records), CHUNK):
            yield bucket, records[start : start + CHUNK]


def _group(rows: Sequence[SmsRecord]) -> set[str]:
    """Rows with the same text and time, in groups of at most 100: the first of each names the others. The
    ids of every grouped row."""
    same: dict[tuple[str, str | None], list[SmsRecord]] = {}
    for record in rows:
        request = record.request or {}
        same.setdefault((str(request.get("body")), record.send_at), []).append(record)
    grouped: set[str] = set()
    for members in same.values():
        if len(members) < 2:
            continue
        for start in range(0, len(members), MAX_RECIPIENTS_PER_REQUEST):
            chunk = members[start : start + MAX_RECIPIENTS_PER_REQUEST]
            chunk[0].group = [record.id for record in chunk]
            grouped.update(record.id for record in chunk)
    return grouped


def _open(batch: Batch) -> bool:
    if batch.phase != Phase.CREATING:
        return False
    batch.phase, batch.lease_until = Phase.OPEN, ""
    return True


def _cancel(batch: Batch, by: str, note: str) -> bool:
    if batch.phase == Phase.CANCELLED:
        return False
    batch.phase, batch.cancelled_by, batch.note, batch.lease_until = Phase.CANCELLED, by, note, ""
    return True


def _take_over(batch: Batch, now: datetime, lease: timedelta) -> bool:
    """A Confirm whose lease ended (its instance stopped, or is stuck): this instance completes it."""
    if batch.phase != Phase.CREATING or datetime.fromisoformat(batch.lease_until) > now:
        return False
    batch.lease_until = (now + lease).isoformat()
    return True


def _told(batch: Batch, counts: Mapping[str, int]) -> bool:
    batch.told = {label: counts.get(label, 0) for label in PROBLEMS}
    return True


def _posted(batch: Batch, channel: str, ts: str) -> bool:
    batch.post_channel, batch.post_ts = channel, ts
    return True


def _milliseconds(ttl: timedelta) -> int:
    return max(1, int(ttl.total_seconds() * 1000))
