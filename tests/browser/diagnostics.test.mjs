// Browser tests of the diagnostics dialog (fake backend): the doctor() round trip shows the
// versions, system, ports and log folder; "Copy path" copies (or selects, when the clipboard
// is refused); "Open folder" calls the backend; errors are shown with their code.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  appForSuite,
  openApp,
  saveScreenshot,
} from "./harness.mjs";
import { FAKE_APP_VERSION, FAKE_ENGINE_VERSION, FAKE_LOG_DIR, FAKE_PORTS } from "./fake-backend-facts.mjs";

/** Records whether the loading state was ever shown (it may last only ~120 ms). */
function watchForLoading(page) {
  return page.evaluate(() => {
    window.__sawDoctorLoading = false;
    const observer = new MutationObserver(() => {
      if (document.querySelector('[data-testid="doctor-loading"]')) {
        window.__sawDoctorLoading = true;
        observer.disconnect();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
}
const sawLoading = (page) => page.evaluate(() => window.__sawDoctorLoading);

describe("diagnostics round trip", () => {
  const app = appForSuite({ context: { permissions: ["clipboard-read", "clipboard-write"] } });

  test("the dialog opens, shows a loading state, then the doctor report", async () => {
    const { page } = app;
    const panel = page.getByTestId("diagnostics-panel");
    assert.equal(await panel.isVisible(), false, "closed at start");
    await watchForLoading(page);
    await page.getByTestId("diagnostics-button").click();
    assert.ok(await panel.isVisible());
    assert.equal(await panel.evaluate((d) => d.open && d.matches(":modal")), true, "a modal dialog");

    await page.getByTestId("doctor-version").waitFor();
    assert.ok(await sawLoading(page), "a loading state while the engine answers");
    assert.equal((await page.getByTestId("doctor-version").innerText()).trim(), FAKE_APP_VERSION);
    assert.equal((await page.getByTestId("doctor-engine-version").innerText()).trim(), FAKE_ENGINE_VERSION);
    assert.equal((await page.getByTestId("doctor-os").innerText()).trim(), "linux");
    assert.equal((await page.getByTestId("doctor-arch").innerText()).trim(), "x86_64");
    assert.equal((await page.getByTestId("doctor-log-dir").innerText()).trim(), FAKE_LOG_DIR);

    const rows = page.getByTestId("doctor-ports").getByTestId("doctor-port");
    assert.equal(await rows.count(), FAKE_PORTS.length);
    for (const [i, expected] of FAKE_PORTS.entries()) {
      const row = rows.nth(i);
      assert.equal(Number(await row.getAttribute("data-port")), expected.port);
      assert.equal(await row.getAttribute("data-free"), String(expected.free));
      const text = await row.innerText();
      assert.match(text, new RegExp(String(expected.port)));
      assert.match(text, expected.free ? /\bFree\b/ : /In use/);
    }
    assert.match(await page.getByTestId("doctor-ports").innerText(), /Mosketch streaming server/);
    await saveScreenshot(page, "diagnostics-dark");
  });

  test("Copy path puts the log folder on the clipboard", async () => {
    const { page } = app;
    await page.evaluate(() => navigator.clipboard.writeText("something else"));
    await page.getByTestId("copy-log-path").click();
    await page.getByText("Path copied to the clipboard").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), FAKE_LOG_DIR);
  });

  test("Open folder calls the backend and says so (the fake also posts a console notice)", async () => {
    const { page } = app;
    await page.getByTestId("open-log-folder").click();
    await page.getByText("Opened in your file manager").waitFor();
    const notice = page.locator('[data-testid="console-line"][data-kind="notice"]', { hasText: "Opened the log folder" });
    await notice.waitFor();
    assert.match(await notice.innerText(), new RegExp(FAKE_LOG_DIR.replaceAll("/", "\\/")));
  });

  test("Refresh asks again; Escape closes; reopening asks again", async () => {
    const { page } = app;
    await page.getByTestId("doctor-refresh").click();
    await page.getByTestId("doctor-version").waitFor();
    await page.keyboard.press("Escape");
    await page.getByTestId("diagnostics-panel").waitFor({ state: "hidden" });
    await watchForLoading(page);
    await page.getByTestId("diagnostics-button").click();
    await page.getByTestId("doctor-version").waitFor();
    assert.ok(await sawLoading(page), "a fresh round trip on reopen");
    await page.getByTestId("diagnostics-close").click();
    await page.getByTestId("diagnostics-panel").waitFor({ state: "hidden" });
  });

  test("no errors in the page", () => {
    assert.deepEqual(app.errors.map(String), []);
  });
});

describe("diagnostics when things go wrong", () => {
  test("a refused clipboard falls back to selecting the path", async () => {
    const app = await openApp();
    try {
      const { page } = app;
      await page.evaluate(() => {
        navigator.clipboard.writeText = () => Promise.reject(new DOMException("denied", "NotAllowedError"));
        document.execCommand = () => false;
      });
      await page.getByTestId("diagnostics-button").click();
      await page.getByTestId("doctor-log-dir").waitFor();
      await page.getByTestId("copy-log-path").click();
      await page.getByText("Path selected — press Ctrl+C to copy").waitFor();
      assert.equal(await page.evaluate(() => String(window.getSelection())), FAKE_LOG_DIR);
    } finally {
      await app.close();
    }
  });

  test("doctor and open-folder failures are shown with their error code", async () => {
    const app = await openApp({ query: "?fakeFail=doctor,openLogFolder" });
    try {
      const { page } = app;
      await page.getByTestId("diagnostics-button").click();
      const error = page.getByTestId("doctor-error");
      await error.waitFor();
      assert.match(await error.innerText(), /I\/O error/);
      assert.match(await error.innerText(), /Simulated failure/);
      assert.equal(await page.getByTestId("doctor-version").count(), 0);
      await saveScreenshot(page, "diagnostics-error");
    } finally {
      await app.close();
    }
  });

  test("open-folder failure is reported next to the button", async () => {
    const app = await openApp({ query: "?fakeFail=openLogFolder" });
    try {
      const { page } = app;
      await page.getByTestId("diagnostics-button").click();
      await page.getByTestId("open-log-folder").click();
      await page.getByText(/Could not open the folder — Simulated failure/).waitFor();
    } finally {
      await app.close();
    }
  });
});
