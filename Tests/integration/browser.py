"""A real headless Chromium (Debian's chromium and chromium-driver) driven by
selenium, and the quickstart fleet served to it: what test_console.py and
scripts/console_screenshots.py share."""
import json
import shutil
import tempfile
from pathlib import Path

from conftest import ROOT, Mantad

QUICKSTART = ROOT / "examples" / "quickstart"
PAGES = ["overview", "vpps", "spot", "feedin", "cap", "fcas", "reports", "der", "arena"]


def chromium_available():
    return shutil.which("chromium") is not None and shutil.which("chromedriver") is not None


def quickstart_config(tokens=None, speed=None, allocation=None):
    """examples/quickstart/manta.json with its paths made absolute (the test's mantad runs from
    another folder), HTTP on a free port, and optionally tokens, a clock speed and the VPP's
    allocation."""
    config = json.loads((QUICKSTART / "manta.json").read_text())

    def absolute(p):
        return str((QUICKSTART / p).resolve())

    for key in ("data_roots", "plugin_dirs", "library_dirs"):
        config[key] = [absolute(p) for p in config[key]]
    for plugin in config["plugins"]:
        c = plugin.get("config", {})
        for section in (c, c.get("pv", {}), c.get("load", {})):
            if "file" in section:
                section["file"] = absolute(section["file"])
        if "files" in c:
            c["files"] = [absolute(f) for f in c["files"]]
    config["api"] = {"listen": "127.0.0.1:0", "http": {"listen": "127.0.0.1:0"}}
    if tokens:
        config["api"]["tokens"] = tokens
    if speed:
        config["clock"]["speed"] = speed
    if allocation is not None:
        config["vpps"][0]["allocation"] = allocation
    config["store"] = {"commit_interval_ms": 50}
    return config


def quickstart(**kw):
    return Mantad(quickstart_config(**kw))


def chrome(download_dir=None, width=1280, height=900):
    """Headless Chromium; downloads go to `download_dir`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", f"--user-data-dir={tempfile.mkdtemp(prefix='manta-chromium-')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if download_dir:
        options.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                                  "download.prompt_for_download": False})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def page_errors(driver):
    """What the page logged as errors (script errors, failed requests)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
