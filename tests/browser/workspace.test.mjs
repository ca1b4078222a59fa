// Browser tests of the artist's workspace (`mayalink serve` with emulated Mayas: the
// project's Maya emulator, one Python port and one MEL port, named maya.bin so discovery
// finds them): the first-run welcome, adding sessions, running code with Ctrl+Enter /
// Shift+Enter, coloured lines per kind, real tracebacks that link to the editor, filter and
// search, switching sessions (click and Ctrl+N) switching consoles, run in all sessions, busy
// + cancel + the security hint, an unreachable port's snippet, a Maya that dies and comes back,
// history recall, remove; and the built-in Demo Maya. Screenshots: workspace-*.png.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  addSession,
  appForSuite,
  editorCursorLine,
  editorText,
  freePort,
  runEditor,
  saveScreenshot,
  setEditorText,
  viewLines,
  waitForHooks,
  waitForLine,
} from "./harness.mjs";
import { STUDIO_SCENE_JSON } from "./scenarios.mjs";

const card = (page, name) => page.locator(`[data-testid="session-card"][data-session-name="${name}"]`);

describe("workspace", () => {
  const mayas = {};
  const app = appForSuite({ context: { permissions: ["clipboard-read", "clipboard-write"] } }, async ({ page }) => {
    await waitForHooks(page);
    [mayas.anim, mayas.rig] = await Promise.all([
      app.maya({ sourceType: "python", version: 2025, scene: STUDIO_SCENE_JSON, procName: "maya.bin" }),
      app.maya({ sourceType: "mel", version: 2024, procName: "maya.bin" }),
    ]);
  });

  test("first run: a welcome explains Mayalink and offers add, discover and the demo", async () => {
    const { page } = app;
    const welcome = page.getByTestId("welcome");
    await welcome.waitFor();
    const text = await welcome.innerText();
    assert.match(text, /Welcome to Mayalink/);
    assert.match(text, /Python or MEL/);
    for (const id of ["welcome-add", "welcome-discover", "welcome-demo"]) assert.ok(await page.getByTestId(id).isEnabled(), `${id} is offered`);
    assert.match(await page.getByTestId("maya-empty").innerText(), /No Maya connected yet/);
    // Behind the welcome the editor is not loaded (most of CodeMirror: ~10 MB of the app's
    // web process in WebKitGTK, docs/benchmarks.md).
    assert.equal(await page.locator(".cm-editor").count(), 0, "no editor behind the welcome");
    const fetched = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
    assert.deepEqual(
      fetched.filter((n) => /codemirror-setup/.test(n)),
      [],
      "the editor's script is not fetched",
    );

    await page.getByTestId("welcome-discover").click();
    const found = page.getByTestId("welcome-discovered");
    await found.first().waitFor();
    const listed = (await found.allInnerTexts()).join("\n");
    // Both emulators' commandPorts (their control ports are listening too, so they may show).
    for (const m of [mayas.anim, mayas.rig]) assert.ok(listed.includes(m.address), `${m.address} (pid ${m.pid}) is found:\n${listed}`);
    await saveScreenshot(page, "workspace-welcome");
  });

  test("add a Maya by address: it connects and shows port kind, version, scene and pid", async () => {
    const { page } = app;
    await page.getByTestId("welcome-add").click();
    await page.getByTestId("session-form").waitFor();
    // A bad address is refused with a helpful message.
    await page.getByTestId("session-address").fill("maya");
    await page.getByTestId("session-save").click();
    assert.match(await page.getByTestId("session-form").innerText(), /host:port/);
    const anim = await addSession(page, { address: `:${mayas.anim.port}`, name: "Anim" });
    assert.equal(await anim.getAttribute("data-active"), "true", "the first session is active");
    assert.match(await anim.getByTestId("session-info").innerText(), new RegExp(`Python port · Maya 2025 · pid ${mayas.anim.pid}\\b`));
    assert.match(await anim.getByTestId("session-scene").innerText(), /walk_cycle_v012\.ma/);
    assert.match(await anim.getByTestId("session-state").innerText(), /Connected/);
    assert.match(await page.getByTestId("active-session").innerText(), /Anim/);
    await page.getByTestId("welcome").waitFor({ state: "detached" });
    // The welcome gone, the editor loads, with the tab's text kept meanwhile.
    await page.locator(".cm-editor .cm-content").waitFor();
    assert.match(await page.locator(".cm-content").innerText(), /import maya\.cmds as cmds/);
    await waitForLine(page, "Connected to Maya 2025", "notice");
    assert.match(await page.getByTestId("status-bar").innerText(), /Maya: 1/);
  });

  test("Ctrl+Enter runs the tab: the echo, the printed output and the result appear, each in its colour", async () => {
    const { page } = app;
    await runEditor(page, 'print("héllo")\n1 + 2');
    await waitForLine(page, "# Result: 3", "result");
    const lines = await viewLines(page);
    const tail = lines.slice(-4).map((l) => [l.kind, l.text]);
    assert.deepEqual(tail, [
      ["echo", 'print("héllo")'],
      ["echo", "1 + 2"],
      ["output", "héllo"],
      ["result", "# Result: 3"],
    ]);
    const colours = await page.evaluate(() => {
      const out = {};
      for (const el of document.querySelectorAll('[data-testid="console-line"]')) out[el.dataset.kind] = getComputedStyle(el.querySelector(".text")).color;
      return out;
    });
    assert.notEqual(colours.echo, colours.output, "echo and output differ");
    assert.notEqual(colours.result, colours.output, "result and output differ");
    assert.notEqual(colours.notice, colours.output, "the app's notices stand out");
  });

  test("a script that raises: a red traceback whose File line opens that line in the editor", async () => {
    const { page } = app;
    await runEditor(page, 'import maya.cmds as cmds\nx = 1\nraise ValueError("bad joint")\nprint("never")');
    await waitForLine(page, "# Error: ValueError: bad joint", "error");
    const lines = await viewLines(page);
    const trace = lines.filter((l) => l.kind === "stack_trace").map((l) => l.text);
    assert.ok(trace.some((t) => /Traceback \(most recent call last\)/.test(t)), "traceback header");
    assert.ok(trace.some((t) => /File "<Script 1>", line 3/.test(t)), "the File line names the tab");
    assert.ok(!lines.some((l) => l.text === "never"), "nothing after the raise ran");
    const error = page.locator('[data-testid="console-line"][data-kind="error"]').last();
    const [errorColour, background] = await error.evaluate((el) => [getComputedStyle(el.querySelector(".text")).color, getComputedStyle(el).backgroundColor]);
    const [r, g, b] = errorColour.match(/\d+/g).map(Number);
    assert.ok(r > 200 && g < 140 && b < 140, `the error is red (${errorColour})`);
    assert.notEqual(background, "rgba(0, 0, 0, 0)", "error lines are tinted");

    // Move the cursor away, then follow the link.
    await setEditorText(page, await editorText(page));
    await page.getByTestId("traceback-link").last().click();
    assert.equal(await editorCursorLine(page), 3);
    await saveScreenshot(page, "workspace-traceback");
  });

  test("Shift+Enter runs the current line and moves to the next; a selection runs alone", async () => {
    const { page } = app;
    await setEditorText(page, 'print("first")\nprint("second")');
    await page.evaluate(() => {
      const v = window.__mayalink.editor.view;
      v.dispatch({ selection: { anchor: 0 } });
      v.focus();
    });
    await page.keyboard.press("Shift+Enter");
    await waitForLine(page, "first", "output");
    assert.equal(await editorCursorLine(page), 2, "the cursor moved to the next line");
    assert.equal(await editorText(page), 'print("first")\nprint("second")', "Shift+Enter did not insert a newline");
    const lines = await viewLines(page);
    assert.ok(!lines.some((l) => l.text === "second"), "only the current line ran");
  });

  test("filter by kind and search with a match count and next/previous", async () => {
    const { page } = app;
    await page.getByTestId("console-filter").click();
    await page.getByTestId("console-kinds-problems").click();
    let kinds = new Set((await viewLines(page)).map((l) => l.kind));
    for (const k of kinds) assert.ok(["warning", "error", "stack_trace"].includes(k), `only problems shown (${k})`);
    assert.ok(kinds.has("error"));
    const filterLabel = () => page.getByTestId("console-filter").innerText();
    assert.match(await filterLabel(), /^3 of \d+ kinds$/, "the button counts the kinds shown");
    await page.getByTestId("console-kind-output").check();
    kinds = new Set((await viewLines(page)).map((l) => l.kind));
    assert.ok(kinds.has("output") && !kinds.has("echo"), "output added, echo still hidden");
    assert.match(await filterLabel(), /^4 of \d+ kinds$/);
    await page.getByTestId("console-kinds-all").click();
    assert.equal(await filterLabel(), "All kinds");
    await page.keyboard.press("Escape");
    await page.mouse.click(5, 790);
    await page.getByTestId("console-filter-menu").waitFor({ state: "detached" });

    const search = page.getByTestId("console-search");
    await search.fill("print");
    await page.waitForFunction(() => /of \d+$/.test(document.querySelector('[data-testid="console-search-count"]').textContent.trim()));
    const count = await page.getByTestId("console-search-count").innerText();
    const total = Number(count.match(/of (\d+)/)[1]);
    const echoes = (await viewLines(page)).filter((l) => l.text.toLowerCase().includes("print")).length;
    assert.equal(total, echoes, "the count is the number of matching lines");
    const first = Number(count.match(/^(\d+)/)[1]);
    await page.getByTestId("console-search-next").click();
    const next = Number((await page.getByTestId("console-search-count").innerText()).match(/^(\d+)/)[1]);
    assert.equal(next, (first % total) + 1);
    await page.getByTestId("console-search-prev").click();
    assert.equal(Number((await page.getByTestId("console-search-count").innerText()).match(/^(\d+)/)[1]), first);
    assert.ok(await page.locator('[data-testid="console-line"].current-match mark').count() >= 1, "the current match is highlighted");
    await search.fill("no such text anywhere");
    await page.waitForFunction(() => document.querySelector('[data-testid="console-search-count"]').textContent.includes("No results"));
    await search.fill("");
  });

  test("a second Maya: switching sessions (click, Ctrl+1/Ctrl+2) switches the console", async () => {
    const { page } = app;
    const rig = await addSession(page, { address: `localhost:${mayas.rig.port}`, name: "Rig" });
    assert.match(await rig.getByTestId("session-info").innerText(), new RegExp(`MEL port · Maya 2024 · pid ${mayas.rig.pid}\\b`));
    assert.equal(await card(page, "Anim").getAttribute("data-active"), "true", "adding does not steal the active session");
    await rig.click();
    await page.waitForFunction(() => document.querySelector('[data-session-name="Rig"]').dataset.active === "true");
    assert.match(await page.getByTestId("active-session").innerText(), /Rig/);
    await page.getByTestId("editor-lang-mel").click();
    await runEditor(page, 'print "rig checked\\n";');
    await waitForLine(page, "rig checked", "output");
    let lines = await viewLines(page);
    assert.ok(!lines.some((l) => l.text === "héllo"), "Rig's console does not show Anim's output");

    await page.keyboard.press("Control+1");
    await page.waitForFunction(() => document.querySelector('[data-session-name="Anim"]').dataset.active === "true");
    await waitForLine(page, "héllo");
    lines = await viewLines(page);
    assert.ok(!lines.some((l) => l.text === "rig checked"), "Anim's console does not show Rig's output");

    await page.keyboard.press("Control+2");
    await page.waitForFunction(() => document.querySelector('[data-session-name="Rig"]').dataset.active === "true");
    await waitForLine(page, "rig checked");

    await page.getByTestId("console-scope").selectOption("all");
    lines = await viewLines(page);
    assert.ok(lines.some((l) => l.text === "héllo") && lines.some((l) => l.text === "rig checked"), "All sessions shows both");
    const tags = await page.getByTestId("console-line-session").allInnerTexts();
    assert.ok(tags.includes("Rig"), "lines carry their session's tag");
    await page.getByTestId("console-scope").selectOption("active");
    await page.getByTestId("editor-lang-python").click();
  });

  test("Run in all connected sessions", async () => {
    const { page } = app;
    await setEditorText(page, 'print("everywhere")');
    assert.match(await page.getByTestId("editor-run-all-sessions").innerText(), /All \(2\)/);
    await page.getByTestId("editor-run-all-sessions").click();
    await page.getByTestId("console-scope").selectOption("all");
    await page.waitForFunction(() => {
      const feed = window.__mayalink.console;
      const sessions = new Set();
      for (let i = 0; i < feed.view.length; i++) {
        const l = feed.view.lineAt(i);
        if (feed.store.textAt(l) === "everywhere" && feed.store.kindAt(l) === "output") sessions.add(feed.store.sessionAt(l));
      }
      return sessions.size === 2;
    });
    await page.getByTestId("console-scope").selectOption("active");
  });

  test("busy: elapsed time, the security-dialog hint after 3 s, and Cancel", async () => {
    const { page } = app;
    await runEditor(page, 'import time\nprint("start")\ntime.sleep(6)\nprint("done")');
    const rig = card(page, "Rig");
    await page.waitForSelector('[data-session-name="Rig"][data-state="busy"]');
    await waitForLine(page, "start", "output");
    assert.match(await rig.getByTestId("session-elapsed").innerText(), /Running for \d/);
    assert.ok(await page.getByTestId("editor-cancel").isVisible(), "the editor offers Cancel too");
    await rig.getByTestId("session-slow-hint").waitFor({ timeout: 5000 });
    assert.match(await rig.getByTestId("session-slow-hint").innerText(), /security warning/);
    await saveScreenshot(page, "workspace-busy");
    await rig.getByTestId("session-cancel").click();
    await waitForLine(page, "Stopped waiting", "notice");
    assert.match(await rig.getByTestId("session-cancelled-hint").innerText(), /finishes the code/);
    // Maya finishes on its own: its output still arrives.
    await waitForLine(page, "done", "output", 10_000);
    await page.waitForSelector('[data-session-name="Rig"][data-state="connected"]', { timeout: 10_000 });
  });

  test("an unreachable port shows the line to open it, with a copy button and a userSetup.py", async () => {
    const { page } = app;
    const port = await freePort(); // nothing listens there
    const lost = await addSession(page, { address: `:${port}`, name: "Nowhere", state: "lost" });
    assert.match(await lost.getByTestId("session-state").innerText(), /Lost/);
    assert.match(await lost.getByTestId("session-error").innerText(), new RegExp(`not reachable at 127\\.0\\.0\\.1:${port}`));
    const snippet = lost.getByTestId("session-port-help-snippet");
    const line = `cmds.commandPort(name=":${port}", sourceType="python")`;
    assert.equal((await snippet.innerText()).replace(/\s+/g, " ").trim(), line);
    await page.evaluate(() => navigator.clipboard.writeText(""));
    await lost.getByTestId("session-port-help-snippet-copy").click();
    await page.waitForFunction((l) => navigator.clipboard.readText().then((t) => t === l), line);
    await lost.getByTestId("session-port-help-usersetup-toggle").click();
    assert.match(await lost.getByTestId("session-port-help-usersetup").innerText(), /executeDeferred/);
    assert.ok(await lost.getByTestId("session-connect").isVisible(), "it can be retried");
    await saveScreenshot(page, "workspace-unreachable");
  });

  test("a Maya that dies: the session counts down, reconnects when Maya is back, and says so", async () => {
    const { page } = app;
    const first = await app.maya({ sourceType: "python", version: 2025 });
    const flaky = await addSession(page, { address: first.address, name: "Flaky" });
    // Maya goes away: its heartbeats stop (the engine notices within its 4 s liveness limit).
    await first.stop();
    await page.waitForSelector('[data-session-name="Flaky"][data-state="reconnecting"]', { timeout: 12_000 });
    await flaky.getByTestId("session-state").filter({ hasText: /Reconnecting in \d+(\.\d)? s/ }).waitFor({ timeout: 5000 });
    // Maya comes back on the same port (a new process: the helper is installed again).
    const second = await app.maya({ sourceType: "python", version: 2025, port: first.port });
    await page.waitForSelector('[data-session-name="Flaky"][data-state="connected"]', { timeout: 20_000 });
    assert.match(await flaky.getByTestId("session-info").innerText(), new RegExp(`pid ${second.pid}\\b`), "the card shows the new Maya");
    await flaky.click();
    await waitForLine(page, "stopped answering", "notice");
    await waitForLine(page, `Connected to Maya 2025 at ${second.address} (Python port, pid ${second.pid}`, "notice");
    await flaky.getByTestId("session-remove").click();
    await flaky.getByTestId("session-remove-confirm").click();
    await flaky.waitFor({ state: "detached" });
    await page.keyboard.press("Control+2");
  });

  test("edit and remove a session", async () => {
    const { page } = app;
    const lost = card(page, "Nowhere");
    await lost.getByTestId("session-edit").click();
    const form = page.getByTestId("session-form");
    await page.getByTestId("session-name-input").fill("Nowhere else");
    await page.getByTestId("session-save").click();
    await form.waitFor({ state: "detached" });
    await card(page, "Nowhere else").waitFor();
    await card(page, "Nowhere else").getByTestId("session-remove").click();
    await card(page, "Nowhere else").getByTestId("session-remove-confirm").click();
    await card(page, "Nowhere else").waitFor({ state: "detached" });
    assert.equal(await page.getByTestId("session-card").count(), 2);
  });

  test("the run history of the active session can be recalled into the editor", async () => {
    const { page } = app;
    await page.keyboard.press("Control+1");
    await page.waitForFunction(() => document.querySelector('[data-session-name="Anim"]').dataset.active === "true");
    await setEditorText(page, "");
    await page.getByTestId("editor-history").click();
    const entries = page.getByTestId("editor-history-entry");
    await entries.first().waitFor();
    assert.match(await entries.first().innerText(), /everywhere/);
    await entries.nth(1).locator(".recall").click();
    assert.match(await editorText(page), /print\("first"\)|raise ValueError/);
    // Recalling closed the menu; opened again, a click outside it closes it too.
    assert.equal(await page.getByTestId("editor-history-menu").count(), 0);
    await page.getByTestId("editor-history").click();
    await page.getByTestId("editor-history-menu").waitFor();
    await page.getByTestId("editor-cm").click();
    await page.getByTestId("editor-history-menu").waitFor({ state: "detached" });
  });

  test("no errors in the page", () => {
    assert.deepEqual(app.errors.map(String), []);
  });
});

