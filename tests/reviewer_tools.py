"""How a reviewer opens our outputs, for the tests: headless Chromium and LibreOffice (RTF -> PDF).

Under CI=true a missing binary is a failure (.ci/install-system-deps.sh installs them);
elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

#: injected into a copy of a page: lists every image with its load state and natural size
PROBE = """
<script>
window.addEventListener("load", function () {
  var lines = [];
  document.querySelectorAll("img").forEach(function (img) {
    lines.push("IMG " + img.getAttribute("src") + " " + img.complete + " " + img.naturalWidth + "x" + img.naturalHeight);
  });
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = lines.join("\\n");
  document.body.appendChild(out);
});
</script>
"""


def binary(*names: str) -> str:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail(f"{names[0]} is not installed (run .ci/install-system-deps.sh; under CI a missing binary fails)")
    pytest.skip(f"{names[0]} not installed and CI is not set")


def chromium() -> str:
    return binary("chromium", "chromium-browser")


#: injected into a copy of a page: every word of a table cell that the browser broke across lines
#: (a word's text range with client rectangles on more than one line), and the number of words seen
WORD_PROBE = """
<script>
window.addEventListener("load", function () {
  var broken = [], words = 0;
  document.querySelectorAll("table.tlf td, table.tlf th").forEach(function (cell) {
    var walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT), node;
    while ((node = walker.nextNode())) {
      var re = /\\S+/g, m;
      while ((m = re.exec(node.data))) {
        words += 1;
        var range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        var tops = {};
        Array.prototype.forEach.call(range.getClientRects(), function (r) { tops[Math.round(r.top)] = 1; });
        if (Object.keys(tops).length > 1) { broken.push("BROKEN " + m[0]); }
      }
    }
  });
  var out = document.createElement("pre");
  out.id = "word-probe";
  out.textContent = "WORDS " + words + "\\n" + broken.join("\\n");
  document.body.appendChild(out);
});
</script>
"""


def dump_dom(browser: str, url: str, profile: Path, window: tuple[int, int] = (1280, 1024)) -> str:
    """The DOM of ``url`` after load, as headless Chromium renders it (no network, fresh profile) in a
    window of ``window`` pixels (a reviewer's screen)."""
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
           f"--window-size={window[0]},{window[1]}",
           f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", url]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


class Links(HTMLParser):
    """Collects the ``<a href>`` and ``<img src>`` of a page."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.imgs = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self.hrefs.append(a["href"])
        elif tag == "img":
            self.imgs.append(a["src"])


def rtf_to_pdf_text(rtf_path: Path, tmp_path: Path) -> str:
    """Convert an RTF with LibreOffice headless (private profile) and return pdftotext's layout text."""
    soffice, pdftotext = binary("soffice", "libreoffice"), binary("pdftotext")
    res = subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(rtf_path)],
        capture_output=True, text=True, timeout=300,
    )
    pdf = tmp_path / (rtf_path.stem + ".pdf")
    assert res.returncode == 0 and pdf.is_file(), (res.stdout, res.stderr)
    txt = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60)
    assert txt.returncode == 0, txt.stderr
    return txt.stdout
