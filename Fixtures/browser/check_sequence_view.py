#!/usr/bin/env python3
"""Opens glancetrace HTML reports in headless Chromium (Selenium + Debian's chromedriver) and
checks the sequence view against the JSON report of the same analysis.

    check_sequence_view.py MANIFEST.json SCREENSHOT_DIR

MANIFEST is a list of pages: {"name", "html", "report" (the `analyze --format json` document),
"capture" (optional: the pcap whose tokens and passwords must not appear), "hostile" (optional:
the markup strings that must stay inert text), "legs" and "inferred" (optional: indices of
proxy legs and inferred exchanges, for a page made with relations the JSON report does not
carry yet)}. For each page:

- no console message of level SEVERE (script errors, CSP violations, failed loads);
- the SVG has one lane per party: every HTTP server endpoint and database endpoint of the
  report exactly once, no lane twice, client lanes only for clients' hosts (or one lane for
  all clients when there are more than 12 hosts);
- one request bar per logical request (elements of `http` whose `leg_of` is null or absent),
  each on the lane of its server; one mark per anomaly;
- clicking the request with most SQL shows its statements, in the report's order and text;
- each image's status bar has one segment per transition, same statuses, same times;
- clicking an image's name leaves only its requests' bars;
- no token or password of the capture in the page or the detail panel;
- hostile markup is shown as text: no alert, no element it would have made;
- proxy legs are drawn as legs (not request bars) with proxy-hop arrows, inferred exchanges as
  inferred bars.

Screenshots (whole view, after the click) go to SCREENSHOT_DIR. Prints one line per check
failed and exits 1 if any; "ok" lines otherwise.
"""

import json
import os
import re
import sys

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, UnexpectedAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wire_secrets import secrets_of  # noqa: E402


