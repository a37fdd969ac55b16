"""Checking uploaded attachments before anything is stored: type by name and first bytes,
size, count. Shared by every workflow that takes files with a request (credit disputes,
financing demands); the caller stores the checked files with its own model.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.core.text import text_problem

ATTACHMENT_MAX_BYTES = 10 * 2**20
ATTACHMENT_MAX_COUNT = 5
#: Accepted attachment types: extension → (content type, the file's first bytes).
ATTACHMENT_TYPES: dict[str, tuple[str, bytes]] = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
}


@dataclass(frozen=True)
class CheckedAttachment:
    """An upload known to be acceptable, with what its row stores."""

    file: object
    name: str
    content_type: str
    size: int
    sha256: str


def attachments_check(
    files: Sequence | None, *, field: str = "attachments", max_count: int = ATTACHMENT_MAX_COUNT
) -> list[CheckedAttachment]:
    """The uploaded ``files`` once each is known to be a PDF, JPG or PNG (by its name and its
    first bytes) of at most 10 MB, at most ``max_count`` of them; otherwise ``invalid`` on
    ``field`` naming the file, and nothing is stored."""
    files = [f for f in (files or []) if f is not None]
    if len(files) > max_count:
        raise ApplicationError.invalid(
            {
                field: [
                    _("最多上传%(max)s个附件，本次选择了%(count)s个。")
                    % {"max": max_count, "count": len(files)}
                ]
            }
        )
    checked = []
    for upload in files:
        name = os.path.basename(getattr(upload, "name", "") or "")[-255:] or "attachment"
        if problem := text_problem(name):
            raise ApplicationError.invalid({field: [problem]})
        extension = os.path.splitext(name)[1].lower()
        if extension not in ATTACHMENT_TYPES:
            raise ApplicationError.invalid(
                {
                    field: [
                        _("附件“%(name)s”的格式不支持，请上传PDF、JPG或PNG文件。") % {"name": name}
                    ]
                }
            )
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise ApplicationError.invalid(
                {
                    field: [
                        _("附件“%(name)s”超过%(mb)s MB，请压缩或拆分后重新上传。")
                        % {"name": name, "mb": ATTACHMENT_MAX_BYTES // 2**20}
                    ]
                }
            )
        if upload.size == 0:
            raise ApplicationError.invalid(
                {field: [_("附件“%(name)s”是空文件。") % {"name": name}]}
            )
        content_type, signature = ATTACHMENT_TYPES[extension]
        upload.seek(0)
        digest = hashlib.sha256()
        head = b""
        for chunk in upload.chunks():
            if not head:
                head = chunk[: len(signature)]
            digest.update(chunk)
        upload.seek(0)
        if not head.startswith(signature):
            raise ApplicationError.invalid(
                {
                    field: [
                        _("附件“%(name)s”的内容不是有效的%(kind)s文件，请检查后重新上传。")
                        % {"name": name, "kind": extension[1:].upper()}
                    ]
                }
            )
        checked.append(
            CheckedAttachment(upload, name, content_type, int(upload.size), digest.hexdigest())
        )
    return checked
