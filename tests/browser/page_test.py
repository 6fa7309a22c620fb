#!/usr/bin/python3
"""`sweep report --html` in a real browser: Debian's Chromium, headless,
driven by chromedriver through Debian's python3-selenium.

Everything the test starts is its own: a temporary directory holds the
sweep's records, the pages, Chromium's profile (--user-data-dir) and
chromedriver's log; chromedriver listens on a free port chosen when it
starts (Service port 0); Chromium has no network (a proxy that refuses, and
DevTools' offline emulation), and the test stops exactly the chromedriver
and Chromium it started.

Checks: no console message of level error; one SVG line per group; a brush
dragged along an axis with real pointer events leaves exactly the groups in
its range, in the plot and in the table; sorting the table by a column
orders it; the page made no request (performance resource entries) from
file:// with networking off; a run's page (--report-html) and a comparison
(--label) load without errors. Screenshots go to ARTIFACTS.

    page_test.py --sweep BIN --train BIN --source DIR --artifacts DIR
                 [--docs-png FILE]

Exit 77 (skipped) when Chromium, chromedriver or selenium is missing.
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile

CHROMIUM = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
CHROMEDRIVER = "/usr/bin/chromedriver"


def skip(why):
    print(f"skipped: {why} (make test installs chromium, chromium-driver, python3-selenium)")
    sys.exit(77)


try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
except ImportError:
    skip("no python3-selenium for " + sys.executable)


def run(cmd, status=0, cwd=None):
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if r.returncode != status:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {r.returncode}:\n{r.stderr}")
    return r


def make_pages(args, tmp):
    """The example sweep of configs/report.json with learning curves, its
    page, a run's page and a comparison of two runs."""
    sweep, train = args.sweep, args.train
    grid = os.path.join(args.source, "configs", "report.json")
    cmd = ["--", train, "--depth=<depth>", "--impurity=<impurity>",
           "--seed=<seed>", "--epochs=8"]
    runs = os.path.join(tmp, "runs.jsonl")
    with open(runs, "w") as out:
        subprocess.run([sweep, "run", "-q", "-j", "4", grid] + cmd,
                       stdout=out, check=True)
    page = os.path.join(tmp, "report.html")
    # From the sweep's directory, so the page names its input as a user's
    # would (the README's screenshot shows it).
    run([os.path.abspath(sweep), "report", "runs.jsonl", "--metric",
         "accuracy:max", "--over", "seed", "--html", page], cwd=tmp)
    run_page = os.path.join(tmp, "run.html")
    # Depth 100 sleeps 2 s: those jobs time out, for the failures' view.
    run([sweep, "run", "-q", "-j", "4", "-p", "depth=1,2,3,100", "-p",
         "impurity=gini,entropy", "-p", "seed=0,1", "-o", os.devnull,
         "--timeout", "1s",
         "--metric", "accuracy:max", "--over", "seed", "--report",
         "--report-html", run_page] + cmd, status=1)  # jobs failed
    deep = os.path.join(tmp, "deep.jsonl")
    with open(deep, "w") as out:
        # The parameters in configs/report.json's order, so groups match.
        subprocess.run([sweep, "run", "-q", "-j", "4", "-p",
                        "impurity=gini,entropy", "-p", "depth=4,5,6",
                        "-p", "seed=0,1,2"]
                       + cmd, stdout=out, check=True)
    compare_page = os.path.join(tmp, "compare.html")
    run([sweep, "report", runs, deep, "--label", "base", "--label", "new",
         "--metric", "accuracy:max", "--over", "seed", "--html", compare_page])
    # 1,000 groups (a log-spaced and a categorical axis among them): the
    # page with their data stays under 1 MB.
    big = os.path.join(tmp, "big.jsonl")
    with open(big, "w") as out:
        subprocess.run([sweep, "run", "-q", "-j", "2", "-p", "a=1..10", "-p",
                        "b=0.001,0.003,0.01,0.03,0.1,0.3,1,3,10,30", "-p", "c=q,r,s,t,u,v,w,x,y,z",
                        "--", "sh", "-c", "echo acc=$(( ($1 * 7 + $3) % 13 ))",
                        "sh", "<a>", "<b>", "<@job>"],
                       stdout=out, check=True)
    big_page = os.path.join(tmp, "big.html")
    run([sweep, "report", big, "--metric", "acc:max", "--html", big_page])
    # No --metric: every metric found, no goal, rows in grid order.
    plain_page = os.path.join(tmp, "plain.html")
    run([sweep, "report", runs, "--html", plain_page])
    # --halving: the groups carry the rung each reached.
    halving_page = os.path.join(tmp, "halving.html")
    run([sweep, "run", "-q", "-j", "1", "-p", "x=1..9", "--metric", "acc:max",
         "--halving", "epochs=1..9", "--report-html", halving_page, "--", "sh",
         "-c", "echo \"acc=$(( (10 - $1) * 10 - $2 ))\"", "sh", "<x>",
         "<epochs>"])
    return page, run_page, compare_page, big_page, plain_page, halving_page


