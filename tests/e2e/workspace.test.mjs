// The real app against the Python Maya emulator: an artist adds a Maya, connects, runs
// `print("héllo")` and a script that raises (output, then a red traceback), cleans up (the
// emulator then holds zero callbacks), and works with two Mayas at once, switching between
// them by click and by Ctrl+N. Screenshots go to tests/artifacts/e2e/workspace-*.png.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { By, Key, until } from "selenium-webdriver";
import { ROOT, byTestId, screenshot, startApp } from "./harness.mjs";

const EMULATOR = path.join(ROOT, "tests/emulators/maya_emulator.py");

/** Starts a Maya emulator; resolves to { port, control, pid, stop }. */
function startEmulator(extra = []) {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", [EMULATOR, "--port", "0", ...extra], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}`)), 15_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /READY port=(\d+) control=(\d+) pid=(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          port: Number(m[1]),
          control: Number(m[2]),
          pid: Number(m[3]),
          stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once("exit", r), child.kill("SIGTERM")))),
        });
      }
    });
    child.stderr.on("data", () => {}); // logs
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}: ${out}`)));
  });
}

/** One JSON request on an emulator's control port. */
function control(port, request) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(JSON.stringify(request) + "\n"));
    let buf = "";
    socket.setTimeout(5000, () => socket.destroy(new Error("control port timeout")));
    socket.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        socket.end();
        resolve(JSON.parse(buf.slice(0, nl)));
      }
    });
    socket.on("error", reject);
  });
}

/** An element's text as the DOM has it (getText() depends on layout in WebKitWebDriver). */
const textOf = (driver, css) => driver.executeScript((c) => document.querySelector(c)?.textContent ?? "", css);

const cardCss = (name) => `[data-testid="session-card"][data-session-name="${name}"]`;

async function waitForCardState(driver, name, state, ms = 20_000) {
  await driver.wait(until.elementLocated(By.css(`${cardCss(name)}[data-state="${state}"]`)), ms, `${name} never became ${state}`);
}

async function addSession(driver, { address, name }) {
  const empty = await driver.findElements(By.css('[data-testid="add-maya"]'));
  if (empty.length > 0 && (await empty[0].isDisplayed())) await empty[0].click();
  else await (await byTestId(driver, "add-maya-header")).click();
  const addressInput = await byTestId(driver, "session-address");
  await addressInput.sendKeys(address);
  await (await byTestId(driver, "session-name-input")).sendKeys(name);
  await (await byTestId(driver, "session-save")).click();
  await driver.wait(until.elementLocated(By.css(cardCss(name))), 10_000);
}

/** Replaces the editor's text by typing, then runs it with Ctrl+Enter. */
async function typeAndRun(driver, lines) {
  // The editor loads when first shown (not behind the welcome).
  const content = await driver.wait(until.elementLocated(By.css(".cm-content")), 10_000, "the editor never showed");
  await content.click();
  await content.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
  for (let i = 0; i < lines.length; i++) {
    await content.sendKeys(lines[i]);
    if (i < lines.length - 1) await content.sendKeys(Key.ENTER);
  }
  const text = await driver.executeScript(() => document.querySelector(".cm-content").innerText);
  assert.equal(text.replace(/\u00a0/g, " ").trim(), lines.join("\n"), "the editor holds what was typed");
  await content.sendKeys(Key.chord(Key.CONTROL, Key.ENTER));
}

/** Console lines in the DOM: [{ kind, text, colour }]. */
function consoleLines(driver) {
  return driver.executeScript(() =>
    [...document.querySelectorAll('[data-testid="console-line"]')].map((el) => ({
      kind: el.dataset.kind,
      text: [...el.querySelector(".text").childNodes]
        .filter((n) => !(n.classList && n.classList.contains("visually-hidden")))
        .map((n) => n.textContent)
        .join(""),
      colour: getComputedStyle(el.querySelector(".text")).color,
    })),
  );
}

async function waitForConsole(driver, predicate, what, ms = 15_000) {
  let last = [];
  try {
    await driver.wait(async () => {
      last = await consoleLines(driver);
      return predicate(last);
    }, ms);
  } catch (e) {
    throw new Error(`console never showed ${what}; last lines: ${JSON.stringify(last.slice(-12).map((l) => [l.kind, l.text]))}`);
  }
  return last;
}

describe("the artist's workspace in the real app", () => {
  let app;
  let emuA;
  let emuB;
  before(async () => {
    [emuA, emuB] = await Promise.all([startEmulator(), startEmulator(["--version", "2024"])]);
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
    await emuA?.stop();
    await emuB?.stop();
  });

  test("first start: the welcome, with add / discover / demo", async () => {
    const welcome = await byTestId(app.driver, "welcome", 15_000);
    assert.match(await welcome.getText(), /Welcome to Mayalink/);
    for (const id of ["welcome-add", "welcome-discover", "welcome-demo"]) assert.ok(await (await byTestId(app.driver, id)).isDisplayed());
  });

  test("add a Maya and connect: port kind, version and pid show", async () => {
    await addSession(app.driver, { address: `127.0.0.1:${emuA.port}`, name: "Emu A" });
    await waitForCardState(app.driver, "Emu A", "connected");
    const info = await textOf(app.driver, `${cardCss("Emu A")} [data-testid="session-info"]`);
    assert.match(info, new RegExp(`Python port · Maya 2025 · pid ${emuA.pid}`));
    const active = await app.driver.findElement(By.css(cardCss("Emu A"))).getAttribute("data-active");
    assert.equal(active, "true");
    await waitForConsole(app.driver, (ls) => ls.some((l) => l.kind === "notice" && /Connected to Maya 2025/.test(l.text)), "the connected notice");
    const state = await control(emuA.control, { cmd: "state" });
    assert.ok(state.callbacks >= 1, `the output callback is installed (${state.callbacks})`);
  });

  test('run print("héllo"): the echo and the output appear', async () => {
    await typeAndRun(app.driver, ['print("héllo")']);
    const lines = await waitForConsole(app.driver, (ls) => ls.some((l) => l.kind === "output" && l.text === "héllo"), "héllo");
    assert.ok(lines.some((l) => l.kind === "echo" && l.text === 'print("héllo")'), "the run is echoed");
  });

  test("a script that raises: a red traceback and the error", async () => {
    await typeAndRun(app.driver, ["x = 1", 'raise ValueError("bad joint")']);
    const lines = await waitForConsole(
      app.driver,
      (ls) => ls.some((l) => l.kind === "stack_trace" && /ValueError: bad joint/.test(l.text)) && ls.some((l) => l.kind === "error"),
      "the traceback",
    );
    const trace = lines.filter((l) => l.kind === "stack_trace");
    assert.ok(trace.some((l) => /Traceback \(most recent call last\)/.test(l.text)), "traceback header");
    for (const l of [...trace, ...lines.filter((x) => x.kind === "error")]) {
      const [r, g, b] = l.colour.match(/\d+/g).map(Number);
      assert.ok(r > 200 && g < 170 && b < 170 && r - g > 60, `red: ${l.kind} ${l.colour}`);
    }
    // The traceback's `File "<Script 1>", line 2` opens that line in the editor.
    await app.driver.executeScript(() => {
      const links = document.querySelectorAll('[data-testid="traceback-link"]');
      links[links.length - 1].click();
    });
    await app.driver.wait(
      async () => (await textOf(app.driver, ".cm-activeLineGutter")) === "2",
      5000,
      "the traceback link moved the cursor to line 2",
    );
    await screenshot(app.driver, "workspace-traceback");
  });

  test("MEL: switch the tab to MEL and run a block; its result comes back", async () => {
    await (await app.driver.findElement(By.css('[data-testid="editor-lang-mel"]'))).click();
    await typeAndRun(app.driver, ['print "from MEL";', "about -v;"]);
    const lines = await waitForConsole(
      app.driver,
      (ls) => ls.some((l) => l.kind === "result" && /2025/.test(l.text)),
      "the MEL result",
    );
    assert.ok(lines.some((l) => l.kind === "echo" && l.text === "about -v;"), "the MEL run is echoed");
    await (await app.driver.findElement(By.css('[data-testid="editor-lang-python"]'))).click();
  });

  test("clean up: the session stays, disconnected, and the emulator holds no callback", async () => {
    await app.driver.findElement(By.css(`${cardCss("Emu A")} [data-testid="session-cleanup"]`)).click();
    await waitForCardState(app.driver, "Emu A", "disconnected");
    await waitForConsole(app.driver, (ls) => ls.some((l) => l.kind === "notice" && /Cleaned up/.test(l.text)), "the clean-up notice");
    const state = await control(emuA.control, { cmd: "state" });
    assert.equal(state.callbacks, 0, "no callback left in Maya");
    assert.deepEqual(state.crashes, [], "Maya did not crash");
  });

  test("two Mayas at once: switching sessions switches the console", async () => {
    const { driver } = app;
    await driver.findElement(By.css(`${cardCss("Emu A")} [data-testid="session-connect"]`)).click();
    await waitForCardState(driver, "Emu A", "connected");
    await addSession(driver, { address: `127.0.0.1:${emuB.port}`, name: "Emu B" });
    await waitForCardState(driver, "Emu B", "connected");
    const infoB = await textOf(driver, `${cardCss("Emu B")} [data-testid="session-info"]`);
    assert.match(infoB, /Maya 2024/);

    await driver.findElement(By.css(`${cardCss("Emu B")} [data-testid="session-name"]`)).click();
    await driver.wait(async () => (await driver.findElement(By.css(cardCss("Emu B"))).getAttribute("data-active")) === "true", 5000);
    await typeAndRun(driver, ['print("from B")']);
    let lines = await waitForConsole(driver, (ls) => ls.some((l) => l.kind === "output" && l.text === "from B"), "B's output");
    assert.ok(!lines.some((l) => l.text === "héllo"), "B's console does not show A's output");

    // Ctrl+1 makes A active: its console is back, without B's lines.
    await driver.findElement(By.css(".cm-content")).sendKeys(Key.chord(Key.CONTROL, "1"));
    await driver.wait(async () => (await driver.findElement(By.css(cardCss("Emu A"))).getAttribute("data-active")) === "true", 5000);
    lines = await waitForConsole(driver, (ls) => ls.some((l) => l.text === "héllo") && !ls.some((l) => l.text === "from B"), "A's console");
    await screenshot(driver, "workspace-two-mayas");

    // Both emulators hold exactly our one callback each.
    const [a, b] = await Promise.all([control(emuA.control, { cmd: "state" }), control(emuB.control, { cmd: "state" })]);
    assert.equal(a.callbacks, 1);
    assert.equal(b.callbacks, 1);

    // Clean up both: nothing left in either Maya.
    for (const name of ["Emu A", "Emu B"]) {
      await driver.findElement(By.css(`${cardCss(name)} [data-testid="session-cleanup"]`)).click();
      await waitForCardState(driver, name, "disconnected");
    }
    const [a2, b2] = await Promise.all([control(emuA.control, { cmd: "state" }), control(emuB.control, { cmd: "state" })]);
    assert.equal(a2.callbacks, 0);
    assert.equal(b2.callbacks, 0);
  });
});