def chrome():
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--hide-scrollbars"):
        options.add_argument(argument)
    binary = next((b for b in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(b)), None)
    if binary:
        options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = next((d for d in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver") if os.path.exists(d)), None)
    # An explicit driver: Selenium Manager would try to download one, and CI has no network.
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


def shown_statement(statement, command):
    """What the view shows of a statement: AnalysisText.abbreviated(statement, 2000), or the
    command's name in brackets for a command without text (Ping)."""
    if statement == "":
        return f"[{command}]"
    line = statement if len(statement) <= 2000 else statement[:1997] + "..."
    return re.sub(r"[\r\n\t]", " ", line)


class Page:
    def __init__(self, driver, entry, shots):
        self.driver, self.entry, self.shots = driver, entry, shots
        self.name = entry["name"]
        self.report = json.load(open(entry["report"]))
        self.failures = []

    def check(self, condition, message):
        if not condition:
            self.failures.append(f"{self.name}: {message}")
        return condition

    def script(self, code, *args):
        return self.driver.execute_script(code, *args)

    def run(self):
        d = self.driver
        d.get("file://" + os.path.abspath(self.entry["html"]))
        self.check(self.script("return document.querySelectorAll('#sequence g.lane').length") > 0, "no lane drawn")
        d.save_screenshot(os.path.join(self.shots, f"{self.name}.png"))
        self.lanes()
        self.bars()
        self.statuses()
        self.click_request()
        self.filter_image()
        self.hostile()
        self.relations()
        self.no_secrets()

    def lanes(self):
        lanes = self.script("""return Array.from(document.querySelectorAll('#sequence g.lane')).map(
            g => [g.getAttribute('data-kind'), g.getAttribute('data-endpoint')])""")
        keys = [f"{k} {e}" for k, e in lanes]
        self.check(len(keys) == len(set(keys)), f"a lane is drawn twice: {sorted(keys)}")
        endpoints = [e for k, e in lanes if k not in ("client", "database")]
        for server in sorted({h["server"] for h in self.report["http"]}):
            self.check(endpoints.count(server) == 1, f"server {server}: {endpoints.count(server)} lanes, expected 1")
        databases = [e for k, e in lanes if k == "database"]
        for server in sorted({s["server"] for s in self.report["sql"]}):
            self.check(databases.count(server) == 1, f"database {server}: {databases.count(server)} lanes, expected 1")
        hosts = {h["client"].rsplit(":", 1)[0] for h in self.report["http"]}
        for kind, endpoint in lanes:
            if kind == "client":
                # More than 12 client hosts share one lane, "*" (SequenceParties.maxClientLanes).
                self.check(endpoint in hosts or (endpoint == "*" and len(hosts) > 12),
                           f"client lane {endpoint} is no request's client host")
        extra = len(lanes) - len(set(endpoints)) - len(set(databases)) - len(hosts)
        self.check(extra <= 0, f"{extra} lanes more than servers, databases and client hosts")
        self.lane_endpoint = {str(i): e for i, (k, e) in enumerate(lanes)}

    def logical(self):
        legs = set(self.entry.get("legs", []))
        return [i for i, h in enumerate(self.report["http"]) if h.get("leg_of") is None and i not in legs]

    def serves(self, i, requests):
        """Whether exchange i is one of requests, or a leg or call made for one (however deep)."""
        http = self.report["http"]
        for _ in range(8):
            if i in requests:
                return True
            parent = http[i].get("caused_by")
            if parent is None:
                parent = http[i].get("leg_of")
            if parent is None:
                return False
            i = parent
        return False

    def bars(self):
        bars = self.script("""return Array.from(document.querySelectorAll('#sequence rect.request-bar')).map(
            r => [+r.getAttribute('data-index'), r.getAttribute('data-to')])""")
        logical = self.logical()
        self.check(len(bars) == len(logical), f"{len(bars)} request bars, {len(logical)} logical requests in the report")
        self.check(sorted(i for i, _ in bars) == logical, "the bars are not the logical requests")
        for index, lane in bars:
            server = self.report["http"][index]["server"] if index < len(self.report["http"]) else None
            self.check(self.lane_endpoint.get(lane) == server, f"request {index} drawn on lane {lane}, its server is {server}")
        marks = self.script("return document.querySelectorAll('#sequence .anomaly-mark').length")
        self.check(marks == len(self.report["anomalies"]), f"{marks} anomaly marks, {len(self.report['anomalies'])} anomalies in the report")

    def statuses(self):
        for k, image in enumerate(self.report["images"]):
            segments = self.script("""return Array.from(document.querySelectorAll(
                '#sequence rect.status-segment[data-image="' + arguments[0] + '"]')).map(
                r => [r.getAttribute('data-status'), r.getAttribute('data-time')])""", k)
            expected = [[t["status"], t["time"]] for t in image["transitions"]]
            self.check(segments == expected, f"image {image['name']}: segments {segments}, transitions {expected}")

    def click_request(self):
        http = self.report["http"]
        candidates = [i for i in self.logical() if http[i]["sql"]]
        if not candidates:
            return
        index = max(candidates, key=lambda i: len(http[i]["sql"]))
        bar = self.driver.find_element(By.CSS_SELECTOR, f'#sequence rect.request-bar[data-index="{index}"]')
        try:
            bar.click()
        except Exception:  # another bar on top at this zoom: click it as the page's own handler would
            self.script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", bar)
        self.check(self.driver.find_element(By.ID, "detail").is_displayed(), f"request {index}: the detail stays hidden")
        rows = self.script("""return Array.from(document.querySelectorAll('#detail-sql tr.sql-row')).map(
            r => [+r.getAttribute('data-sql'), r.querySelector('.sql-text').textContent])""")
        expected = [[j, shown_statement(self.report["sql"][j]["statement"], self.report["sql"][j]["command"])] for j in http[index]["sql"]]
        self.check(rows == expected, f"request {index}: detail SQL {len(rows)} rows, report {len(expected)}"
                   + ("" if len(rows) != len(expected) else " (texts or order differ)"))
        highlighted = self.script("return document.querySelectorAll('#sequence .sql-mark.highlight').length")
        self.check(highlighted == len(expected), f"request {index}: {highlighted} SQL marks highlighted, {len(expected)} statements")
        self.driver.save_screenshot(os.path.join(self.shots, f"{self.name}-request-{index}.png"))

    def filter_image(self):
        for k, image in enumerate(self.report["images"][:3]):
            self.script("window.glancetraceView.filterImage(arguments[0])", k)
            label = self.driver.find_elements(By.CSS_SELECTOR, f'#sequence text.image-label[data-image="{k}"]')
            self.check(len(label) == 1, f"image {image['name']}: its label is not shown when filtered")
            bars = self.script("return Array.from(document.querySelectorAll('#sequence rect.request-bar')).map(r => +r.getAttribute('data-index'))")
            expected = sorted(i for i in self.logical() if self.serves(i, set(image["http_requests"])))
            self.check(sorted(bars) == expected, f"image {image['name']}: {len(bars)} bars when filtered, {len(expected)} requests")
            if k == 0:
                self.driver.save_screenshot(os.path.join(self.shots, f"{self.name}-image-0.png"))
        self.script("window.glancetraceView.filterImage(null)")

    def hostile(self):
        markup = self.entry.get("hostile")
        if not markup:
            return
        try:
            alert = self.driver.switch_to.alert
            self.check(False, f"an alert opened: {alert.text}")
            alert.dismiss()
        except NoAlertPresentException:
            pass
        self.check(self.script("return document.querySelectorAll('img').length") == 0, "markup from the capture made an <img>")
        self.check(self.script("return document.querySelectorAll('script').length") == 2, "a script element came from the capture")
        bars = self.driver.find_elements(By.CSS_SELECTOR, "#sequence rect.request-bar")
        if self.check(bars, "no request bar"):
            bars[0].click()
            title = self.driver.find_element(By.ID, "detail-title").text
            self.check(markup in title, f"the hostile path is not shown as text: {title!r}")
            sql_text = " ".join(e.text for e in self.driver.find_elements(By.CSS_SELECTOR, "#detail-sql .sql-text"))
            self.check(markup.replace("'", "''") in sql_text, "the hostile statement is not shown as text")
        self.check(self.script("return document.querySelectorAll('img').length") == 0, "the detail panel made an <img>")

    def relations(self):
        for index in self.entry.get("legs", []):
            self.check(self.script(f"return document.querySelectorAll('#sequence rect.leg-bar[data-index=\"{index}\"]').length") == 1,
                       f"leg {index} is not drawn as a leg")
        if self.entry.get("legs"):
            self.check(self.script("return document.querySelectorAll('#sequence line.arrow.proxy-hop').length") > 0, "no proxy-hop arrow")
        for index in self.entry.get("inferred", []):
            self.check(self.script(f"return document.querySelectorAll('#sequence rect.inferred[data-index=\"{index}\"]').length") == 1,
                       f"inferred exchange {index} is not drawn as inferred")

    def no_secrets(self):
        secrets = secrets_of(self.entry.get("capture"))
        if not secrets:
            return
        source = self.driver.page_source
        details = self.driver.find_element(By.ID, "detail").get_attribute("textContent")
        for secret in secrets:
            self.check(secret not in source and secret not in details, f"a secret of the capture is in the page: {secret[:6]}...")

    def console(self):
        for entry in self.driver.get_log("browser"):
            self.check(entry.get("level") != "SEVERE", f"console: {entry.get('message')}")


def main():
    manifest, shots = json.load(open(sys.argv[1])), sys.argv[2]
    os.makedirs(shots, exist_ok=True)
    driver = chrome()
    failures = []
    try:
        for entry in manifest:
            page = Page(driver, entry, shots)
            try:
                page.run()
            except UnexpectedAlertPresentException as alert:
                page.failures.append(f"{page.name}: an alert opened: {alert.alert_text}")
            except Exception as error:  # a check that could not run is a failure, with its reason
                page.failures.append(f"{page.name}: {type(error).__name__}: {str(error).splitlines()[0]}")
            try:
                page.console()
            except Exception as error:
                page.failures.append(f"{page.name}: console not readable: {type(error).__name__}")
            failures += page.failures
            print(("FAIL " if page.failures else "ok ") + page.name, flush=True)
    finally:
        driver.quit()
    for failure in failures:
        print(failure)
    print(f"screenshots in {shots}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
