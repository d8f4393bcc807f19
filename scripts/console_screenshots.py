#!/usr/bin/env python3
"""Screenshots of every console page on the quickstart fleet, for the docs
(`make screenshots` writes docs/console/<page>.png, and overview-phone.png at
a phone's width), and each page's time to first render: from the URL's load to
the page drawn with its data (the performance mark the console sets), in a real
headless Chromium, printed as a table.

Usage: python3 scripts/console_screenshots.py [--out docs/console] [--settle 20]"""
import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "integration"))

from browser import PAGES, chrome, quickstart  # noqa: E402

RENDERED = """
const page = arguments[0];
const mark = performance.getEntriesByName(`manta:rendered:${page}`)[0];
const paint = performance.getEntriesByName('first-contentful-paint')[0];
return mark ? [mark.startTime, paint ? paint.startTime : null] : null;"""


def main():
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--out", default=str(ROOT / "docs" / "console"))
    args.add_argument("--settle", type=float, default=60, help="wall seconds the quickstart runs first (its day fills in)")
    args.add_argument("--runs", type=int, default=5, help="loads of each page timed")
    a = args.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with quickstart() as h:
        h.start()
        time.sleep(a.settle)
        base = f"http://127.0.0.1:{h.http_port}/"
        timings = {}
        driver = chrome(width=1280, height=1000)
        try:
            for page in PAGES:
                samples = []
                for _ in range(a.runs):
                    driver.get("about:blank")
                    driver.get(f"{base}#/{page}")
                    deadline = time.time() + 20
                    got = None
                    while time.time() < deadline and not got:
                        got = driver.execute_script(RENDERED, page)
                        time.sleep(0.02)
                    if not got:
                        raise SystemExit(f"{page}: never rendered")
                    samples.append(got)
                time.sleep(1.5)  # live updates and charts settle
                driver.save_screenshot(str(out / f"{page}.png"))
                timings[page] = samples
        finally:
            driver.quit()
        phone = chrome(width=390, height=844)
        try:
            phone.get(f"{base}#/overview")
            time.sleep(3)
            phone.save_screenshot(str(out / "overview-phone.png"))
        finally:
            phone.quit()
    print(f"console time to first render, quickstart fleet, median of {a.runs} loads (ms)")
    print("| page | first contentful paint | page drawn with its data |")
    print("|---|---:|---:|")
    for page, samples in timings.items():
        paints = [p for _, p in samples if p is not None]
        print(f"| {page} | {statistics.median(paints):.0f} | {statistics.median(r for r, _ in samples):.0f} |" if paints
              else f"| {page} | – | {statistics.median(r for r, _ in samples):.0f} |")
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
