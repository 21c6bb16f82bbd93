"""Regenerate the non-Markdown documents of tests/data/provinces from the real texts.

    .venv/bin/pip install reportlab   # only for this script; not a project dependency
    .venv/bin/python tests/data/provinces/make_provinces.py

The texts in ``originals/`` are the real documents (see tests/data/SOURCES.md); this script
only puts them into the other formats an office receives (Word, PDF, a saved web page, a
plain text file), adding what those formats add in life: a page's navigation, breadcrumb,
font-size switch, "back to top" link and ICP footer; a PDF's running header and page numbers;
a Word file whose chapters are Heading 1 and whose title is a plain centred paragraph. The
body text is never changed. The generated files are committed; the tests never run this.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORIGINALS = HERE / "originals"

HTML_PAGES = {
    "zj-private-enterprise": ("浙江人大", "浙ICP备05002813号", "法规库 > 省地方性法规"),
    "sd-business-environment": ("山东人大网", "鲁ICP备05001946号", "地方立法 > 法规文本"),
    "zz-employment-relations": ("郑州人大网", "豫ICP备10010020号", "法规规章 > 地方性法规"),
}
DOCX_FILES = ("zj-digital-economy", "sd-talent", "hn-sme-promotion")
PDF_FILES = {
    "jn-business-environment": "济南市地方性法规汇编",
    "hn-enterprise-burden": "河南省地方性法规选编",
}
TXT_FILES = ("qd-prices", "tz-enterprise-credit", "sq-business-environment")


def lines_of(name: str) -> tuple[str, list[str]]:
    """The title and the body paragraphs of a LawRefBook Markdown original."""
    text = (ORIGINALS / f"{name}.md").read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0].lstrip("# ").strip(), [ln.lstrip("#").strip() for ln in lines[1:]]


def make_html(name: str, site: str, icp: str, crumbs: str) -> None:
    """A regulation as a page saved from a people's congress site, with all its chrome."""
    title, body = lines_of(name)
    paragraphs = "\n".join(f"<p>{html.escape(ln)}</p>" for ln in body)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{title}-{site}</title>
<meta name="keywords" content="{site},地方性法规">
<script src="/js/jquery.min.js"></script>
<script>function setFont(size) {{ document.getElementById("zoom").style.fontSize = size; }}</script>
</head>
<body>
<div class="top"><span>欢迎访问{site}</span> <a href="/">设为首页</a> <a href="/">加入收藏</a> <a href="/">无障碍浏览</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/news">新闻中心</a></li><li><a href="/law">{crumbs.split(' > ')[0]}</a></li><li><a href="/gk">信息公开</a></li></ul></div>
<div class="location">您当前所在的位置：<a href="/">首页</a> &gt; {crumbs.replace(' > ', ' &gt; ')}</div>
<div class="article">
<h2 class="title">{title}</h2>
<div class="property">来源：{site} 浏览次数：1523 字体大小：<a href="javascript:setFont('18px')">大</a> <a href="javascript:setFont('16px')">中</a> <a href="javascript:setFont('14px')">小</a></div>
<div id="zoom" class="content">
{paragraphs}
</div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a> <a href="#top">返回顶部</a></div>
<div class="related"><h3>相关链接</h3><ul><li><a href="/a/1">全国人大</a></li><li><a href="/a/2">中国政府网</a></li></ul></div>
</div>
<div class="footer"><p>版权所有：{site} 主办单位：{site}办公厅</p><p>{icp} 网站标识码：3700000001</p></div>
</body></html>
"""
    (HERE / f"{name}.html").write_text(page, encoding="utf-8")


def make_liuhe() -> None:
    """The Liuhe county measures: the real Word-exported HTML fragment in a saved page."""
    fragment = (ORIGINALS / "liuhe-key-industries.fragment.html").read_text(encoding="utf-8")
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>加快重点产业实施意见</title>
<script>var _hmt = _hmt || [];</script></head>
<body>
<div class="header"><a href="/">首页</a> | <a href="/zcfg">政策法规</a> | <a href="/tzzn">投资指南</a></div>
<div class="crumb">您当前所在的位置：首页 &gt; 政策法规 &gt; 产业政策</div>
<div class="detail">
<p style="text-align: center;">加快重点产业实施意见</p>
<div class="fontsize">字体大小：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></div>
<div class="TRS_Editor">
{fragment}
</div>
<div class="back"><a href="#top">返回顶部</a> <a href="javascript:window.print()">打印</a></div>
</div>
<div class="footer">吉ICP备05002089号</div>
</body></html>
"""
    (HERE / "liuhe-key-industries.html").write_text(page, encoding="utf-8")


def make_docx(name: str) -> None:
    """A regulation as an office types it in Word: centred title, chapters as Heading 1."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    title, body = lines_of(name)
    document = docx.Document()
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold = True
    for line in body:
        if re.match(r"^第[一二三四五六七八九十]+章", line):
            document.add_heading(line, level=1)
        else:
            document.add_paragraph(line)
    document.save(str(HERE / f"{name}.docx"))


def make_pdf(name: str, header: str) -> None:
    """A regulation printed to PDF with a running header and "— n —" page numbers."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    title, body = lines_of(name)
    pdf = canvas.Canvas(str(HERE / f"{name}.pdf"), pagesize=A4)
    pdf.setTitle(title)
    width, height = A4
    page = 1
    y = height - 90

    def furniture() -> None:
        pdf.setFont("STSong-Light", 9)
        pdf.drawCentredString(width / 2, height - 40, header)
        pdf.drawCentredString(width / 2, 30, f"— {page} —")
        pdf.setFont("STSong-Light", 11)

    furniture()
    for line in [title, *body]:
        for chunk in [line[i : i + 38] for i in range(0, len(line), 38)] or [""]:
            if y < 60:
                pdf.showPage()
                page += 1
                y = height - 90
                furniture()
            pdf.drawString(60, y, chunk)
            y -= 18
        y -= 6
    pdf.save()


def make_txt(name: str) -> None:
    """A regulation copied into a plain text file: no Markdown, no front matter."""
    title, body = lines_of(name)
    (HERE / f"{name}.txt").write_text("\n\n".join([title, *body]) + "\n", encoding="utf-8")


if __name__ == "__main__":
    for page_name, (site, icp, crumbs) in HTML_PAGES.items():
        make_html(page_name, site, icp, crumbs)
    make_liuhe()
    for docx_name in DOCX_FILES:
        make_docx(docx_name)
    for pdf_name, running in PDF_FILES.items():
        make_pdf(pdf_name, running)
    for txt_name in TXT_FILES:
        make_txt(txt_name)
