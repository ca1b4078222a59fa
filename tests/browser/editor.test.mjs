// Browser tests of the command editor (`mayalink serve`): tabs with dirty markers, Python and
// a MEL mode per tab, line numbers, bracket matching, search/replace, open and save real files
// (the browser's file dialog is a prompt for the path), closing a dirty tab asks first, and no
// typed script is ever lost: tabs autosave through the engine into serve's --config-dir and
// come back after a reload, even when the engine cannot write there (a visible warning, a
// localStorage copy).
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  answerNextPrompt,
  appForSuite,
  editorShown,
  editorText,
  openApp,
  saveScreenshot,
  setEditorText,
  tempDir,
  waitForHooks,
} from "./harness.mjs";

/** The artist's scripts folder, with the two scripts the tests open. */
const home = tempDir("mayalink-editor-");
const SCRIPTS = join(home, "scripts");
mkdirSync(SCRIPTS);
const WALK_TOOLS = join(SCRIPTS, "walk_tools.py");
const SELECT_HIPS = join(SCRIPTS, "select_hips.mel");
writeFileSync(
  WALK_TOOLS,
  ["import maya.cmds as cmds", "", "def key_hips():", '    cmds.select("Hips")', "", 'joints = cmds.ls(type="joint")', 'print("joints:", len(joints))', "print(undefined_name)", ""].join("\n"),
);
writeFileSync(SELECT_HIPS, ["// Select the hips and key them", "select -r Hips;", 'print "Hips selected\\n";', ""].join("\n"));
after(() => rmSync(home, { recursive: true, force: true }));

const tabs = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="editor-tab"]')].map((t) => ({
      title: t.querySelector(".title").textContent,
      lang: t.querySelector(".lang").textContent,
      dirty: t.dataset.dirty === "true",
      active: t.dataset.active === "true",
    })),
  );

