// The real app: its window shows the product's layout, and the UI reaches Rust
// both ways (invoke for the doctor report, a Channel for console lines).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { By, ROOT, byTestId, screenshot, startApp, until } from "./harness.mjs";

const CARGO_VERSION = /version = "([^"]+)"/.exec(readFileSync(path.join(ROOT, "Cargo.toml"), "utf8"))[1];
let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.stop(); });

test("the window shows the sessions sidebar, editor, console and preview areas", async () => {
  for (const id of ["sessions-sidebar", "editor-area", "console", "preview-area"]) {
    const el = await byTestId(app.driver, id);
    assert.ok(await el.isDisplayed(), `${id} is visible`);
  }
  await screenshot(app.driver, "foundation-window");
});

test("the console receives the app's notice from Rust through the channel", async () => {
  const line = await app.driver.wait(
    until.elementLocated(By.xpath(`//*[@data-testid="console-line"][contains(., "Mayalink ${CARGO_VERSION} ready")]`)),
    10_000,
  );
  assert.equal(await line.getAttribute("data-kind"), "notice");
});

test("diagnostics round-trips through Rust and shows the doctor report", async () => {
  await (await byTestId(app.driver, "diagnostics-button")).click();
  const version = await byTestId(app.driver, "doctor-version");
  await app.driver.wait(async () => (await version.getText()).includes(CARGO_VERSION), 10_000);
  const logDir = await (await byTestId(app.driver, "doctor-log-dir")).getText()
    || await (await byTestId(app.driver, "doctor-log-dir")).getAttribute("value");
  // The harness points the app's logs at its private folder: Rust reported the real value.
  assert.ok(logDir.startsWith(app.home), `log dir ${logDir} under ${app.home}`);
  const ports = await (await byTestId(app.driver, "doctor-ports")).getText();
  assert.match(ports, /16094/);
  await screenshot(app.driver, "foundation-diagnostics");
});
