"""Read a document file of any supported format into plain text that keeps its structure.

Every reader returns lines of text, one paragraph per line, with the document's own numbering
in the text (一、 （一） 1. …) so that one parser handles every format:

- ``.txt`` / ``.md``: bytes decoded as UTF-8 (with or without BOM), else the encoding
  detected by charset-normalizer (government files are often GBK / GB18030);
- ``.docx``: python-docx; Word's automatic numbering is not in a paragraph's text, so the
  labels are rebuilt from the numbering definitions (``numbering.xml``: format, level text,
  start value) and counted per list; tables are read row by row;
- ``.pdf``: pypdf's text layer, page by page; page furniture (page numbers such as "— 3 —",
  running headers and footers repeated on most pages) is dropped; a PDF without a text layer
  (a scan) is refused with a clear message;
- ``.html`` / ``.htm``: a page saved from a government site; its main content is found by
  trafilatura (site chrome such as menus, breadcrumbs, "字体大小", "返回顶部" and the ICP
  footer is not the document), its title from the page's metadata.

A file that cannot be read raises ``KnowledgeError`` whose message starts with the file name.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.knowledge.metadata import title_candidate

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf", ".html", ".htm")

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def decode(data: bytes, name: str) -> str:
    """Text of ``data``: UTF-8 when it is, else the detected encoding (GBK and friends)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        line = data[: utf8_error.start].count(b"\n") + 1
        raise KnowledgeError(
            f"{name}, line {line}: not text in any known encoding (not UTF-8, GBK or GB18030)"
        )
    encoding = best.encoding
    # GB2312 and GBK are subsets of GB18030: decoding with the superset never fails on a
    # character the detector did not see in its sample.
    if encoding.lower().replace("-", "").replace("_", "") in ("gb2312", "gbk", "cp936"):
        encoding = "gb18030"
    return data.decode(encoding, errors="replace")


def read_text_file(path: Path) -> str:
    text = decode(path.read_bytes(), path.name)
    if path.suffix.lower() in (".md", ".markdown"):
        text = _COMMENT.sub("", text)
    return text


# ------------------------------------------------------------------------------ docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN = "零一二三四五六七八九"


def _chinese_number(n: int) -> str:
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n - 10] if n > 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    return str(n)


