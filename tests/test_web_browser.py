"""`imrcheck serve` as staff use it: the real command on a free port, and Debian's headless Chromium driven by
selenium filling a lumbar ESI questionnaire, submitting it, and reading the decision and the checklist from the
page; a screenshot of the result is checked. Skipped when chromium or chromedriver is not installed. Every wait
is on a condition (the server answering, an element present), never a fixed sleep."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from checker.api import check

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(
    not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
    reason="chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")

ESI = "lumbar ESI L4-5 x2"
WIDTH, HEIGHT = 1280, 1600
# What a member of staff answers for a lumbar ESI; every other question is left "not documented".
ANSWERS = {"radicular_exam_findings": "yes", "imaging_nerve_root_compromise": "yes", "imaging_levels": "L4-L5",
           "radicular_exam_levels": "L5", "conservative_care_failed": "yes", "prior_procedure_count": "0"}
STARTUP_SECONDS = 180  # the server builds the catalog and the note reader before it listens (slow under load)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(proc: subprocess.Popen, url: str) -> None:
    """Until the server answers `url` (or it exits, or STARTUP_SECONDS pass)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"imrcheck serve exited {proc.returncode}: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)  # poll interval while waiting on the condition, not a timing assumption
    raise AssertionError(f"imrcheck serve did not answer {url} within {STARTUP_SECONDS}s")


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "checker", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, url + "/")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={WIDTH},{HEIGHT}", "--force-device-scale-factor=1", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


def expected_result():
    """The same answers as a case, checked through the Python API (the page must show this)."""
    facts = {"radicular_exam_findings": True, "imaging_nerve_root_compromise": True, "imaging_levels": ["L4-L5"],
             "radicular_exam_levels": ["L5"], "conservative_care_failed": True}
    case = {"case": "browser-esi", "dates": {"service": "2017-03-01"}, "facts": facts,
            "items": [{"request": ESI, "facts": {"prior_procedure_count": 0}}]}
    return check(case, engine="durable")[0]


def test_staff_fill_a_lumbar_esi_questionnaire_in_chromium(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    wait = WebDriverWait(browser, 120)
    browser.get(server + "/")
    browser.find_element(By.ID, "treatment").send_keys(ESI)
    date = browser.find_element(By.ID, "date")  # a date input types in the locale's order: set its value
    browser.execute_script("arguments[0].value = arguments[1]", date, "2017-03-01")
    browser.find_element(By.ID, "case").send_keys("browser-esi")
    browser.find_element(By.ID, "next").click()
    wait.until(ec.presence_of_element_located((By.ID, "questions")))
    assert "esi (procedure); site lumbar spine; levels L4-L5" in browser.find_element(By.ID, "read-as").text

    shown = [q.get_attribute("data-fact") for q in browser.find_elements(By.CSS_SELECTOR, ".question")]
    assert set(ANSWERS) <= set(shown)
    for name, answer in ANSWERS.items():
        if answer in ("yes", "no"):
            browser.find_element(By.ID, f"{name}-{answer}").click()
        else:
            field = browser.find_element(By.ID, name)
            field.clear()
            field.send_keys(answer)
    browser.find_element(By.ID, "check").click()
    wait.until(ec.presence_of_element_located((By.ID, "checklist")))

    expected = expected_result()
    decision = browser.find_element(By.ID, "decision-text").text
    assert decision == ("Likely CERTIFIED" if expected.decision == "certify" else "Likely NOT certified")
    assert browser.find_element(By.ID, "predicted").text == expected.predicted.capitalize()
    rows = browser.find_elements(By.CSS_SELECTOR, "#checklist tbody tr")
    assert [(r.get_attribute("data-code"), r.get_attribute("data-verdict")) for r in rows] == \
        [(c.code, c.verdict) for c in expected.criteria]
    for row, c in zip(rows, expected.criteria):
        assert c.citation in row.text
    assert browser.find_element(By.ID, "what-if").text

    shot = tmp_path / "result.png"
    assert browser.save_screenshot(str(shot))
    check_screenshot(shot.read_bytes(), browser.execute_script("return [window.innerWidth, window.innerHeight]"),
                     expected.decision)


def check_screenshot(png: bytes, size: list[int], decision: str) -> None:
    """A PNG of the viewport's size, not blank: many colours, and the decision's colour (green for a likely
    certification, red otherwise) drawn on it."""
    from PIL import Image
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert list(image.size) == size
    colours = image.getcolors(maxcolors=image.width * image.height)
    assert len(colours) > 50, "the screenshot is (nearly) blank"
    most = max(colours)[0]
    assert most < 0.95 * image.width * image.height, "one colour fills the screenshot"
    mark = (0x1E, 0x7A, 0x3C) if decision == "certify" else (0xB3, 0x26, 0x1E)  # --met / --notmet in style.css
    assert any(rgb == mark for _, rgb in colours), f"no pixel of the decision's colour {mark}"


def test_the_api_over_real_http(server):
    request = urllib.request.Request(server + "/api/check", method="POST",
                                     data=json.dumps({"case": "http", "items": [{"request": ESI}]}).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as res:
        data = json.load(res)
    assert data["case"] == "http" and data["items"][0]["treatment"] == "ESI-LUMBAR"
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(server + "/api/requirements?treatment=foo+bar", timeout=60)
    assert bad.value.code == 422
    assert json.load(bad.value)["errors"][0].startswith("unknown treatment 'foo bar'")


def test_serve_warns_before_listening_beyond_loopback():
    proc = subprocess.Popen([sys.executable, "-m", "checker", "serve", "--host", "0.0.0.0", "--port",
                             str(free_port())], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()  # blocks until the first line: the warning comes before anything else
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert first.startswith("warning: serving on 0.0.0.0, reachable from other machines")
