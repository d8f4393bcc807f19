"""The operator console served by mantad at /, in a real headless Chromium (Debian's chromium and
chromium-driver, driven by selenium): logging in, the quickstart's fleet on the Overview, a VPP
created and its members added in the UI (by selection and by dragging) and found through the API,
a dispatch interval followed live, a report downloaded as CSV and checked against the settled
intervals, and a viewer refused when dispatching."""
import csv
import http.client
import json
import time
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser import PAGES, chrome, page_errors, quickstart
from conftest import ROOT, needs_data

pytestmark = needs_data

ASSETS = ROOT / "Core" / "MantaConsole" / "Assets"
TOKENS = {"operator": "ops-token-0123456789abcdef", "viewer": "watch-token-0123456789abcdef"}


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    # The quickstart with tokens, and its VPP holding half of each battery so that another VPP may take the rest.
    h = quickstart(tokens=[{"name": f"{role}-1", "token": t, "role": role} for role, t in TOKENS.items()], allocation=0.5)
    with h:
        h.start()
        yield h


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    d = chrome(download_dir=downloads)
    yield d
    d.quit()


def url(h, page=""):
    return f"http://127.0.0.1:{h.http_port}/" + (f"#/{page}" if page else "")


def wait(driver, condition, timeout=15):
    # The pages redraw what they show: an element read mid-redraw is read again.
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def click(driver, css, timeout=15):
    # A list redrawn by a pushed notification replaces its rows: find the element again and click it.
    def found_and_clicked(d):
        d.find_element(By.CSS_SELECTOR, css).click()
        return True
    wait(driver, found_and_clicked, timeout)


def rendered(driver, page, timeout=15):
    wait(driver, lambda d: d.find_element(By.ID, "page").get_attribute("data-rendered") == page, timeout)


def login(driver, h, role):
    driver.get(url(h))
    driver.delete_all_cookies()
    driver.get(url(h))
    token = wait(driver, EC.visibility_of_element_located((By.ID, "token")))
    token.send_keys(TOKENS[role])
    driver.find_element(By.CSS_SELECTOR, "#login-form button").click()
    rendered(driver, "overview")