def _format_number(n: int, fmt: str) -> str:
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "ideographTraditional",
        "chineseLegalSimplified",
        "japaneseCounting",
        "taiwaneseCounting",
        "ideographDigital",
    ):
        return _chinese_number(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "bullet" or fmt == "none":
        return ""
    return str(n)


class _Numbering:
    """Word's numbering definitions, and the running counters of each list."""

    def __init__(self, document: Any) -> None:
        self._levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        # Levels that keep counting when a higher level moves on (w:lvlRestart w:val="0"):
        # （一）…（十二） numbered straight through several 一、 sections.
        self._no_restart: dict[str, set[int]] = {}
        self._counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        keep: dict[str, set[int]] = {}
        for node in root.findall(f"{_W}abstractNum"):
            levels: dict[int, tuple[str, str, int]] = {}
            for lvl in node.findall(f"{_W}lvl"):
                ilvl = int(lvl.get(f"{_W}ilvl", "0"))
                restart = lvl.find(f"{_W}lvlRestart")
                if restart is not None and restart.get(f"{_W}val") == "0":
                    keep.setdefault(node.get(f"{_W}abstractNumId", ""), set()).add(ilvl)
                fmt = lvl.find(f"{_W}numFmt")
                text = lvl.find(f"{_W}lvlText")
                start = lvl.find(f"{_W}start")
                levels[ilvl] = (
                    fmt.get(f"{_W}val", "decimal") if fmt is not None else "decimal",
                    text.get(f"{_W}val", "") if text is not None else "",
                    int(start.get(f"{_W}val", "1")) if start is not None else 1,
                )
            abstract[node.get(f"{_W}abstractNumId", "")] = levels
        for num in root.findall(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            if ref is not None:
                num_id = num.get(f"{_W}numId", "")
                self._levels[num_id] = abstract.get(ref.get(f"{_W}val", ""), {})
                self._no_restart[num_id] = keep.get(ref.get(f"{_W}val", ""), set())

    def label(self, num_id: str, ilvl: int) -> str:
        levels = self._levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counters = self._counters.setdefault(num_id, [0] * 9)
        for deeper in range(ilvl + 1, 9):
            if deeper not in self._no_restart.get(num_id, set()):
                counters[deeper] = 0
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else levels[ilvl][2]
        fmt, text, _start = levels[ilvl]

        def value(match: re.Match[str]) -> str:
            level = int(match.group(1)) - 1
            lfmt = levels.get(level, ("decimal", "", 1))[0]
            count = counters[level] or levels.get(level, ("", "", 1))[2]
            return _format_number(count, lfmt if level != ilvl else fmt)

        return re.sub(r"%(\d)", value, text)


def _num_pr(paragraph: Any) -> tuple[str, int] | None:
    p_pr = paragraph._p.pPr
    num_pr = p_pr.numPr if p_pr is not None else None
    if num_pr is None:
        style = paragraph.style
        while style is not None and num_pr is None:
            s_pr = style.element.pPr
            num_pr = s_pr.numPr if s_pr is not None else None
            style = style.base_style
    if num_pr is None or num_pr.numId is None:
        return None
    ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
    return str(num_pr.numId.val), int(ilvl)


def read_docx(path: Path) -> str:
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise KnowledgeError(f"{path.name}: python-docx is not installed") from exc
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise KnowledgeError(f"{path.name}: not a readable .docx file: {exc}") from exc
    except Exception as exc:  # zipfile.BadZipFile, lxml errors: a broken file
        raise KnowledgeError(f"{path.name}: not a readable .docx file: {exc}") from exc
    numbering = _Numbering(document)
    lines: list[str] = []
    body = document.element.body
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in body.iterchildren():
        if child.tag == f"{_W}p":
            paragraph = Paragraph(child, document)
            text = paragraph.text.strip()
            if not text:
                continue
            pr = _num_pr(paragraph)
            label = numbering.label(*pr) if pr else ""
            style = (paragraph.style.name or "") if paragraph.style is not None else ""
            heading = re.match(r"(?:Heading|标题)\s*(\d)", style)
            prefix = "#" * int(heading.group(1)) + " " if heading else ""
            if style == "Title":
                prefix = "# "
            lines.append(f"{prefix}{label}{text}")
        elif child.tag == f"{_W}tbl":
            for row in Table(child, document).rows:
                cells = [c.text.strip() for c in row.cells]
                if any(cells):
                    lines.append("\t".join(dict.fromkeys(c for c in cells if c)))
    return "\n".join(lines)


# ------------------------------------------------------------------------------- pdf

_PAGE_NUMBER = re.compile(
    r"^[\s\-—–_·•]*(?:第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|\d{1,4}(?:\s*/\s*\d{1,4})?"
    r"|[-—–]\s*\d{1,4}\s*[-—–]|page\s*\d+(?:\s*of\s*\d+)?)[\s\-—–_·•]*$",
    re.IGNORECASE,
)
_MIN_TEXT_CHARS = 20


def read_pdf(path: Path) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise KnowledgeError(f"{path.name}: pypdf is not installed") from exc
    try:
        reader = PdfReader(str(path))
        pages = [(page.extract_text() or "") for page in reader.pages]
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        raise KnowledgeError(f"{path.name}: not a readable PDF: {exc}") from exc
    if sum(len(re.sub(r"\s", "", p)) for p in pages) < _MIN_TEXT_CHARS:
        raise KnowledgeError(
            f"{path.name}: the PDF has no text layer ({len(pages)} pages, probably a scan); "
            "run OCR on it or use the .docx / .txt version of the document"
        )
    page_lines = [[ln.strip() for ln in p.splitlines() if ln.strip()] for p in pages]
    # Running headers and footers: the same line at the top or bottom of most pages.
    edges: Counter[str] = Counter()
    for lines in page_lines:
        edges.update(set(lines[:2] + lines[-2:]))
    running = (
        {line for line, n in edges.items() if n >= max(3, len(page_lines) // 2 + 1)}
        if len(page_lines) >= 3
        else set()
    )
    out: list[str] = []
    for lines in page_lines:
        for index, line in enumerate(lines):
            edge = index < 2 or index >= len(lines) - 2
            if edge and (line in running or _PAGE_NUMBER.match(line)):
                continue
            out.append(line)
    return "\n".join(out)


# ------------------------------------------------------------------------------ html

_BLOCKS = (
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
)


def _html_text(path: Path) -> str:
    """The page's text in its declared charset, else the detected one (GBK pages)."""
    data = path.read_bytes()
    declared = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", data[:4096])
    if declared:
        encoding = declared.group(1).decode("ascii").lower()
        if encoding in ("gb2312", "gbk"):
            encoding = "gb18030"
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, path.name)


def read_html(path: Path) -> str:
    """The main content of a saved web page, one paragraph per line, its title first.

    trafilatura finds the article among the site's chrome (menus, breadcrumb, font-size
    switch, "back to top", ICP footer, related links); a page it finds no content in falls
    back to the text of every block of the body.
    """
    import trafilatura

    html = _html_text(path)
    # Precision over recall: on a page with two candidate blocks (the article and a print
    # copy) recall mode takes their common parent, site chrome included.
    extracted = trafilatura.bare_extraction(
        html, include_comments=False, include_tables=True, with_metadata=True, favor_precision=True
    )
    text = getattr(extracted, "text", None) or ""
    title = (getattr(extracted, "title", None) or "").strip()
    lines = [re.sub(r"[ \t\xa0]+", " ", ln).strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        return _html_blocks(html)
    lines = without_repeats(lines)
    # The page's title (its <title> without the site's name) when it is a document's title
    # and the body does not open with it; a site name or a breadcrumb is never one.
    if title and title_candidate(title) and not any(ln.lstrip("# ") == title for ln in lines[:5]):
        lines.insert(0, "# " + title)
    return "\n".join(lines)


_REPEAT_LINES = 4  # a run of this many lines seen before, in order, is the text again


def without_repeats(lines: list[str]) -> list[str]:
    """The lines with any block that repeats an earlier block dropped: a page that carries
    its article twice (a print version, a hidden copy) is indexed once. Single lines that
    recur ("（三）法律、法规规定的其他情形。") are kept."""
    out: list[str] = []
    seen: dict[str, list[int]] = {}
    index = 0
    while index < len(lines):
        run = 0
        for start in seen.get(lines[index], []):
            length = 0
            while (
                start + length < len(out)
                and index + length < len(lines)
                and out[start + length] == lines[index + length]
            ):
                length += 1
            run = max(run, length)
        if run >= _REPEAT_LINES:
            index += run
            continue
        seen.setdefault(lines[index], []).append(len(out))
        out.append(lines[index])
        index += 1
    return out


def _html_blocks(html: str) -> str:
    """Every block of the page's body as a line (scripts, styles and forms left out)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "iframe", "form", "button", "select"]):
        tag.decompose()
    root: Any = soup.body or soup
    for br in root.find_all("br"):
        br.replace_with("\n")
    for block in root.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = [re.sub(r"[ \t\xa0]+", " ", ln).strip() for ln in root.get_text().splitlines()]
    return "\n".join(ln for ln in lines if ln)


def read_file(path: Path) -> str:
    """The text of a document file, by its suffix; ``KnowledgeError`` names the file."""
    suffix = path.suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES:
            return read_text_file(path)
        if suffix == ".docx":
            return read_docx(path)
        if suffix == ".pdf":
            return read_pdf(path)
        if suffix in (".html", ".htm"):
            return read_html(path)
    except OSError as exc:
        raise KnowledgeError(f"{path.name}: cannot read the file: {exc}") from exc
    raise KnowledgeError(f"{path.name}: unsupported file type {suffix!r}")
