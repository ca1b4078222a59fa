// Browser tests of the window's layout (`mayalink serve`): every region renders with its empty
// state, panes tile the window without overlap, dividers resize by keyboard and mouse and the
// sizes survive a reload, and the theme toggle works. Screenshots: layout-*.png.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  appForSuite,
  openApp,
  saveScreenshot,
  waitForHooks,
} from "./harness.mjs";

describe("window layout", () => {
  const app = appForSuite();

  test("shows every region with its empty state", async () => {
    const { page } = app;
    for (const id of ["sessions-sidebar", "editor-area", "console", "preview-area", "top-bar", "status-bar"]) {
      assert.ok(await page.getByTestId(id).isVisible(), `${id} is visible`);
    }
    const topBar = await page.getByTestId("top-bar").innerText();
    assert.match(topBar, /Mayalink/);
    assert.match(await page.getByTestId("active-session").innerText(), /No active session/);
    assert.ok(await page.getByTestId("diagnostics-button").isVisible());

    const sidebar = await page.getByTestId("sessions-sidebar").innerText();
    assert.match(sidebar, /Maya/);
    assert.match(sidebar, /Mosketch/);
    const mayaEmpty = await page.getByTestId("maya-empty").innerText();
    assert.match(mayaEmpty, /No Maya connected yet/);
    assert.match(mayaEmpty, /then add it here/);
    const snippet = await page.getByTestId("maya-snippet").innerText();
    assert.equal(snippet.replace(/\s+/g, " ").trim(), 'cmds.commandPort(name=":7001", sourceType="python")');
    assert.ok(await page.getByTestId("maya-snippet-copy").isEnabled(), "the snippet's copy button works");
    assert.ok(await page.getByTestId("add-maya").isEnabled(), "Add Maya… opens the form");
    assert.match(await page.getByTestId("mosketch-empty").innerText(), /streaming server on port 16094/);

    // No session yet: the editor shows the welcome.
    assert.match(await page.getByTestId("welcome").innerText(), /Welcome to Mayalink/);
    const preview = await page.getByTestId("preview-empty").innerText();
    assert.match(preview, /Mosketch pose preview/);
    assert.match(preview, /connect to Mosketch to see the character live/i);
    await waitForHooks(page);
    const kind = await page.getByTestId("backend-kind").innerText();
    assert.match(kind, /Engine/, "the status bar says the real engine is behind the UI");
    assert.doesNotMatch(kind, /Simulated/);
  });

  test("panes tile the 1280×800 window: no overlap, nothing outside, no page scroll", async () => {
    const { page } = app;
    const box = async (id) => page.getByTestId(id).boundingBox();
    const [top, sidebar, editor, consolePane, preview, status] = await Promise.all(
      ["top-bar", "sessions-sidebar", "editor-area", "console", "preview-area", "status-bar"].map(box),
    );
    const eq = (a, b, what) => assert.ok(Math.abs(a - b) <= 1.5, `${what}: ${a} ≈ ${b}`);
    eq(top.y, 0, "top bar at the top");
    eq(status.y + status.height, 800, "status bar at the bottom");
    eq(sidebar.x, 0, "sidebar at the left");
    eq(preview.x + preview.width, 1280, "preview at the right");
    assert.ok(sidebar.x + sidebar.width <= editor.x, "sidebar left of the editor");
    assert.ok(editor.x + editor.width <= preview.x, "editor left of the preview");
    assert.ok(editor.y + editor.height <= consolePane.y, "editor above the console");
    eq(editor.x, consolePane.x, "editor and console share a column");
    eq(consolePane.y + consolePane.height, status.y, "console reaches the status bar");
    assert.ok(editor.width >= 360 && consolePane.height > 150, "centre has room");
    const scroll = await page.evaluate(() => [
      document.documentElement.scrollHeight,
      document.documentElement.scrollWidth,
    ]);
    assert.deepEqual(scroll, [800, 1280]);
  });

  test("the sidebar divider resizes with the keyboard, and the size survives a reload", async () => {
    const { page } = app;
    const divider = page.getByTestId("divider-sidebar");
    assert.equal(await divider.getAttribute("role"), "separator");
    const before = Number(await divider.getAttribute("aria-valuenow"));
    const widthBefore = (await page.getByTestId("sessions-sidebar").boundingBox()).width;
    await divider.focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Shift+ArrowRight");
    const after = Number(await divider.getAttribute("aria-valuenow"));
    assert.equal(after, before + 16 + 64);
    const widthAfter = (await page.getByTestId("sessions-sidebar").boundingBox()).width;
    assert.ok(Math.abs(widthAfter - widthBefore - 80) <= 1, `sidebar grew by 80px (${widthBefore} → ${widthAfter})`);

    await page.keyboard.press("Home");
    assert.equal(Number(await divider.getAttribute("aria-valuenow")), Number(await divider.getAttribute("aria-valuemin")));
    await page.keyboard.press("ArrowRight");
    const kept = Number(await divider.getAttribute("aria-valuenow"));

    await page.reload();
    await page.getByTestId("sessions-sidebar").waitFor();
    assert.equal(Number(await page.getByTestId("divider-sidebar").getAttribute("aria-valuenow")), kept);
    await page.getByTestId("divider-sidebar").dblclick();
    assert.equal(Number(await page.getByTestId("divider-sidebar").getAttribute("aria-valuenow")), before);
  });

  test("the preview and console dividers resize by dragging", async () => {
    const { page } = app;
    const previewBefore = (await page.getByTestId("preview-area").boundingBox()).width;
    const d = await page.getByTestId("divider-preview").boundingBox();
    await page.mouse.move(d.x + d.width / 2, d.y + 200);
    await page.mouse.down();
    await page.mouse.move(d.x - 60, d.y + 200, { steps: 4 });
    await page.mouse.up();
    const previewAfter = (await page.getByTestId("preview-area").boundingBox()).width;
    assert.ok(Math.abs(previewAfter - previewBefore - 60) <= 2, `preview grew by ~60px (${previewBefore} → ${previewAfter})`);

    const editorBefore = (await page.getByTestId("editor-area").boundingBox()).height;
    const h = await page.getByTestId("divider-console").boundingBox();
    await page.mouse.move(h.x + 100, h.y + h.height / 2);
    await page.mouse.down();
    await page.mouse.move(h.x + 100, h.y + 80, { steps: 4 });
    await page.mouse.up();
    const editorAfter = (await page.getByTestId("editor-area").boundingBox()).height;
    assert.ok(Math.abs(editorAfter - editorBefore - 80) <= 3, `editor grew by ~80px (${editorBefore} → ${editorAfter})`);

    // Back to the defaults for the screenshots.
    await page.getByTestId("divider-preview").dblclick();
    await page.getByTestId("divider-console").dblclick();
  });

  test("dark by default; the toggle switches to light, then to the system's scheme", async () => {
    const { page } = app;
    const state = () =>
      page.evaluate(() => ({
        theme: document.documentElement.dataset.theme,
        background: getComputedStyle(document.body).backgroundColor,
      }));
    await waitForHooks(page);
    const dark = await state();
    assert.equal(dark.theme, "dark");
    await saveScreenshot(page, "layout-dark-1280x800");

    await page.getByTestId("theme-toggle").click();
    const light = await state();
    assert.equal(light.theme, "light");
    assert.notEqual(light.background, dark.background);
    await saveScreenshot(page, "layout-light-1280x800");

    await page.getByTestId("theme-toggle").click(); // system: this context prefers dark
    assert.equal((await state()).theme, "dark");
    await page.emulateMedia({ colorScheme: "light" });
    await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
    await page.getByTestId("theme-toggle").click(); // back to dark
    assert.equal((await state()).theme, "dark");
  });

  test("no errors in the page", () => {
    assert.deepEqual(app.errors.map(String), []);
  });
});

