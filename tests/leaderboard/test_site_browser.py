"""The built site in a real headless Chromium (Debian's chromium + chromedriver).

One browser per module. Pages are opened from file:// as a user opens a downloaded site.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from leaderboard.build import build_site
from tests.leaderboard.conftest import REPO_ROOT, measured_submission

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

# Would set window.__pwned (and raise an alert) if any of it ever executed.
PAYLOAD = (
    '<script>window.__pwned="script";alert(1)</script>'
    "<img src=x onerror=\"window.__pwned='onerror';alert(2)\">"
    '" onmouseover="window.__pwned=\'attr\'" x="'
    "javascript:window.__pwned='js';alert(3)"
)
JS_URL = "javascript:window.__pwned='link';alert(4)"


def _hostile_submission() -> dict:
    """A valid submission with the payload in every free-text field."""
    sub = measured_submission("Evil" + PAYLOAD, knowledge=None)
    sub["method"].update(
        version=PAYLOAD,
        paper=JS_URL,
        params={PAYLOAD: PAYLOAD},
        checkpoint_hash=PAYLOAD,
    )
    sub["benchmark"].update(
        dataset="evil" + PAYLOAD,
        revision=PAYLOAD,
        manifest_hash=PAYLOAD,
        scorers=[PAYLOAD],
        judges=[
            {
                "role": PAYLOAD,
                "identity": PAYLOAD,
                "model": PAYLOAD,
                "base_url": PAYLOAD,
                "prompt_hash": PAYLOAD,
                "official": False,
            }
        ],
    )
    hostile_concept = "c" + PAYLOAD
    sub["concepts"][hostile_concept] = "human"
    for metrics in sub["results"].values():
        for result in metrics.values():
            result.update(scorer=PAYLOAD, judge=PAYLOAD, note=PAYLOAD, extra={PAYLOAD: PAYLOAD})
            result["per_concept"][hostile_concept] = result["value"]
    sub["provenance"].update(
        run_id=PAYLOAD,
        date=PAYLOAD,
        machine=PAYLOAD,
        unifybench_version=PAYLOAD,
        git_commit=PAYLOAD,
        note=PAYLOAD,
        url=JS_URL,
    )
    sub["notes"] = PAYLOAD
    return sub


def _hostile_reported() -> dict:
    """The same hostile method as reported in a 'paper', so the deltas page shows both."""
    sub = _hostile_submission()
    sub["concepts"] = {}
    for metrics in sub["results"].values():
        for result in metrics.values():
            result["per_concept"] = {}
            result["value"] = 0.5
    sub["provenance"] = {
        "kind": "reported",
        "paper": PAYLOAD,
        "table": PAYLOAD,
        "paper_version": PAYLOAD,
        "page": PAYLOAD,
        "url": JS_URL,
        "note": PAYLOAD,
    }
    return sub


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("subs")
    subs = {
        # rec order A > B > C, clip_i order C > B > A, so sorting by CLIP-I reverses the rows
        "a": measured_submission("Alpha", rec=0.9, clip_i=0.5),
        "b": measured_submission("Beta", rec=0.7, clip_i=0.6),
        "c": measured_submission("Gamma", rec=0.5, clip_i=0.8),
        "v2": measured_submission("Alpha", protocol="v2"),
        "evil": _hostile_submission(),
        "evil-reported": _hostile_reported(),
    }
    # Gamma is best on animals only: the category filter must reorder its rank
    subs["c"]["results"]["rec"]["weight"]["per_concept"].update({"bo": 1.0, "mam": 1.0})
    for name, data in subs.items():
        (folder / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path_factory.mktemp("site") / "site"
    build_site([folder, REPO_ROOT / "submissions"], out)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail(
            "chromium/chromedriver missing: run `apt-get install -y chromium chromium-driver` "
            "(.ci/setup does this in CI)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="unifybench-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _open(browser, page: Path) -> list[dict]:
    """Load a page from file:// and return the console entries it produced."""
    browser.get_log("browser")  # drop anything from earlier pages
    browser.get(page.resolve().as_uri())
    browser.execute_script("return document.readyState")
    return browser.get_log("browser")


def _names(browser) -> list[str]:
    from selenium.webdriver.common.by import By

    rows = browser.find_elements(By.CSS_SELECTOR, "#board-table tbody tr")
    return [r.find_element(By.CSS_SELECTOR, "td a").text for r in rows]


