#!/usr/bin/env python3
"""The web chat page at / in a real browser (Debian's headless Chromium through selenium):
the page loads with the model's name, a message streams back its answer with the reasoning
shown apart (collapsible, folded once the answer starts), tokens/s are shown, the conversation
survives a reload, and New chat clears it. A screenshot is saved as a test artefact
($MINKE_ARTIFACTS or build/test-artifacts/web_chat.png).
    tests/e2e/web_test.py path/to/minke"""
import os
import pathlib
import re
import signal
import subprocess
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from checks import check, finish  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
MINKE = sys.argv[1]
R1 = ROOT / "tests/golden/data/models/tiny/r1-scripted.gguf"
ARTIFACTS = pathlib.Path(os.environ.get("MINKE_ARTIFACTS", ROOT / "build/test-artifacts"))

def main():
    server = subprocess.Popen([MINKE, "serve", "-m", str(R1), "--port", "0", "-t", "1"],
                              stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    port = re.search(r":(\d+)/v1", server.stderr.readline()).group(1)
    opts = webdriver.ChromeOptions()
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1000,700"]:
        opts.add_argument(flag)
    opts.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    wait = WebDriverWait(driver, 30)
    try:
        driver.get(f"http://127.0.0.1:{port}/")
        wait.until(lambda d: d.find_element(By.ID, "model").text == "r1-scripted")
        check("the page loads and names the served model", True)
        box = driver.find_element(By.ID, "input")
        box.send_keys("What is 2+2?")
        driver.find_element(By.ID, "send").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.assistant.done"))
        answer = driver.find_element(By.CSS_SELECTOR, ".msg.assistant .answer").text
        check("the streamed answer appears", answer == "The answer: 4", answer)
        details = driver.find_element(By.CSS_SELECTOR, ".msg.assistant details.reasoning")
        thinking = driver.execute_script(
            "return arguments[0].querySelector('.reasoning-text').textContent", details)
        check("the reasoning is shown apart, folded once the answer began",
              thinking == "Two plus two is four." and details.get_attribute("open") is None and
              details.is_displayed(), (thinking, details.get_attribute("open")))
        details.find_element(By.TAG_NAME, "summary").click()
        check("clicking Reasoning unfolds it",
              details.get_attribute("open") is not None and
              "Two plus two" in details.text, details.text)
        stats = driver.find_element(By.ID, "stats").text
        check("tokens/s are shown", "tokens/s" in stats or "tokens," in stats, stats)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "web_chat.png"
        driver.save_screenshot(str(shot))
        check(f"a screenshot is saved ({shot})", shot.stat().st_size > 1000)
        driver.refresh()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".msg")) == 2)
        check("the conversation survives a reload (kept in the browser)",
              driver.find_element(By.CSS_SELECTOR, ".msg.user").text == "What is 2+2?")
        driver.find_element(By.ID, "clear").click()
        check("New chat clears it", not driver.find_elements(By.CSS_SELECTOR, ".msg"))
        check("the stop button is off while nothing runs",
              not driver.find_element(By.ID, "stop").is_enabled())
    finally:
        driver.quit()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    finish()


if __name__ == "__main__":
    main()