def start_browser(tmp):
    binary = next((b for b in CHROMIUM if os.access(b, os.X_OK)), None)
    if not binary or not os.access(CHROMEDRIVER, os.X_OK):
        skip("no chromium or chromedriver")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--window-size=1280,800",
              "--hide-scrollbars", "--force-device-scale-factor=1",
              f"--user-data-dir={os.path.join(tmp, 'profile')}",
              # No network: any request would go to a closed port.
              "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
              "--no-first-run", "--no-default-browser-check",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-extensions", "--disable-default-apps",
              "--disable-breakpad", "--metrics-recording-only"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(CHROMEDRIVER, port=0,
                      log_path=os.path.join(tmp, "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=opts)
    # A 1280x800 viewport, whatever the window's decorations take.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": 0,
        "uploadThroughput": 0})
    return driver, service


failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def open_page(driver, path, name):
    driver.get("file://" + path)
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    check(not errors, f"{name}: no console error {errors}")
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    check(resources == [], f"{name}: no request from file:// {resources}")
    return json.loads(driver.execute_script(
        "return document.getElementById('sweep-data').textContent"))


def shown(driver, selector):
    """The data-group of the elements matched that are displayed."""
    return sorted(int(e.get_attribute("data-group"))
                  for e in driver.find_elements(By.CSS_SELECTOR, selector)
                  if e.is_displayed())


def check_brush(driver, groups, artifacts):
    # Drag along the depth axis from above its 6 to between 4 and 3.
    ticks = {t.text: t for t in driver.find_elements(
        By.CSS_SELECTOR, 'g.axis[data-axis="depth"] text.tick')}
    area = driver.find_element(By.CSS_SELECTOR,
                               'rect.brush-area[data-axis="depth"]')
    y6 = ticks["6"].rect["y"] + ticks["6"].rect["height"] / 2
    y4 = ticks["4"].rect["y"] + ticks["4"].rect["height"] / 2
    y3 = ticks["3"].rect["y"] + ticks["3"].rect["height"] / 2
    box = area.rect
    cy = box["y"] + box["height"] / 2
    start = y6 - 4  # the area reaches 6 px past the axis' ends
    half = int((y4 - y6) / 2)
    ActionChains(driver).move_to_element_with_offset(area, 0, int(start - cy)) \
        .click_and_hold().move_by_offset(0, half) \
        .move_by_offset(0, int((y4 + y3) / 2 - start) - half) \
        .release().perform()
    expected = sorted(i for i, g in enumerate(groups)
                      if g["params"]["depth"] >= 4)
    lines = shown(driver, "path.pc-line")
    rows = shown(driver, "#groups tbody tr")
    check(lines == expected, f"brush depth 4..6: lines {lines} == {expected}")
    check(rows == expected, f"brush depth 4..6: table rows {rows} == {expected}")
    driver.save_screenshot(os.path.join(artifacts, "report-brushed.png"))
    # A click on the axis clears its range.
    ActionChains(driver).move_to_element(area).click().perform()
    check(len(shown(driver, "path.pc-line")) == len(groups),
          "a click on the axis clears the range")


def column(driver, index):
    return driver.execute_script(
        "return [...document.querySelectorAll('#groups tbody tr')]"
        ".map(r => r.children[arguments[0]].textContent)", index)


def check_sort(driver):
    heads = driver.find_elements(By.CSS_SELECTOR, "#groups thead th button")
    names = [h.text.rstrip(" ▲▼") for h in heads]
    depth = names.index("depth")
    heads[depth].click()
    values = [float(v) for v in column(driver, depth)]
    check(values == sorted(values), f"sorted by depth, ascending: {values}")
    heads[depth].click()
    values = [float(v) for v in column(driver, depth)]
    check(values == sorted(values, reverse=True),
          f"sorted by depth again, descending: {values}")
    acc = next(i for i, n in enumerate(names) if n.startswith("accuracy"))
    heads[acc].click()
    means = [float(v.split(" ")[0]) for v in column(driver, acc)]
    check(means == sorted(means), f"sorted by accuracy, ascending: {means}")


