"""已知销售方 (/sellers) and its CSV (/sellers.csv): what the seller index knows,
for reviewers, and the file ``fapiao extract --sellers`` reads as it is."""
from __future__ import annotations

import subprocess
import sys

from capture.sellers import SellerIndex
from fapiao.services.sellers import seller_index
from tests.services.factories import SELLER_TAX_ID, uscc
from tests.services.test_sellers import recognised, typed, with_seller
from tests.web.conftest import REPO

STRAIGHT_TAX_ID = uscc("91440300MA5G00002")


def _confirm_some(pages) -> None:
    with pages.runtime.write() as session:
        typed(session, with_seller(1, "上海丙丁贸易有限公司"))
        typed(session, with_seller(2, "上海丙丁贸易有限公司"))
        typed(session, with_seller(3, "上海丙丁贸易股份有限公司"))  # the same tax ID under another name: a conflict
        assert recognised(session, with_seller(4, "深圳市直通电子有限公司", tax_id=STRAIGHT_TAX_ID)).status == "accepted"


def test_the_page_lists_the_sellers_people_confirmed_with_their_other_names(pages) -> None:
    _confirm_some(pages)
    html = pages.get("/sellers", "reviewer").text
    for label in ("已知销售方", "纳税人识别号", "名称", "确认张数", "最近开票日期", "其他名称", "未经复核直接通过"):
        assert label in html
    row = html.split(f'data-tax-id="{SELLER_TAX_ID}"', 1)[1].split("</tr>", 1)[0]
    assert "<td>上海丙丁贸易有限公司</td>" in row and '<td class="num">3</td>' in row and "2024-03-15" in row
    assert "上海丙丁贸易股份有限公司（1 张）" in row
    assert STRAIGHT_TAX_ID not in html and "深圳市直通电子有限公司" not in html  # passed straight through
    assert 'href="/sellers.csv"' in html and 'data-nav="sellers"' in html


def test_an_empty_index_says_how_sellers_get_there(pages) -> None:
    html = pages.get("/sellers", "reviewer").text
    assert 'id="sellers"' not in html and "还没有已知销售方" in html


def test_only_reviewers_and_above_see_the_sellers(pages) -> None:
    assert 'data-nav="sellers"' not in pages.get("/upload", "clerk").text
    assert 'data-nav="sellers"' in pages.get("/upload", "manager").text
    for path in ("/sellers", "/sellers.csv"):
        refused = pages.get(path, "clerk")
        assert refused.status_code == 403 and "此页面需要" in refused.text
        assert pages.get(path, "manager").status_code == 200
    assert pages.get("/sellers", None).headers["location"] == "/login?next=%2Fsellers"
    assert pages.get("/sellers.csv", None).status_code == 401  # a file, like page.jpg: no login page inside it


def test_the_csv_is_the_index_and_fapiao_extract_takes_it(pages, tmp_path) -> None:
    _confirm_some(pages)
    response = pages.get("/sellers.csv", "reviewer")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="sellers.csv"'
    assert response.content.startswith("\ufefftax_id,name,".encode())  # BOM: Excel reads the Chinese right
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[1:] == [f"{SELLER_TAX_ID},上海丙丁贸易有限公司,3,2024-03-15,上海丙丁贸易股份有限公司"]
    path = tmp_path / "sellers.csv"
    path.write_bytes(response.content)
    local = SellerIndex.from_csv(path)
    with pages.runtime.read() as session:
        server = seller_index(session)
    assert len(local) == len(server) == 1 and local.get(SELLER_TAX_ID) == server.get(SELLER_TAX_ID)
    for name, tax_id in (("上海丙丁贺易有限公司", SELLER_TAX_ID), ("上海丙丁贸易有限公司", None)):
        assert local.find(name, tax_id) == server.find(name, tax_id) == server.get(SELLER_TAX_ID)

    # the CLI reads the sellers file before any invoice: with only an unreadable "image" there is no OCR to wait
    # for, and exit code 1 (a file failed) rather than 2 (a usage error, e.g. a seller file it cannot read)
    (tmp_path / "notes.png").write_text("not an image\n")
    result = subprocess.run([sys.executable, "-c", "from fapiao.cli import main; main()", "extract",
                             str(tmp_path / "notes.png"), "--sellers", str(path)],
                            capture_output=True, text=True, cwd=REPO, timeout=600)
    assert result.returncode == 1, result.stderr
    assert "seller file" not in result.stderr and "Traceback" not in result.stderr
