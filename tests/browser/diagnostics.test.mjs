// Browser tests of the diagnostics dialog (`mayalink serve`): the doctor round trip shows the
// engine's versions, system, the state of the ports Mayalink uses (probed for real: one is
// held busy by the test) and the log folder serve was given; "Copy path" copies (or selects,
// when the clipboard is refused); "Open folder" cannot open a file manager from a browser and
// says where the folder is.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { arch, platform } from "node:os";
import {
  WORKSPACE_VERSION,
  appForSuite,
  openApp,
  saveScreenshot,
} from "./harness.mjs";

const PORTS = [7001, 7002, 16094];

/** Records whether the loading state was ever shown (it may last only a few ms). */
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

/** Listens on 127.0.0.1:port if it is free; resolves to the server, or null when taken. */
function hold(port) {
  const server = createServer();
  return new Promise((ok) => {
    server.once("error", () => ok(null));
    server.listen(port, "127.0.0.1", () => ok(server));
  });
}
/** Whether the engine could bind the port now (what the doctor checks). */
async function isFree(port) {
  const s = await hold(port);
  if (!s) return false;
  await new Promise((ok) => s.close(ok));
  return true;
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

describe("diagnostics round trip", () => {
  const app = appForSuite({ context: { permissions: ["clipboard-read", "clipboard-write"] } });

  test("the dialog opens, shows a loading state, then the engine's doctor report", async () => {
    const { page } = app;
    const panel = page.getByTestId("diagnostics-panel");
    assert.equal(await panel.isVisible(), false, "closed at start");
    // Hold one well-known port while the engine probes, so the report must show it in use.
    const held = (await hold(7002)) ?? (await hold(16094));
    try {
      const expected = [];
      for (const port of PORTS) expected.push({ port, free: await isFree(port) });
      assert.ok(expected.some((p) => !p.free), "one port is busy for the check");
      await watchForLoading(page);
      await page.getByTestId("diagnostics-button").click();
      assert.ok(await panel.isVisible());
      assert.equal(await panel.evaluate((d) => d.open && d.matches(":modal")), true, "a modal dialog");

      await page.getByTestId("doctor-version").waitFor();
      assert.ok(await sawLoading(page), "a loading state while the engine answers");
      assert.equal((await page.getByTestId("doctor-version").innerText()).trim(), WORKSPACE_VERSION);
      assert.equal((await page.getByTestId("doctor-engine-version").innerText()).trim(), WORKSPACE_VERSION);
      assert.equal((await page.getByTestId("doctor-os").innerText()).trim(), platform());
      assert.equal((await page.getByTestId("doctor-arch").innerText()).trim(), { x64: "x86_64", arm64: "aarch64" }[arch()] ?? arch());
      assert.equal((await page.getByTestId("doctor-log-dir").innerText()).trim(), app.serve.logDir, "the log folder serve was given");
      assert.match(await page.getByTestId("doctor-config-dir").innerText(), new RegExp(`: ${app.serve.configDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`), "the settings folder serve was given");

      const rows = page.getByTestId("doctor-ports").getByTestId("doctor-port");
      assert.equal(await rows.count(), expected.length);
      for (const [i, want] of expected.entries()) {
        const row = rows.nth(i);
        assert.equal(Number(await row.getAttribute("data-port")), want.port);
        assert.equal(await row.getAttribute("data-free"), String(want.free), `port ${want.port} is ${want.free ? "free" : "in use"}`);
        const text = await row.innerText();
        assert.match(text, new RegExp(String(want.port)));
        assert.match(text, want.free ? /\bFree\b/ : /In use/);
      }
      assert.match(await page.getByTestId("doctor-ports").innerText(), /Mosketch streaming server/);
    } finally {
      await new Promise((ok) => (held ? held.close(ok) : ok()));
    }
    await saveScreenshot(page, "diagnostics-dark");
  });

  test("Copy path puts the log folder on the clipboard", async () => {
    const { page } = app;
    await page.evaluate(() => navigator.clipboard.writeText("something else"));
    await page.getByTestId("copy-log-path").click();
    await page.getByText("Path copied to the clipboard").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), app.serve.logDir);
  });

  test("Open folder, in a browser, says it cannot and where the folder is", async () => {
    const { page } = app;
    await page.getByTestId("open-log-folder").click();
    const feedback = page.getByTestId("log-folder-feedback");
    await feedback.getByText(new RegExp(escape(app.serve.logDir))).waitFor();
    assert.match(await feedback.innerText(), /Could not open the folder/);
    await saveScreenshot(page, "diagnostics-open-folder-browser");
  });

  test("updates come with the app in a browser: a note, no button, no check", async () => {
    const { page } = app;
    const updates = page.getByTestId("updates");
    assert.match(await updates.innerText(), /Updates come with the app/);
    assert.equal(await updates.getByRole("button").count(), 0);
    assert.equal(await page.getByTestId("status-update").count(), 0);
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
      assert.equal(await page.evaluate(() => String(window.getSelection())), app.serve.logDir);
    } finally {
      await app.close();
    }
  });
});