describe("command editor", () => {
  const app = appForSuite({}, async ({ page }) => {
    await waitForHooks(page);
    await page.getByTestId("welcome-dismiss").click();
    // The editor loads when first shown.
    await editorShown(page);
  });

  test("starts with one Python tab, line numbers, and the welcome sample (not dirty)", async () => {
    const { page } = app;
    assert.deepEqual(await tabs(page), [{ title: "Script 1", lang: "PY", dirty: false, active: true }]);
    assert.ok((await page.locator(".cm-lineNumbers .cm-gutterElement").count()) > 3, "line numbers");
    assert.match(await editorText(page), /import maya\.cmds as cmds/);
  });

  test("new tabs, dirty markers and switching keep each tab's text", async () => {
    const { page } = app;
    await page.getByTestId("editor-new-tab").click();
    let t = await tabs(page);
    assert.equal(t.length, 2);
    assert.deepEqual(t[1], { title: "Script 2", lang: "PY", dirty: false, active: true });
    await page.locator(".cm-content").focus();
    await page.keyboard.type("x = [1, 2");
    t = await tabs(page);
    assert.equal(t[1].dirty, true, "typed text marks the tab dirty");
    assert.equal(await editorText(page), "x = [1, 2]", "brackets close themselves");
    await page.locator('[data-testid="editor-tab"]').first().locator(".tab-main").click();
    assert.match(await editorText(page), /Hello from Mayalink/);
    await page.locator('[data-testid="editor-tab"]').nth(1).locator(".tab-main").click();
    assert.equal(await editorText(page), "x = [1, 2]");
  });

  test("bracket matching and search/replace", async () => {
    const { page } = app;
    await page.evaluate(() => {
      const v = window.__mayalink.editor.view;
      v.dispatch({ selection: { anchor: 4 } }); // just after "["
      v.focus();
    });
    await page.locator(".cm-matchingBracket").first().waitFor();
    assert.equal(await page.locator(".cm-matchingBracket").count(), 2);
    await page.keyboard.press("Control+f");
    await page.locator(".cm-search").waitFor();
    await page.locator('.cm-search input[name="search"]').fill("2");
    await page.locator('.cm-search input[name="replace"]').fill("3");
    await page.locator('.cm-search button[name="replaceAll"]').click();
    assert.equal(await editorText(page), "x = [1, 3]");
    await page.keyboard.press("Escape");
  });

  test("a MEL tab: its own language, $variables, keywords and strings coloured", async () => {
    const { page } = app;
    await page.getByTestId("editor-lang-mel").click();
    await setEditorText(page, 'proc string hips() {\n    string $joint = "Hips"; // the root\n    return $joint;\n}');
    assert.equal((await tabs(page))[1].lang, "MEL");
    assert.equal(await page.getByTestId("editor-lang-mel").getAttribute("aria-pressed"), "true");
    const colours = await page.evaluate(() => {
      const colourOf = (text) => {
        for (const span of document.querySelectorAll(".cm-line span")) if (span.textContent === text) return getComputedStyle(span).color;
        return null;
      };
      return { proc: colourOf("proc"), variable: colourOf("$joint"), string: colourOf('"Hips"'), comment: colourOf("// the root") };
    });
    for (const [k, v] of Object.entries(colours)) assert.ok(v, `${k} is highlighted`);
    assert.equal(new Set(Object.values(colours)).size, 4, `each token kind has its colour: ${JSON.stringify(colours)}`);
    // The other tab kept Python.
    await page.locator('[data-testid="editor-tab"]').first().locator(".tab-main").click();
    assert.equal(await page.getByTestId("editor-lang-python").getAttribute("aria-pressed"), "true");
    await saveScreenshot(page, "editor-tabs");
  });

  test("open a script (dialog), save it (Ctrl+S), save a new tab where the dialog says", async () => {
    const { page } = app;
    let asked = answerNextPrompt(page, WALK_TOOLS);
    await page.getByTestId("editor-open").click();
    await asked;
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="editor-tab"] .title')].some((t) => t.textContent === "walk_tools.py"));
    let t = await tabs(page);
    const opened = t.find((x) => x.title === "walk_tools.py");
    assert.deepEqual(opened, { title: "walk_tools.py", lang: "PY", dirty: false, active: true });
    assert.match(await editorText(page), /def key_hips/);

    await page.locator(".cm-content").focus();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("# edited");
    assert.equal((await tabs(page)).find((x) => x.title === "walk_tools.py").dirty, true);
    await page.keyboard.press("Control+s");
    await page.waitForFunction(() => document.querySelector('[data-testid="editor-tab"][data-active="true"]').dataset.dirty === "false");
    assert.match(readFileSync(WALK_TOOLS, "utf8"), /# edited$/, "saved to the file it came from");

    // A MEL file opens in a MEL tab.
    asked = answerNextPrompt(page, SELECT_HIPS);
    await page.keyboard.press("Control+o");
    await asked;
    await page.waitForFunction(() => document.querySelector('[data-testid="editor-tab"][data-active="true"] .title').textContent === "select_hips.mel");
    assert.equal((await tabs(page)).find((x) => x.title === "select_hips.mel").lang, "MEL");

    assert.match(await editorText(page), /select -r Hips;/);

    // An unsaved tab: Save asks where (the prompt answers), then the tab is named after the file.
    await page.locator('[data-testid="editor-tab"]').nth(1).locator(".tab-main").click();
    const hips = join(SCRIPTS, "hips.mel");
    asked = answerNextPrompt(page, hips);
    await page.getByTestId("editor-save").click();
    await asked;
    await page.waitForFunction(() => document.querySelector('[data-testid="editor-tab"][data-active="true"] .title').textContent === "hips.mel");
    t = await tabs(page);
    assert.equal(t.find((x) => x.title === "hips.mel").dirty, false);
    assert.match(readFileSync(hips, "utf8"), /proc string hips/);
  });

  test("closing a tab with unsaved text asks first", async () => {
    const { page } = app;
    await page.getByTestId("editor-new-tab").click();
    await page.locator(".cm-content").focus();
    await page.keyboard.type("precious = 1");
    const count = (await tabs(page)).length;
    await page.locator('[data-testid="editor-tab"][data-active="true"] [data-testid="editor-tab-close"]').click();
    await page.getByTestId("editor-close-confirm").waitFor();
    await page.getByTestId("editor-close-cancel").click();
    assert.equal((await tabs(page)).length, count, "Cancel keeps the tab");
    // Delete on the focused tab and a middle click ask the same.
    await page.locator('[data-testid="editor-tab"][data-active="true"] .tab-main').focus();
    await page.keyboard.press("Delete");
    await page.getByTestId("editor-close-confirm").waitFor();
    await page.getByTestId("editor-close-cancel").click();
    await page.locator('[data-testid="editor-tab"][data-active="true"] .tab-main').click({ button: "middle" });
    await page.getByTestId("editor-close-confirm").waitFor();
    await page.getByTestId("editor-close-discard").click();
    assert.equal((await tabs(page)).length, count - 1);
  });

  test("tabs autosave and come back after a reload (text, files, languages, active tab)", async () => {
    const { page } = app;
    await page.locator('[data-testid="editor-tab"]').first().locator(".tab-main").click();
    await setEditorText(page, "# typed just before a crash\nprint('still here')");
    const before = await tabs(page);
    await page.waitForFunction(() => document.querySelector('[data-testid="editor-autosave-status"]').textContent.trim() === "Autosaved");
    await page.waitForTimeout(900); // the debounced save to the backend
    const saved = JSON.stringify(JSON.parse(readFileSync(join(app.serve.configDir, "tabs.json"), "utf8")));
    assert.ok(saved.includes("typed just before a crash"), "the engine wrote the tabs into serve's --config-dir");
    await page.reload();
    await page.getByTestId("editor-tab").first().waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="editor-tab"]').length === n, before.length);
    assert.deepEqual(await tabs(page), before);
    await waitForHooks(page);
    assert.equal(await editorText(page), "# typed just before a crash\nprint('still here')");
  });
});

