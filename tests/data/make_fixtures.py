"""Regenerate the format fixtures of tests/data from the real texts (see SOURCES.md).

    .venv/bin/pip install reportlab   # only for this script; not a project dependency
    .venv/bin/python tests/data/make_fixtures.py

The fixtures are committed; the tests never run this script.
"""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "shanghai-regulations"
JIADING = ROOT / "knowledge" / "documents" / "jiading-livestream-2024.txt"

_L1 = re.compile(r"^([一二三四五六七八九十]+)、\s*")
_L2 = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]\s*")

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def body_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text.split("---", 2)[2]
    return re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL).strip()


def make_docx() -> None:
    """The Jiading opinions as Word writes them: 一、 and （一） are automatic numbering."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.append(
        parse_xml(
            f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="90">'
            '<w:multiLevelType w:val="multilevel"/>'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="%1、"/><w:lvlJc w:val="left"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlRestart w:val="0"/>'
            '<w:lvlText w:val="（%2）"/><w:lvlJc w:val="left"/></w:lvl>'
            "</w:abstractNum>"
        )
    )
    numbering.append(
        parse_xml(f'<w:num xmlns:w="{W}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    )
    for line in body_of(JIADING).splitlines():
        line = line.strip()
        if not line:
            continue
        m1, m2 = _L1.match(line), _L2.match(line)
        level = 0 if m1 else 1 if m2 else None
        text = line[(m1 or m2).end() :] if (m1 or m2) else line
        paragraph = document.add_paragraph(text)
        if level is not None:
            p_pr = paragraph._p.get_or_add_pPr()
            p_pr.append(
                parse_xml(
                    f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="{level}"/>'
                    '<w:numId w:val="90"/></w:numPr>'
                )
            )
    document.save(str(HERE / "jiading-opinions-autonumbered.docx"))


def make_pdf() -> None:
    """A Shanghai regulation as a printed PDF: running header, "— n —" page numbers."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    lines = [
        ln.strip().lstrip("#").strip()
        for ln in body_of(CORPUS / "上海市献血条例.md").splitlines()
        if ln.strip()
    ]
    pdf = canvas.Canvas(str(HERE / "shanghai-blood-donation.pdf"), pagesize=A4)
    width, height = A4
    page = 1
    y = height - 90

    def furniture() -> None:
        pdf.setFont("STSong-Light", 9)
        pdf.drawCentredString(width / 2, height - 40, "上海市地方性法规汇编")
        pdf.drawCentredString(width / 2, 30, f"— {page} —")
        pdf.setFont("STSong-Light", 11)

    furniture()
    for line in lines:
        chunks = [line[i : i + 38] for i in range(0, len(line), 38)] or [""]
        for chunk in chunks:
            if y < 60:
                pdf.showPage()
                page += 1
                y = height - 90
                furniture()
            pdf.drawString(60, y, chunk)
            y -= 18
        y -= 6
    pdf.save()
    scan = canvas.Canvas(str(HERE / "scanned-no-text.pdf"), pagesize=A4)
    scan.rect(60, 60, width - 120, height - 120, fill=1)
    scan.showPage()
    scan.save()


def make_html() -> None:
    """The Ningbo regulation as a page saved from a government site, GBK-encoded."""
    lines = [ln.strip() for ln in body_of(HERE / "ningbo-blood-donation.md").splitlines()]
    title = lines[0].lstrip("# ")
    paragraphs = "\n".join(
        f"<p style=\"text-indent:2em\">{ln.lstrip('#').strip()}</p>"
        for ln in lines[1:]
        if ln
    )
    html = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{title}_宁波市人民代表大会常务委员会</title>
<script>var _hmt = _hmt || []; function share() {{ return "分享到微信"; }}</script>
<style>.nav {{ color: red }}</style></head>
<body>
<div class="header"><div class="nav"><a href="/">首页</a> | <a href="/rdgz">人大工作</a> | <a href="/fg">地方性法规</a></div></div>
<div class="position">当前位置：首页 &gt; 地方性法规</div>
<div class="main"><h1>{title}</h1>
<div class="info">发布时间：2020-06-01 来源：宁波人大 字号：大 中 小</div>
<div id="zoom">
{paragraphs}
</div></div>
<div class="footer">版权所有：宁波市人民代表大会常务委员会 浙ICP备00000000号</div>
</body></html>
"""
    (HERE / "ningbo-blood-donation.html").write_bytes(html.encode("gb18030"))


def make_gbk_txt() -> None:
    """A Shanghai regulation as a GBK text file with Windows line ends, no front matter."""
    text = body_of(CORPUS / "上海市公共场所控制吸烟条例.md").replace("\n", "\r\n")
    (HERE / "shanghai-smoking-control-gbk.txt").write_bytes(text.encode("gbk"))


if __name__ == "__main__":
    make_docx()
    make_pdf()
    make_html()
    make_gbk_txt()