for (const [width, height] of [
  [1024, 640],
  [900, 560], // the window's minimum size
]) {
  describe(`window layout at ${width}×${height}`, () => {
    test("the panes' buttons, tabs and figures stay whole and inside their panes, in demo mode", async () => {
      const app = await openApp({ context: { viewport: { width, height } } });
      try {
        const { page } = app;
        await waitForHooks(page);
        await page.getByTestId("welcome-demo").click();
        await page.waitForSelector('[data-testid="mosketch-state"][data-state="streaming"]', { timeout: 15_000 });
        await page.locator(".cm-editor").waitFor();
        const inside = async (pane, locator, name) => {
          const p = await page.getByTestId(pane).boundingBox();
          const b = await locator.boundingBox();
          assert.ok(b && b.width > 0, `${name} is drawn`);
          assert.ok(b.x >= p.x - 0.5 && b.x + b.width <= p.x + p.width + 0.5, `${name} (${b.x}–${b.x + b.width}) inside ${pane} (${p.x}–${p.x + p.width})`);
          return b;
        };
        for (const id of ["editor-open", "editor-save", "editor-lang-python", "editor-lang-mel", "editor-history", "editor-run-all-sessions", "editor-run"]) {
          await inside("editor-area", page.getByTestId(id), id);
        }
        for (const id of ["console-timestamps", "console-copy-all", "console-save", "console-clear", "console-scope", "console-filter", "console-search"]) {
          await inside("console", page.getByTestId(id), id);
        }
        const search = await page.getByTestId("console-search").boundingBox();
        assert.ok(search.width >= 48, `the search field keeps room to type (${search.width}px)`);
        // The preview's tabs stay on one line, its figures' labels whole, and the skeleton's
        // source line clear of the frame-rate badge.
        for (const id of ["tab-joints", "tab-link", "tab-live-link"]) {
          const b = await inside("preview-area", page.getByTestId(id), id);
          assert.ok(b.height <= 30, `${id} on one line (${b.height}px)`);
        }
        const cut = await page.evaluate(() =>
          [...document.querySelectorAll('[data-testid="pose-monitor"] dl.stats dt')].filter((dt) => dt.scrollWidth > dt.clientWidth).map((dt) => dt.textContent),
        );
        assert.deepEqual(cut, [], "no figure label is cut");
        const hud = await page.locator(".hud.top-left").boundingBox();
        const fps = await page.locator(".hud.top-right").boundingBox();
        assert.ok(hud.x + hud.width <= fps.x, `the source line (to ${hud.x + hud.width}) clear of the frame rate (from ${fps.x})`);
        // The words that gave way to icons are still the buttons' names.
        await page.getByRole("button", { name: "History" }).waitFor();
        await page.getByRole("button", { name: "Clear" }).waitFor();
        await page.getByRole("tab", { name: "Stream & commands" }).waitFor();
        assert.deepEqual(await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]), [width, height]);
        await saveScreenshot(page, `layout-demo-${width}x${height}`);
      } finally {
        await app.close();
      }
    });
  });
}