def check_report_page(driver, page, artifacts, docs_png):
    data = open_page(driver, page, "report page")
    groups = data["report"]["groups"]
    lines = driver.find_elements(By.CSS_SELECTOR, "#pc path.pc-line")
    check(len(lines) == len(groups) == 10,
          f"one SVG line per group: {len(lines)} lines, {len(groups)} groups")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#groups tbody tr"))
          == len(groups), "one table row per group")
    curves = driver.find_elements(By.CSS_SELECTOR, "#curves g.curve")
    check(len(curves) == 10, f"learning curves of the 10 groups: {len(curves)}")
    marg = driver.find_elements(By.CSS_SELECTOR, "#marginals svg")
    check(len(marg) == len(data["report"]["marginals"]) == 2,
          f"a marginal plot per parameter: {len(marg)}")
    driver.save_screenshot(os.path.join(artifacts, "report.png"))
    save_full_page(driver, os.path.join(artifacts, "report-full.png"))
    if docs_png:
        save_full_page(driver, docs_png)
    check_brush(driver, groups, artifacts)
    check_sort(driver)
    box = driver.find_element(By.ID, "filter")
    box.send_keys("entropy 5")
    rows = [int(r.get_attribute("data-group")) for r in driver.find_elements(
        By.CSS_SELECTOR, "#groups tbody tr") if r.is_displayed()]
    expected = [i for i, g in enumerate(groups) if g["params"]["depth"] == 5
                and g["params"]["impurity"] == "entropy"]
    check(sorted(rows) == expected and shown(driver, "path.pc-line") == expected,
          f"the text filter 'entropy 5' leaves {rows} == {expected}")
    box.clear()
    box.send_keys(" ")  # an input event: the filter is empty again
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
    with open(os.path.join(artifacts, "report.pdf"), "wb") as f:
        f.write(base64.b64decode(pdf["data"]))
    check(len(pdf["data"]) > 1000, "the page prints (report.pdf)")
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    check(not errors, f"no console error after the interactions {errors}")


def save_full_page(driver, path):
    """The whole page, 1280 px wide, as one PNG."""
    full = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "captureBeyondViewport": True, "format": "png"})
    with open(path, "wb") as f:
        f.write(base64.b64decode(full["data"]))


def check_halving_page(driver, page):
    """A --halving run's page: a rung column, the highest rung ranked first
    though its accuracy is the lowest, and each line's rung on hover."""
    open_page(driver, page, "halving page (--halving)")
    heads = [h.text for h in driver.find_elements(By.CSS_SELECTOR,
                                                  "#groups thead th")]
    check("rung" in heads, f"halving: a rung column ({heads})")
    if "rung" not in heads:
        return
    col = heads.index("rung")
    rungs = [r.find_elements(By.CSS_SELECTOR, "td")[col].text
             for r in driver.find_elements(By.CSS_SELECTOR, "#groups tbody tr")]
    check(rungs == ["2"] + ["1"] * 3 + ["0"] * 9,
          f"halving: rows by rung, highest first ({rungs})")
    text = driver.execute_script(
        "const p = document.querySelector('#pc path.pc-line[data-group=\"0\"]');"
        "p.dispatchEvent(new PointerEvent('pointerenter'));"
        "return document.getElementById('tooltip').textContent;")
    check("rung 2" in text, f"halving: the best line's rung on hover ({text})")


def main():
    ap = argparse.ArgumentParser()
    for a in ("--sweep", "--train", "--source", "--artifacts"):
        ap.add_argument(a, required=True)
    ap.add_argument("--docs-png")
    args = ap.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="sweep-browser-")
    driver = None
    try:
        page, run_page, compare_page, big_page, plain_page, halving_page = (
            make_pages(args, tmp))
        size = os.path.getsize(big_page)
        check(size < 1 << 20, f"1,000 groups' page is {size} bytes, under 1 MB")
        driver, service = start_browser(tmp)
        check_report_page(driver, page, args.artifacts, args.docs_png)
        data = open_page(driver, run_page, "run page (--report-html)")
        check(len(driver.find_elements(By.CSS_SELECTOR, "path.pc-line"))
              == len(data["report"]["groups"]), "run page: a line a group")
        cells = [c.text for c in driver.find_elements(
            By.CSS_SELECTOR, "#failures .strip .cell")]
        check("100: 4/4" in cells, f"run page: depth 100 failed 4 of 4 {cells}")
        driver.save_screenshot(os.path.join(args.artifacts, "run.png"))
        data = open_page(driver, compare_page, "comparison page (--label)")
        rows = len(data["comparison"]["rows"])
        check(rows == 10, f"comparison: 10 groups, 6 of them in both ({rows})")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#compare tbody tr"))
              == rows, f"comparison: a row per matched group ({rows})")
        driver.save_screenshot(os.path.join(args.artifacts, "compare.png"))
        data = open_page(driver, plain_page, "page without a goal")
        check(len(driver.find_elements(By.CSS_SELECTOR, "path.pc-line"))
              == len(data["report"]["groups"]), "without a goal: a line a group")
        check_halving_page(driver, halving_page)
        open_page(driver, big_page, "1,000 groups")
        lines = len(driver.find_elements(By.CSS_SELECTOR, "path.pc-line"))
        check(lines == 1000, f"1,000 groups: {lines} lines")
        driver.find_element(By.CSS_SELECTOR, "#topk option[value='10']").click()
        check(len(shown(driver, "path.pc-line")) == 100,
              "top 10% leaves the best 100 lines")
        driver.save_screenshot(os.path.join(args.artifacts, "big-top10.png"))
    finally:
        if driver:
            pid = service.process.pid
            driver.quit()  # ends the Chromium it started, then chromedriver
            check(service.process.poll() is not None,
                  f"chromedriver {pid} stopped")
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"screenshots in {args.artifacts}")
    if failures:
        sys.exit(f"{len(failures)} checks failed")


if __name__ == "__main__":
    main()
