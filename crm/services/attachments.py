"""Attachments: files a record carries (a business card's photo, a brochure), kept outside the
web root in the configured upload folder under random names.

A file's type is told by its first bytes, never by its name or the content type the browser
sent: only the types in SIGNATURES are taken, so an HTML page or a program renamed .jpg is
refused. The sender's file name is kept for display and for the download's name only; on disk
every file is a random token. Who may read a record's files is the record's own rule (see
crm.services.referrals); this module only checks, stores, lists and finds them."""

import os
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Attachment
from crm.services import audit
from crm.spreadsheets import megabytes

# (content type, label) by the bytes a file starts with; HEIC/HEIF are ISO boxes ("ftyp" at
# byte 4, then the brand), WebP a RIFF container.
HEIF_BRANDS = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"hevc": "image/heic",
    b"hevx": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
}
SNIFF_BYTES = 16
FALLBACK_NAME = "附件"
NAME_LIMIT = Attachment.__table__.c.file_name.type.length


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes show, or None when it is none of ours."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return HEIF_BRANDS[head[8:12]]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def shown_name(raw: str | None) -> str:
    """The sender's file name, fit to show: no folder part (some browsers send one), no control
    characters, at most the column's length. Templates escape it like any other text."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > NAME_LIMIT:
        _stem, dot, suffix = name.rpartition(".")
        keep = suffix if dot and len(suffix) <= 10 else ""
        name = name[: NAME_LIMIT - len(keep) - 1] + ("." + keep if keep else "")
    return name or FALLBACK_NAME


@dataclass(frozen=True)
class Limits:
    max_bytes: int  # each file
    max_count: int  # a record's files in all

    @property
    def megabytes(self) -> str:
        return megabytes(self.max_bytes)


@dataclass(frozen=True)
class Upload:
    """A file that passed the checks, held until its record is saved."""

    name: str  # shown_name of what the sender called it
    content_type: str  # sniffed
    data: bytes


def check_uploads(
    files: Iterable[tuple[str | None, BinaryIO]], limits: Limits, already: int = 0
) -> tuple[list[Upload], list[str]]:
    """The files that pass, and a message for each that does not (empty, too large, of a type
    not taken, one too many). `files` are (sender's name, stream); a part without a name and
    without bytes is a file input left empty, and is skipped. `already`: the record's files."""
    uploads: list[Upload] = []
    problems: list[str] = []
    chosen = 0
    for raw_name, stream in files:
        data = stream.read(limits.max_bytes + 1)
        if not raw_name and not data:
            continue
        chosen += 1
        name = shown_name(raw_name)
        if not data:
            problems.append(_("“%(name)s”是空文件。", name=name))
        elif len(data) > limits.max_bytes:
            problems.append(
                _(
                    "“%(name)s”超过每个文件 %(limit)s MB 的上限。",
                    name=name,
                    limit=limits.megabytes,
                )
            )
        elif (content_type := sniff(data[:SNIFF_BYTES])) is None:
            problems.append(
                _(
                    "“%(name)s”不是可接受的文件：只收 JPEG、PNG、WebP、HEIC 图片或 PDF"
                    "（按文件内容判断，改扩展名无效）。",
                    name=name,
                )
            )
        else:
            uploads.append(Upload(name, content_type, data))
    if already + chosen > limits.max_count:
        problems.insert(
            0,
            _(
                "最多 %(count)d 个附件（已有 %(already)d 个）。",
                count=limits.max_count,
                already=already,
            )
            if already
            else _("最多 %(count)d 个附件。", count=limits.max_count),
        )
    return uploads, problems


def save(
    session: Session,
    folder: str | os.PathLike,
    owner_type: str,
    owner_id: int,
    uploads: Sequence[Upload],
    actor_id: int | None,
) -> list[Attachment]:
    """Write the files under random names and record them. Files already written are removed
    again when a later one or the database refuses."""
    root = Path(folder)
    saved: list[Attachment] = []
    try:
        for upload in uploads:
            token = secrets.token_hex(16)
            relative = f"{owner_type}/{token[:2]}/{token}"
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            # O_EXCL: never write over another file; 0o640: not for other users of the host.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            with os.fdopen(descriptor, "wb") as out:
                out.write(upload.data)
            attachment = Attachment(
                owner_type=owner_type,
                owner_id=owner_id,
                file_name=upload.name,
                content_type=upload.content_type,
                size_bytes=len(upload.data),
                stored_path=relative,
                created_by_id=actor_id,
            )
            saved.append(attachment)
            session.add(attachment)
            audit.record_create(session, attachment, actor_id)
        session.flush()
    except BaseException:
        discard(folder, saved)
        raise
    return saved


def discard(folder: str | os.PathLike, attachments: Iterable[Attachment]) -> None:
    """Remove the files of attachments whose rows were not kept (a rolled-back save)."""
    for attachment in attachments:
        path_of(folder, attachment).unlink(missing_ok=True)


def of(session: Session, owner_type: str, owner_ids: Iterable[int]) -> dict[int, list[Attachment]]:
    """The attachments of each record, oldest first: one query for any number of records."""
    ids = set(owner_ids)
    found: dict[int, list[Attachment]] = {}
    if not ids:
        return found
    for attachment in session.scalars(
        select(Attachment)
        .where(Attachment.owner_type == owner_type, Attachment.owner_id.in_(ids))
        .order_by(Attachment.id)
    ):
        found.setdefault(attachment.owner_id, []).append(attachment)
    return found


def count_of(session: Session, owner_type: str, owner_id: int) -> int:
    return len(of(session, owner_type, [owner_id]).get(owner_id, []))


def one_of(
    session: Session, owner_type: str, owner_id: int, attachment_id: int
) -> Attachment | None:
    """The attachment, when it belongs to that record."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or (attachment.owner_type, attachment.owner_id) != (
        owner_type,
        owner_id,
    ):
        return None
    return attachment


def path_of(folder: str | os.PathLike, attachment: Attachment) -> Path:
    """Where the file lies; a stored path that would leave the folder is refused."""
    root = Path(folder).resolve()
    path = (root / attachment.stored_path).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"attachment {attachment.id} lies outside the upload folder")
    return path
