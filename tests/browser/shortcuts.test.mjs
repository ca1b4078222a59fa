// Shortcuts and hints on a Mac: the real UI on `mayalink serve`, in Chromium posing as
// macOS (its user agent and navigator.platform), with two emulated Mayas. Cmd takes
// Ctrl's place: ⌘Enter runs the tab, ⌘1/⌘2 switch sessions, the labels say so; Ctrl+1
// does nothing there. The userSetup.py hint names the Mac's scripts folder first.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { addSession, appForSuite, freePort, setEditorText, waitForHooks, waitForLine } from "./harness.mjs";

const MAC_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
const card = (page, name) => page.locator(`[data-testid="session-card"][data-session-name="${name}"]`);
const active = (page, name) =>
  page.waitForFunction((n) => document.querySelector(`[data-testid="session-card"][data-session-name="${n}"]`)?.dataset.active === "true", name, { timeout: 5_000 });

describe("shortcuts on a Mac", () => {
  const mayas = {};
  const app = appForSuite(
    {
      context: { userAgent: MAC_UA },
      init: () => Object.defineProperty(Navigator.prototype, "platform", { get: () => "MacIntel" }),
    },
    async ({ page }) => {
      await waitForHooks(page);
      [mayas.a, mayas.b] = await Promise.all([app.maya({ version: 2025 }), app.maya({ version: 2024 })]);
    },
  );

  test("the labels use ⌘ and ⇧, not Ctrl", async () => {
    const { page } = app;
    await addSession(page, { address: `:${mayas.a.port}`, name: "A" });
    assert.equal((await page.getByTestId("editor-keys").innerText()).replace(/\s+/g, " ").trim(), "⌘Enter run · ⇧Enter line");
    assert.match(await page.getByTestId("editor-run").getAttribute("title"), /\(⌘Enter\) — ⇧Enter runs the selection or line/);
    assert.match(await card(page, "A").locator("kbd.shortcut").innerText(), /⌘1/);
    assert.doesNotMatch(await page.locator("body").innerText(), /Ctrl\+/);
  });

  test("⌘Enter runs the tab in the active Maya", async () => {
    const { page } = app;
    await setEditorText(page, 'print("from a mac")');
    await page.locator(".cm-content").focus();
    await page.keyboard.press("Meta+Enter");
    await waitForLine(page, "from a mac", "output");
  });

  test("⌘1 / ⌘2 switch the active Maya; Ctrl+1 is not the Mac's shortcut", async () => {
    const { page } = app;
    await addSession(page, { address: `:${mayas.b.port}`, name: "B" });
    await page.keyboard.press("Meta+2");
    await active(page, "B");
    await page.keyboard.press("Control+1");
    await page.waitForTimeout(200);
    assert.equal(await card(page, "B").getAttribute("data-active"), "true", "Ctrl+1 left B active");
    await page.keyboard.press("Meta+1");
    await active(page, "A");
  });

  test("the userSetup.py hint names the Mac's scripts folder first, then the others", async () => {
    const { page } = app;
    const lost = await addSession(page, { address: `:${await freePort()}`, name: "Nowhere", state: "lost" });
    await lost.getByTestId("session-port-help-usersetup-toggle").click();
    const where = (await lost.getByTestId("session-port-help-usersetup-where").innerText()).replace(/\s+/g, " ");
    assert.match(where, /^Save it as userSetup\.py in ~\/Library\/Preferences\/Autodesk\/maya\/<version>\/scripts \(macOS;/);
    assert.match(where, /Linux: ~\/maya\/<version>\/scripts; Windows: Documents\\maya\\<version>\\scripts\.$/);
  });
});
