#!/usr/bin/env python3
"""The catalog's web page in a real browser: Debian's headless Chromium driven over WebDriver
(chromium-driver, with the selenium client), against a real `tandem catalog serve` on loopback with
real items published by `tandem marketplace apply`.

It signs in (a token and a service account), searches, opens an item, reads its YAML and a diff,
restores a revision as a publisher, is refused a restore as a reader, checks that an item whose fields
hold markup shows it as text (and runs nothing), that the keyboard reaches everything, and that the
Content-Security-Policy blocked nothing the page needs. Screenshots go to .build/screenshots (to
docs/screenshots with UPDATE_SCREENSHOTS=1), with the graph and timeline SVGs rendered by the same
browser.

usage: browser_test.py TANDEM_BINARY
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts/lib"))
import catalog_server  # noqa: E402
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def run(binary, *arguments, env=None):
    result = subprocess.run([binary, *arguments], capture_output=True, text=True, env=env, timeout=60)
    if result.returncode != 0:
        raise SystemExit(f"tandem {' '.join(arguments)} failed ({result.returncode}): {result.stderr}")
    return result.stdout


def main():
    binary = os.path.abspath(sys.argv[1])
    shots = ROOT / ("docs/screenshots" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else ".build/screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="tandem-browser-"))
    database = str(work / "catalog.sqlite")
    env = dict(os.environ, NO_COLOR="1", XDG_CONFIG_HOME=str(work / "config"))
    env.pop("TANDEM_TOKEN", None)

    def token(role, name):
        return run(binary, "catalog", "token", "create", "--company-id", "acme", "--role", role, "--name", name, "--database", database,
                   env=env).splitlines()[0].strip()

    publisher = token("publish", "publisher")
    reader = token("read", "reader")
    account = run(binary, "catalog", "service-account", "create", "--company-id", "acme", "--role", "read", "--name", "robot",
                  "--database", database, env=env)
    client_id = account.split("client id:")[1].split()[0]
    client_secret = account.split("client secret:")[1].split()[0]

    server, base = catalog_server.start(binary, database, str(work), ["--log-level", "notice"], env=env, log=str(work / "server.log"))
    driver = None
    try:
        publish_env = dict(env, TANDEM_TOKEN=publisher)

        # Real items: the project's examples as the company's own, two revisions of one, and one whose
        # fields hold markup and quotes.
        for example in sorted((ROOT / "examples/mia").glob("*.yaml")):
            text = example.read_text()
            if "type: sidecar" not in text:
                continue
            lines = [("tenantId: acme" if line.startswith("tenantId:") else line) for line in text.splitlines()]
            (work / example.name).write_text("\n".join(lines) + "\n")
            run(binary, "marketplace", "apply", "-f", str(work / example.name), "--endpoint", base, "--company-id", "acme", env=publish_env)
        logger = work / "request-logger.yaml"
        logger.write_text(logger.read_text().replace("value: info", "value: debug"))
        run(binary, "marketplace", "apply", "-f", str(logger), "--endpoint", base, "--company-id", "acme", env=publish_env)
        hostile_name = "<script>alert('name')</script> \"Quoted\" & 'single'"
        hostile = {
            "name": hostile_name, "itemId": "hostile-item", "tenantId": "acme", "type": "sidecar",
            "description": "<img src=x onerror=alert('description')>", "visibility": {"public": True},
            "resources": {"name": "hostile-item", "dockerImage": "nginx:1.27",
                          "defaultEnvironmentVariables": [{"name": "GREETING", "valueType": "plain", "value": "\"><script>alert(3)</script>"}]},
        }
        (work / "hostile.json").write_text(json.dumps(hostile))
        run(binary, "marketplace", "apply", "-f", str(work / "hostile.json"), "--endpoint", base, "--company-id", "acme", env=publish_env)

        options = webdriver.ChromeOptions()
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
                         "--no-first-run", "--disable-extensions", f"--user-data-dir={work / 'chromium'}"]:
            options.add_argument(argument)
        options.binary_location = "/usr/bin/chromium"
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(30)

        def text(selector):
            return driver.find_element(By.CSS_SELECTOR, selector).text

        def gone(element):
            """Whether `element` has left the document. While the next page replaces the old one, Chromium
            can answer "Node with given id does not belong to the document" instead of a stale reference
            (selenium's `staleness_of` lets that error through): it means the same."""
            try:
                element.is_enabled()
                return False
            except StaleElementReferenceException:
                return True
            except WebDriverException as error:
                if "does not belong to the document" in str(error):
                    return True
                raise

        def navigating(action):
            """Does `action` (a click, an Enter) and waits for the page it leads to."""
            old = driver.find_element(By.TAG_NAME, "html")
            action()
            WebDriverWait(driver, 15).until(lambda _: gone(old))
            WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")

        def csp_violations():
            return [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]

        # Signed out: public items only; the markup of the hostile item is text, and nothing ran.
        driver.get(base + "/")
        rows = driver.find_elements(By.CSS_SELECTOR, "table.items tbody tr")
        names = [row.find_element(By.CSS_SELECTOR, "td a").text for row in rows]
        check(names == [hostile_name], f"signed out, only the public item is listed: {names}")
        check(len(driver.find_elements(By.TAG_NAME, "script")) == 0, "the page holds no script element")
        try:
            driver.switch_to.alert
            check(False, "no alert opened")
        except NoAlertPresentException:
            check(True, "no alert opened")
        navigating(lambda: driver.find_element(By.LINK_TEXT, hostile_name).click())
        check(text("[data-testid=name]") == hostile_name, "the hostile name shows as text, quotes and all")
        check(text("[data-testid=description]") == hostile["description"], "the hostile description shows as text")
        check("\"><script>alert(3)</script>" in driver.find_element(By.TAG_NAME, "main").text, "the hostile variable shows as text")
        sources = [image.get_attribute("src") for image in driver.find_elements(By.CSS_SELECTOR, "main img")]
        check(all(source.endswith("/graph.svg") for source in sources), f"no image from the description's markup: {sources}")
        driver.save_screenshot(str(shots / "catalog-hostile-item.png"))

        # Keyboard: the first Tab reaches the skip link, which leads to the main content.
        driver.get(base + "/")
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        check(driver.switch_to.active_element.text == "Skip to content", "the first Tab reaches the skip link")
        labels = {label.get_attribute("for") for label in driver.find_elements(By.TAG_NAME, "label")}
        check({"q", "type", "company"} <= labels, f"every search field has a label: {labels}")

        # Sign in with a service account, then with a reader's token.
        driver.get(base + "/sign-in")
        driver.find_element(By.ID, "client-id").send_keys(client_id)
        navigating(lambda: driver.find_element(By.ID, "client-secret").send_keys(client_secret + Keys.ENTER))
        check(text("[data-testid=who]") == "acme · read", f"signed in with a service account: {text('header')}")
        navigating(lambda: driver.find_element(By.XPATH, "//button[text()='Sign out']").click())
        check(driver.find_element(By.LINK_TEXT, "Sign in") is not None, "signed out")
        driver.get(base + "/sign-in")
        navigating(lambda: driver.find_element(By.ID, "token").send_keys("tdm_not_a_token" + Keys.ENTER))
        check("That token is not known" in text("main"), "an unknown token is told so")
        navigating(lambda: driver.find_element(By.ID, "token").send_keys(reader + Keys.ENTER))
        check(text("[data-testid=who]") == "acme · read", "signed in with a reader's token")
        check("HttpOnly" not in str(driver.execute_script("return document.cookie")) and
              "tdm_" not in str(driver.execute_script("return document.cookie")), "the session cookie is out of scripts' reach")

        # Search, open, read.
        search = driver.find_element(By.ID, "q")
        navigating(lambda: search.send_keys("request log" + Keys.ENTER))
        found = [row.find_element(By.CSS_SELECTOR, "td a").text for row in driver.find_elements(By.CSS_SELECTOR, "table.items tbody tr")]
        check(found == ["Request logger"], f"searching 'request log' finds the request logger: {found}")
        driver.save_screenshot(str(shots / "catalog-search.png"))
        navigating(lambda: driver.find_element(By.LINK_TEXT, "Request logger").click())
        check("dockerImage: ghcr.io/acme/request-logger" in text("[data-testid=yaml]"), "the item's YAML is shown")
        diff = text("[data-testid=diff-2]")
        removed = [line for line in diff.splitlines() if line.startswith("-")]
        added = [line for line in diff.splitlines() if line.startswith("+")]
        check([line.split() for line in removed] == [["-", "value:", "info"]] and [line.split() for line in added] == [["+", "value:", "debug"]],
              f"the diff of revision 2 shows the change: {diff!r}")
        check("from_catalog" in text("[data-testid=use-tandem]"), "the Tandem snippet names the item")
        graph = driver.find_element(By.CSS_SELECTOR, "img[data-testid=graph]")
        check(driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", graph) > 100,
              "the example service's start graph is drawn on the item's page")
        check("restartPolicy: Always" in text("[data-testid=use-kubernetes]"), "the Kubernetes snippet is a native sidecar")
        check(not driver.find_elements(By.XPATH, "//button[starts-with(text(), 'Restore')]"), "a reader gets no restore button")
        # A reader who sends the form anyway is refused.
        form_token = driver.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
        item_path = driver.current_url.split(base)[1].split("?")[0]
        navigating(lambda: driver.execute_script(
            "const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];"
            "for (const [k, v] of [['csrf', arguments[1]], ['revision', '1']]) {"
            "  const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); }"
            "document.body.appendChild(f); f.submit();", item_path + "/restore", form_token))
        check("Not allowed" in text("h1"), f"a reader's restore is refused: {text('main')[:200]}")

        # A publisher restores revision 1.
        driver.get(base + item_path)
        navigating(lambda: driver.find_element(By.XPATH, "//button[text()='Sign out']").click())
        driver.get(base + "/sign-in")
        navigating(lambda: driver.find_element(By.ID, "token").send_keys(publisher + Keys.ENTER))
        driver.get(base + item_path)
        navigating(lambda: driver.find_element(By.XPATH, "//button[text()='Restore revision 1']").click())
        check("Revision 1 restored" in text("[role=status]"), "the publisher's restore is confirmed")
        check("value: info" in text("[data-testid=yaml]"), "the restored YAML has the first revision's value")
        driver.save_screenshot(str(shots / "catalog-item.png"))
        check(csp_violations() == [], f"the policy blocked nothing the page needs: {csp_violations()}")

        # The pictures, rendered by the same browser.
        for name, source in [("graph", ROOT / "Tests/TandemRenderersTests/Golden/web-graph.svg"),
                             ("timeline", ROOT / "Tests/TandemRuntimeTests/Golden/timeline.svg")]:
            if source.exists():
                driver.get(source.as_uri())
                size = driver.execute_script(
                    "const s = document.documentElement; return [s.width.baseVal.value || 1200, s.height.baseVal.value || 600];")
                driver.set_window_size(int(size[0]) + 200, int(size[1]) + 300)
                driver.find_element(By.CSS_SELECTOR, ":root").screenshot(str(shots / f"{name}.png"))
                check((shots / f"{name}.png").stat().st_size > 5000, f"the {name} picture renders")
    finally:
        if driver is not None:
            driver.quit()
        catalog_server.stop(server)
    print(f"screenshots in {shots}")
    if failures:
        print(f"{len(failures)} browser check(s) failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
