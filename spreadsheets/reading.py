"""A spreadsheet's cells: XLSX / XLS / ODS through python-calamine, CSV in UTF-8 (with or without a BOM) or
GB18030. The first sheet only; rows as lists of cell values. Problems of the file as a whole are ``FileProblem``."""

from __future__ import annotations

import csv
import io
from typing import Any

from python_calamine import CalamineWorkbook

from spreadsheets.domain.rows import MAX_FILE_BYTES, MAX_ROWS, FileProblem

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"


def decode_csv(content: bytes) -> str:
    """UTF-8 (a BOM is dropped), else GB18030 (which also reads GBK and GB2312)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise FileProblem("", "CSV 文件的编码既不是 UTF-8 也不是 GB18030") from None


def read_rows(filename: str, content: bytes) -> list[list[Any]]:
    """Every row of the first sheet (the header included), refused when too big or unreadable."""
    if not content:
        raise FileProblem("", "文件是空的")
    if len(content) > MAX_FILE_BYTES:
        raise FileProblem("", f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB")
    name = filename.lower()
    rows: list[list[Any]] = []
    if name.endswith(WORKBOOK_SUFFIXES) or content[:4] in (_ZIP, _OLE):
        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
            sheet = workbook.get_sheet_by_index(0)
            for cells in sheet.iter_rows():
                rows.append(list(cells))
                if len(rows) > MAX_ROWS + 1:
                    break
        except Exception as exc:  # calamine's own errors (CalamineError, zip errors ...) say the file is broken
            raise FileProblem("", f"无法读取表格文件（{type(exc).__name__}）：请上传 xlsx、xls、ods 或 csv 文件") \
                from None
    elif name.endswith((".csv", ".txt")):
        text = decode_csv(content)
        try:
            for row in csv.reader(io.StringIO(text)):
                rows.append(list(row))
                if len(rows) > MAX_ROWS + 1:
                    break
        except csv.Error as exc:
            raise FileProblem("", f"CSV 格式有误：{exc}") from None
    else:
        raise FileProblem("", "只接受 xlsx、xls、ods 或 csv 文件")
    if len(rows) > MAX_ROWS + 1:
        raise FileProblem("", f"一次最多导入 {MAX_ROWS} 行")
    return rows