describe("autosave when the engine cannot write", () => {
  // serve's --config-dir is a path under a regular file: every write there fails (ENOTDIR).
  const blocker = join(home, "not-a-folder");
  writeFileSync(blocker, "a file where a folder should be\n");
  const app = appForSuite({ serve: { configDir: join(blocker, "mayalink") } }, async ({ page }) => {
    await waitForHooks(page);
    await page.getByTestId("welcome-dismiss").click();
  });

  test("warns visibly, keeps a local copy, and the text survives a reload", async () => {
    const { page } = app;
    await setEditorText(page, "rig_fix = 'do not lose me'");
    const warning = page.getByTestId("editor-autosave-warning");
    await warning.waitFor({ timeout: 5000 });
    assert.match(await warning.innerText(), /Not a directory/, "the engine's own error");
    assert.match(await warning.innerText(), /backup copy/);
    assert.match(await page.getByTestId("editor-autosave-status").innerText(), /Autosave failed/);
    await saveScreenshot(page, "editor-autosave-failed");
    await page.reload();
    await waitForHooks(page);
    await page.waitForFunction(() => window.__mayalink.editor.restored);
    assert.equal(await editorText(page), "rig_fix = 'do not lose me'");
  });
});

describe("command editor whose script fails to load", () => {
  test("says so where the editor would be, and a reload brings it back with the tabs kept", async () => {
    const app = await openApp();
    try {
      const { page } = app;
      await waitForHooks(page);
      // The editor's script is unreachable (say, `mayalink serve` updated under an open page).
      await page.route(/codemirror-setup/, (route) => route.abort());
      await page.getByTestId("welcome-dismiss").click();
      const error = page.getByTestId("editor-load-error");
      await error.waitFor();
      assert.match(await error.innerText(), /The editor could not load\.[\s\S]*tabs are kept/);
      assert.equal(await page.locator(".cm-editor").count(), 0);
      await saveScreenshot(page, "editor-load-failed");
      // Text that reaches the tab meanwhile (a recalled run) is autosaved before the reload.
      await page.evaluate(() => window.__mayalink.editor.insert("# kept across the reload\n"));
      await page.unroute(/codemirror-setup/);
      await page.getByTestId("editor-reload").click();
      await page.getByTestId("welcome-dismiss").click();
      await page.locator(".cm-editor .cm-content").waitFor();
      assert.match(await page.locator(".cm-content").innerText(), /# kept across the reload/);
      assert.equal(await page.getByTestId("editor-load-error").count(), 0);
    } finally {
      await app.close();
    }
  });
});
