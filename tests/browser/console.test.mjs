// Browser tests of the console (`mayalink serve`, the "studio" scenario: two emulated Mayas
// that print every line kind the engine produces): lines arrive through the console stream,
// each with its data-kind, every kind in its own colour with readable contrast on both themes;
// follow/jump-to-latest, timestamps, copy, save (to a real file) and Clear work.
// Screenshots: console-*.png.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  answerNextPrompt,
  appForSuite,
  runEditor,
  saveScreenshot,
  tempDir,
  viewLines,
  waitForHooks,
  waitForLine,
} from "./harness.mjs";
import { ENGINE_LINE_KINDS as LINE_KINDS, STUDIO_LAST_LINE, studio } from "./scenarios.mjs";

/** WCAG contrast ratio of two "rgb(r, g, b)" colours. */
function contrast(a, b) {
  const luminance = (css) => {
    const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** data-kind, computed text colour and the console's background, per line. */
function readLines(page) {
  return page.evaluate(() => {
    const log = document.querySelector('[data-testid="console-lines"]');
    const background = getComputedStyle(log.closest('[data-testid="console"]')).backgroundColor;
    return [...document.querySelectorAll('[data-testid="console-line"]')].map((el) => ({
      kind: el.dataset.kind,
      text: [...el.querySelector(".text").childNodes].filter((n) => !n.classList?.contains("visually-hidden")).map((n) => n.textContent).join(""),
      color: getComputedStyle(el.querySelector(".text")).color,
      background,
    }));
  });
}

async function assertKindColours(page, theme) {
  const lines = await readLines(page);
  const colourOf = new Map();
  for (const line of lines) {
    const known = colourOf.get(line.kind);
    if (known) assert.equal(line.color, known, `every ${line.kind} line has the same colour`);
    colourOf.set(line.kind, line.color);
  }
  assert.deepEqual([...colourOf.keys()].sort(), [...LINE_KINDS].sort(), "every line kind is shown");
  assert.equal(new Set(colourOf.values()).size, LINE_KINDS.length, `${theme}: each kind has its own colour`);
  for (const [kind, colour] of colourOf) {
    const ratio = contrast(colour, lines[0].background);
    assert.ok(ratio >= 4.5, `${theme}: ${kind} (${colour}) on ${lines[0].background} has contrast ${ratio.toFixed(2)} ≥ 4.5`);
  }
}

describe("console", () => {
  const app = appForSuite({ context: { permissions: ["clipboard-read", "clipboard-write"] } }, async ({ page }) => {
    await waitForHooks(page);
    await studio(app);
    await page.getByTestId("console-scope").selectOption("all");
    await waitForLine(page, STUDIO_LAST_LINE, "output");
    // A tall console: every line of the scenario in view.
    await page.getByTestId("divider-console").focus();
    await page.keyboard.press("Home");
  });

  test("lines from the emulated Mayas arrive in order, each with its data-kind and session tag", async () => {
    const { page } = app;
    const all = await viewLines(page);
    // The tall console is laid out on the next frame: wait for its rows before reading them.
    await page
      .waitForFunction((n) => document.querySelectorAll('[data-testid="console-line"]').length === n, all.length, { timeout: 5000 })
      .catch(() => {});
    const lines = await readLines(page);
    assert.equal(lines.length, all.length, "every line is in view");
    for (const line of lines) assert.ok(LINE_KINDS.includes(line.kind), `known kind ${line.kind}`);
    assert.equal(lines[0].kind, "notice", "the engine's first line is a notice");
    const error = lines.find((l) => l.kind === "error");
    assert.match(error.text, /NameError: name 'jnt' is not defined/);
    const firstTrace = lines.findIndex((l) => l.kind === "stack_trace");
    assert.match(lines[firstTrace].text, /Traceback/);
    assert.equal(lines[firstTrace - 1].kind, "echo", "the traceback follows what was run");
    const lastTrace = lines.findLastIndex((l) => l.kind === "stack_trace");
    assert.ok(lines.slice(firstTrace, lastTrace + 1).some((l) => /cmds\.getAttr\(jnt/.test(l.text)), "the traceback quotes the failing line");
    assert.equal(lines[lastTrace + 1].kind, "error", "the error line closes the traceback");
    assert.equal(lines.at(-1).text, STUDIO_LAST_LINE);
    const tags = await page.getByTestId("console-line-session").allInnerTexts();
    assert.ok(tags.includes("Rigging") && tags.includes("Anim — shot 010"), "All sessions tags each line with its session");
    assert.match(await page.getByTestId("console").innerText(), new RegExp(`${all.length} lines`));
    assert.match(await page.getByTestId("status-bar").innerText(), new RegExp(`${all.length} console lines`));
  });

  test("every kind has a distinct, readable colour on the dark theme", async () => {
    await assertKindColours(app.page, "dark");
    await saveScreenshot(app.page, "console-dark");
  });

  test("… and on the light theme", async () => {
    const { page } = app;
    await page.getByTestId("theme-toggle").click();
    await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
    await assertKindColours(page, "light");
    await saveScreenshot(page, "console-light");
    await page.getByTestId("theme-toggle").click();
    await page.getByTestId("theme-toggle").click();
    await page.emulateMedia({ colorScheme: "dark" });
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
  });

  test("follows the newest line; scrolling up stops following and offers 'Jump to latest'", async () => {
    const { page } = app;
    const log = page.getByTestId("console-lines");
    const lineCount = () => page.evaluate(() => window.__mayalink.console.view.length);
    const atBottom = () => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 2);
    let posted = 0;
    /** Makes the emulated Maya print a line (a run from the editor). */
    async function postLine() {
      const before = await lineCount();
      const text = `tick ${++posted}`;
      await runEditor(page, `print("${text}")`);
      await waitForLine(page, text, "output");
      await page.waitForFunction((n) => window.__mayalink.console.view.length > n, before);
    }

    // Make the console short so its lines overflow; following keeps the newest line in view.
    await page.getByTestId("divider-console").focus();
    await page.keyboard.press("End");
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="console-lines"]');
      return el.scrollHeight > el.clientHeight + 40;
    });
    // Growing the pane until every line fits (the first test) left the console thinking it was
    // scrolled up (its scroll handler reads the old height): follow again. Reported to the UI's owners.
    if (await page.getByTestId("console-jump-latest").isVisible().catch(() => false)) await page.getByTestId("console-jump-latest").click();
    // The pane's resize observer runs before the next paint: give it that frame.
    await page.waitForFunction(
      () => {
        const el = document.querySelector('[data-testid="console-lines"]');
        return el.scrollHeight - el.scrollTop - el.clientHeight < 2;
      },
      null,
      { timeout: 2000 },
    );
    assert.equal(await page.getByTestId("console-jump-latest").count(), 0);

    await postLine();
    assert.ok(await atBottom(), "a new line while following scrolls into view");

    await log.evaluate((el) => el.scrollTo(0, 0));
    await page.getByTestId("console-jump-latest").waitFor();
    await postLine();
    assert.equal(await log.evaluate((el) => el.scrollTop), 0, "a new line does not move a scrolled-up view");

    await page.getByTestId("console-jump-latest").click();
    assert.ok(await atBottom(), "jumped to the newest line");
    await page.getByTestId("console-jump-latest").waitFor({ state: "detached" });
    await page.getByTestId("divider-console").focus();
    await page.keyboard.press("Home");
  });

  test("timestamps toggle; copy all, copy selected lines and save to a file", async () => {
    const { page } = app;
    assert.ok((await page.locator('[data-testid="console-line"] .time').count()) > 0, "timestamps shown by default");
    await page.getByTestId("console-timestamps").click();
    assert.equal(await page.locator('[data-testid="console-line"] .time').count(), 0, "timestamps hidden");
    assert.equal(await page.getByTestId("console-timestamps").getAttribute("aria-pressed"), "false");

    const total = (await viewLines(page)).length;
    await page.getByTestId("console-copy-all").click();
    await page.getByTestId("console-feedback").filter({ hasText: `Copied ${total} lines` }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied.split("\n").length, total);
    assert.match(copied, /\[Anim — shot 010\] # Error: NameError/, "All sessions copies carry the session tag");

    // Select two lines by their gutter (click, Shift+click) and copy them.
    const rows = page.getByTestId("console-line");
    await rows.nth(3).locator(".gutter").click();
    await rows.nth(4).locator(".gutter").click({ modifiers: ["Shift"] });
    assert.equal(await page.locator('[data-testid="console-line"].selected').count(), 2);
    await page.getByTestId("console-copy-selection").click();
    await page.getByTestId("console-feedback").filter({ hasText: "Copied 2 lines" }).waitFor();
    assert.equal((await page.evaluate(() => navigator.clipboard.readText())).split("\n").length, 2);

    // Save asks where (the browser's stand-in for the file dialog: a prompt); the engine writes the file.
    const path = join(tempDir("mayalink-console-"), "console.log");
    const asked = answerNextPrompt(page, path);
    await page.getByTestId("console-save").click();
    await asked;
    await page.getByTestId("console-feedback").filter({ hasText: "Saved" }).waitFor();
    const saved = readFileSync(path, "utf8");
    assert.equal(saved.trimEnd().split("\n").length, total);
    assert.match(saved, /# Error: NameError: name 'jnt' is not defined/);
    await page.getByTestId("console-timestamps").click();
  });

  test("Clear empties the console", async () => {
    const { page } = app;
    await page.getByTestId("console-clear").click();
    assert.equal(await page.getByTestId("console-line").count(), 0);
    assert.ok(await page.getByTestId("console-empty").isVisible());
    assert.ok(await page.getByTestId("console-clear").isDisabled());
  });

  test("no errors in the page", () => {
    assert.deepEqual(app.errors.map(String), []);
  });
});