def get(h, path):
    c = http.client.HTTPConnection("127.0.0.1", h.http_port, timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()


def test_every_console_file_is_served_as_it_is_in_the_tree(host):
    files = sorted(p.name for p in ASSETS.iterdir())
    assert len(files) >= 10
    for name in files:
        status, headers, body = get(host, f"/{name}")
        assert status == 200, name
        assert body == (ASSETS / name).read_bytes(), name
        kind = {"html": "text/html", "css": "text/css", "js": "text/javascript"}[name.rsplit(".", 1)[1]]
        assert headers["content-type"].startswith(kind), name
    status, headers, body = get(host, "/")
    assert status == 200 and body == (ASSETS / "index.html").read_bytes()
    # The page runs only its own scripts, is never framed, and talks only to this host.
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert get(host, "/nothing.js")[0] == 404
    assert get(host, "/../Package.swift")[0] == 404


def test_a_wrong_token_is_refused_and_the_operator_sees_the_fleet(host, browser):
    browser.delete_all_cookies()
    browser.get(url(host))
    token = wait(browser, EC.visibility_of_element_located((By.ID, "token")))
    assert not browser.find_element(By.ID, "page").is_displayed()
    token.send_keys("not-a-token-at-all-000")
    browser.find_element(By.CSS_SELECTOR, "#login-form button").click()
    error = wait(browser, EC.visibility_of_element_located((By.ID, "login-error")))
    assert "unknown token" in error.text
    # Reading the log empties it: what the wrong token logged is the 401 alone.
    assert [e for e in page_errors(browser) if "/login" not in e or "401" not in e] == []

    login(browser, host, "operator")
    assert browser.find_element(By.ID, "whoami").text == "operator-1 (operator)"
    stats = browser.find_element(By.ID, "fleet-stats").text
    info = host.call("host.info")
    assert browser.find_element(By.ID, "device-count").text == str(info["counts"]["devices"]) == "144"
    assert "VIC1" in stats and "kWh" in stats
    # The session is a cookie the page's scripts cannot read.
    assert browser.execute_script("return document.cookie") == ""
    assert [c for c in browser.get_cookies() if c["name"] == "manta_session"][0]["httpOnly"]
    for page in PAGES:
        browser.get(url(host, page))
        rendered(browser, page)
    assert page_errors(browser) == []


def test_a_vpp_created_and_filled_in_the_ui_is_the_one_the_api_has(host, browser):
    login(browser, host, "operator")
    browser.get(url(host, "vpps"))
    rendered(browser, "vpps")
    form = browser.find_element(By.ID, "create-vpp")
    form.find_element(By.NAME, "id").send_keys("ui-vpp")
    Select(form.find_element(By.NAME, "status")).select_by_value("active")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "vpp-editor"), "Edit ui-vpp"))
    created = {v["id"]: v for v in host.call("vpps.list")}["ui-vpp"]
    assert created["status"] == "active" and created["region"] == "VIC1" and created["members"] == 0

    def choose(member):
        click(browser, f"#candidates input[value='{json.dumps(member, separators=(',', ':'))}']")

    def allocation(x):
        field = browser.find_element(By.CSS_SELECTOR, "#vpp-editor input[name=allocation]")
        field.clear()
        field.send_keys(str(x))

    # Over-allocated: vic-homes holds 0.5 of the battery; the host's refusal names both shares.
    allocation(0.6)
    choose({"device": "homes/vic-home-001.battery"})
    browser.find_element(By.ID, "add-selected").click()
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "#vpp-editor .notice.bad"), "allocation over 1"))
    message = browser.find_element(By.CSS_SELECTOR, "#vpp-editor .notice.bad").text
    assert "vic-homes 0.5" in message and "ui-vpp 0.6" in message

    # The refusal keeps the selection: a smaller share, and again.
    allocation(0.5)
    browser.find_element(By.ID, "add-selected").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "member-devices"), "homes/vic-home-001.battery"))

    # Dragging a site onto the VPP: HTML5 drag and drop, driven through the page's own events.
    browser.execute_script("""
        const item = document.querySelector(`#candidates li[data-member='{"site":"vic-home-002"}']`);
        const zone = document.getElementById('dropzone');
        const data = new DataTransfer();
        item.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: data}));
        zone.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: data}));
        zone.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: data}));""")
    try:
        wait(browser, EC.text_to_be_present_in_element((By.ID, "member-devices"), "homes/vic-home-002.battery"))
    except TimeoutException:
        raise AssertionError(browser.find_element(By.ID, "vpp-editor").text[:800] + str(page_errors(browser)))

    vpp = {v["id"]: v for v in host.call("vpps.list")}["ui-vpp"]
    assert vpp["members"] == 2 and vpp["allocated"] == pytest.approx(1.0)
    assert sorted(vpp["definition"]["members"], key=json.dumps) == sorted([
        {"device": "homes/vic-home-001.battery", "allocation": 0.5, "priority": 0},
        {"site": "vic-home-002", "allocation": 0.5, "priority": 0}], key=json.dumps)
    assert {d["id"] for d in host.call("devices.list", {"vpp": "ui-vpp"})} == {"homes/vic-home-001.battery", "homes/vic-home-002.battery"}
    # Its aggregated parameters are half of two 13.2 kWh batteries, as the API adds them up.
    # (vpps.capacity answers are up to a wall second old, so the page may first show the empty VPP:
    # its `vpps` notification brings the new figure within the 2 s check.)
    capacity = host.call("vpps.capacity", {"vpp": "ui-vpp"})
    assert capacity["capacity_wh"] > 13000
    wait(browser, lambda d: f"{capacity['capacity_wh'] / 1000:.1f} kWh"
         in d.find_element(By.CSS_SELECTOR, "#vpp-list tr[data-vpp='ui-vpp']").text, 10)

    # Removing the device's entry in the UI.
    click(browser, "#entries input[value='{\"device\":\"homes/vic-home-001.battery\"}']")
    browser.find_element(By.ID, "remove-selected").click()
    wait(browser, lambda d: "homes/vic-home-001.battery" not in d.find_element(By.ID, "member-devices").text)
    assert {d["id"] for d in host.call("devices.list", {"vpp": "ui-vpp"})} == {"homes/vic-home-002.battery"}
    assert page_errors(browser) == []


def test_a_dispatch_interval_is_followed_live(host, browser):
    login(browser, host, "operator")
    rows = lambda: browser.find_elements(By.CSS_SELECTOR, "#decisions tbody tr[data-vpp='vic-homes']")
    newest = int(rows()[0].get_attribute("data-interval")) if rows() else 0
    # At 300x an interval is decided every wall second; the page is not reloaded, the WebSocket brings it.
    wait(browser, lambda d: rows() and int(rows()[0].get_attribute("data-interval")) > newest, 20)
    row = rows()[0]
    interval = int(row.get_attribute("data-interval"))
    decided = [d for d in host.call("dispatch.history", {"vpp": "vic-homes", "limit": 50}) if d["interval_end_ms"] == interval][0]
    cells = row.text
    assert f"{decided['target_w'] / 1000:.1f} kW" in cells
    assert decided["status"] in cells and decided["strategy"] in cells
    assert browser.find_element(By.ID, "live").text == "live"


