"""Zip bomb guard for .docx/.xlsx: judge a package by its central directory before unpacking it."""

from __future__ import annotations

import zipfile
from pathlib import Path

from reviewer import settings
from reviewer.errors import InputError

# Real Office XML compresses about 5–20:1; a member far beyond that and large is a bomb,
# even when the package as a whole stays under MAX_UNZIPPED_BYTES.
MAX_RATIO = 200
RATIO_MIN_BYTES = 10 * 1024 * 1024
MAX_MEMBERS = 10_000


def check_zip(path: Path) -> None:
    """Raise InputError when the package would unpack to more than the limits allow.

    The declared sizes are trustworthy as a bound: zipfile never returns more bytes for a
    member than its declared file_size, so a lying header only truncates the member.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise InputError("文件已损坏或不完整（压缩包无法打开），请重新导出后再试") from None
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"文件结构异常（压缩包内有 {len(infos)} 个部件），已拒绝读取")
    total = sum(info.file_size for info in infos)
    limit = settings.MAX_UNZIPPED_BYTES
    if total > limit:
        raise InputError(f"文件解压后过大（{total / 1048576:.0f} MB，上限 {limit // 1048576} MB），已拒绝读取")
    for info in infos:
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InputError("文件结构异常（疑似压缩炸弹：解压后体积异常放大），已拒绝读取")