describe("demo", () => {
  const app = appForSuite({}, async ({ page }) => {
    await waitForHooks(page);
  });

  test("Try the demo: a clearly labelled Demo Maya connects and runs code; it can be removed", async () => {
    const { page } = app;
    await page.getByTestId("welcome-demo").click();
    const demo = page.locator('[data-testid="session-card"][data-demo="true"]');
    await page.waitForSelector('[data-testid="session-card"][data-demo="true"][data-state="connected"]');
    assert.match(await demo.getByTestId("session-demo-badge").innerText(), /Demo/);
    assert.match(await demo.getByTestId("session-name").innerText(), /Demo Maya \(simulated\)/);
    assert.equal(await demo.getAttribute("data-active"), "true");
    await waitForLine(page, "Connected to Demo Maya (simulated)", "notice");
    await runEditor(page, 'print("hello demo")');
    await waitForLine(page, "hello demo", "output");
    await saveScreenshot(page, "workspace-demo");
    await demo.getByTestId("session-remove").click();
    await demo.getByTestId("session-remove-confirm").click();
    await page.getByTestId("welcome").waitFor();
    assert.equal(await page.getByTestId("session-card").count(), 0);
  });

  test("no errors in the page", () => {
    assert.deepEqual(app.errors.map(String), []);
  });
});