def test_a_report_downloads_as_csv_matching_the_settled_intervals(host, browser, downloads):
    login(browser, host, "operator")
    host.wait_for(lambda: host.call("settlement.summary")["intervals"] >= 3)
    browser.get(url(host, "reports"))
    rendered(browser, "reports")
    browser.find_element(By.ID, "download-financial").click()
    path = Path(downloads) / "daily.csv"
    assert host.wait_for(lambda: path.exists() and path.read_text().endswith("\n"), 10)
    rows = list(csv.DictReader(path.open()))
    assert list(rows[0].keys())[:4] == ["day", "vpp", "intervals", "energy_mwh"]
    assert list(rows[0].keys())[-1] == "total_aud" and "RAISE6SEC_aud" in rows[0]
    row = [r for r in rows if r["vpp"] == "vic-homes"][0]
    # Independently: the first N settled intervals of that day, summed here.
    n = int(row["intervals"])
    settled = [i for i in host.call("settlement.intervals", {"vpp": "vic-homes", "limit": 100000})
               if i["interval_end"].startswith(row["day"]) or i["interval_end"] == f"{row['day']}T24:00"]
    settled.sort(key=lambda i: i["interval_end"])
    assert n >= 3 and len(settled) >= n
    first = settled[:n]
    assert float(row["total_aud"]) == pytest.approx(sum(i["total_aud"] for i in first), rel=1e-9, abs=1e-9)
    assert float(row["energy_aud"]) == pytest.approx(sum(i["energy_aud"] for i in first), rel=1e-9, abs=1e-9)
    assert float(row["energy_mwh"]) == pytest.approx(sum(i["energy_wh"] for i in first) / 1e6, rel=1e-9, abs=1e-12)


def test_a_viewer_sees_but_is_refused_dispatching(host, browser):
    login(browser, host, "viewer")
    assert browser.find_element(By.ID, "whoami").text == "viewer-1 (viewer)"
    browser.get(url(host, "vpps"))
    rendered(browser, "vpps")
    click(browser, "button[data-vpp='vic-homes']")
    submit = wait(browser, EC.presence_of_element_located((By.ID, "instruct-submit")))
    assert not submit.is_enabled()
    assert "need the operator role" in browser.find_element(By.ID, "instruct").text
    # The host refuses it, whatever the page allows: the same call with the browser's session cookie.
    refused = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import('/api.js').then((api) => api.call('dispatch.submit', {vpp: 'vic-homes', target_w: 1000, duration_s: 600}))
          .then(() => done('accepted'), (e) => done(`${e.code} ${e.message}`));""")
    assert refused.startswith("-32001") and "viewer" in refused and "operator" in refused
    assert all(i["vpp"] != "vic-homes" or i.get("principal") != "viewer-1"
               for i in host.call("dispatch.history", {"vpp": "vic-homes", "limit": 5}))


def envelope(host, windows):
    with host.client() as c:
        c.result("auth.login", {"token": TOKENS["operator"]})
        c.result("envelopes.set", {"feeder": "vic-feeder-7", "windows": windows})


def test_the_feed_in_page_shows_feeders_and_operating_envelopes(host, browser):
    # A network operator's envelope for the quickstart's feeder: 3 kW now, then 1 kW.
    now = host.call("host.info")["clock"]["now_ms"]
    envelope(host, [{"start": now - 60_000, "end": now + 3_600_000, "export_limit_w": 3000},
                    {"start": now + 3_600_000, "end": now + 7_200_000, "export_limit_w": 1000}])
    try:
        login(browser, host, "viewer")
        browser.get(url(host, "feedin"))
        rendered(browser, "feedin")
        row = wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "tr[data-envelope='feeder:vic-feeder-7']")))
        cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
        assert cells[0] == "feeder:vic-feeder-7" and cells[1].startswith("3.0 kW") and cells[2].startswith("1.0 kW"), cells
        feeder = browser.find_element(By.CSS_SELECTOR, "tr[data-feeder='vic-feeder-7']")
        cells = [td.text for td in feeder.find_elements(By.TAG_NAME, "td")]
        assert cells[0] == "vic-feeder-7" and cells[1].startswith("36 (") and cells[2] == "3.0 kW" and cells[3] == "envelope", cells
        assert not page_errors(browser)
    finally:
        envelope(host, [])