def _board(site: Path, board_id: str) -> Path:
    return site / f"board-{board_id}.html"


def test_every_page_loads_without_console_errors(browser, site: Path) -> None:
    pages = [*sorted(site.glob("*.html")), *sorted((site / "m").glob("*.html"))]
    assert len(pages) > 10
    for page in pages:
        logs = _open(browser, page)
        problems = [e for e in logs if e["level"] in ("SEVERE", "WARNING")]
        assert problems == [], (
            f"{page.name}: {len(problems)} console problems, first: {problems[:2]}"
        )
        assert browser.title.endswith("UnifyBench leaderboard")


def test_clicking_a_header_reorders_rows(browser, site: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, _board(site, "hankyang428-unictokens-data-legacy"))
    assert _names(browser)[:3] == ["Alpha", "Beta", "Gamma"]  # default: rank in Understanding
    header = browser.find_element(By.CSS_SELECTOR, 'th[data-col="t2i/clip_i"]')
    header.click()
    assert _names(browser)[:3] == ["Gamma", "Beta", "Alpha"]  # higher CLIP-I first
    assert header.get_attribute("aria-sort") == "descending"
    header.click()
    names = _names(browser)
    assert names.index("Alpha") < names.index("Beta") < names.index("Gamma")
    assert header.get_attribute("aria-sort") == "ascending"
    browser.find_element(By.XPATH, '//tr[@class="cols"]/th[1]').click()  # method name, A to Z
    assert _names(browser)[0] == "Alpha"


def test_category_filter_recomputes_values_and_ranks(browser, site: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _open(browser, _board(site, "hankyang428-unictokens-data-legacy"))

    def rank_and_rec(name: str) -> tuple[str, str]:
        row = browser.find_element(By.XPATH, f'//tbody/tr[td/a[text()="{name}"]]')
        cells = row.find_elements(By.TAG_NAME, "td")
        return cells[2].text, cells[3].text

    assert rank_and_rec("Gamma") == ("3", "0.500")
    Select(browser.find_element(By.ID, "category")).select_by_value("animal")
    assert rank_and_rec("Gamma") == ("1", "1.000")
    assert browser.find_element(By.ID, "category-note").is_displayed()
    Select(browser.find_element(By.ID, "category")).select_by_value("all")
    assert rank_and_rec("Gamma") == ("3", "0.500")


def test_protocol_filter_hides_other_boards(browser, site: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _open(browser, site / "index.html")
    cards = browser.find_elements(By.CSS_SELECTOR, "#boards [data-protocol]")
    assert len(cards) >= 5
    Select(browser.find_element(By.ID, "protocol")).select_by_value("v2")
    visible = [c for c in cards if c.is_displayed()]
    assert visible and len(visible) < len(cards)
    assert {c.get_attribute("data-protocol") for c in visible} == {"v2"}


def test_hostile_text_renders_inert(browser, site: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    (board,) = site.glob("board-evil*.html")
    (method,) = (site / "m").glob("evil*-measured.html")
    (reported,) = (site / "m").glob("evil*-reported.html")
    assert "Evil" in (site / "deltas.html").read_text()  # the hostile pair is on the deltas page
    for page in (board, method, reported, site / "index.html", site / "deltas.html"):
        _open(browser, page)
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert  # noqa: B018 - property access raises when no alert
        for el in browser.find_elements(By.CSS_SELECTOR, "td, dd, code, span, p, h1, a"):
            browser.execute_script(
                "arguments[0].dispatchEvent(new MouseEvent('mouseover', {bubbles: true}))", el
            )
        assert browser.execute_script("return window.__pwned === undefined")
        # only the site's own script; no injected element or handler attribute exists
        assert len(browser.find_elements(By.TAG_NAME, "script")) == 1
        assert browser.find_elements(By.CSS_SELECTOR, "img, [onerror], [onmouseover]") == []
        hrefs = [a.get_attribute("href") or "" for a in browser.find_elements(By.TAG_NAME, "a")]
        assert not [h for h in hrefs if not h.startswith(("file:", "http:", "https:"))], hrefs
    # the payload is visible as literal text on the method page
    _open(browser, method)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert '<script>window.__pwned="script";alert(1)</script>' in body
    assert JS_URL in body  # the javascript: "link" is plain text
    # the hostile board link from the method page goes to a file of the site, not anywhere else
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "protocol legacy")
    assert link.get_attribute("href").startswith("file:")
