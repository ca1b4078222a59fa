// Shared harness of the browser tests: the real UI (built with `npm run build`) served by the
// real engine (`mayalink serve`, the command map over a WebSocket), in Debian's Chromium
// through playwright-core. Scenarios come from real processes: the project's Maya emulator
// (tests/emulators/maya_emulator.py), the engine's Demo Maya and Mosketch simulator
// (`mayalink serve --demo`, "Try the demo") and `mayalink mosketch-sim`.
//
// Every child process is registered: an app's close() stops its serve and the emulators and
// simulators started for it (SIGTERM, then SIGKILL), and whatever is still alive when the test
// process exits is killed. Each serve gets its own temporary --config-dir and log folder, so
// tests never touch ~/.config or ~/.local/share. Child logs (stderr) go to
// tests/artifacts/browser/logs/; screenshots to tests/artifacts/browser/.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

const here = fileURLToPath(new URL(".", import.meta.url));
export const REPO_ROOT = resolve(here, "..", "..");
/** The built UI serve hands out (MAYALINK_UI_DIR: another build, e.g. one nobody rebuilds mid-run). */
export const DIST_DIR = process.env.MAYALINK_UI_DIR ? resolve(process.env.MAYALINK_UI_DIR) : join(REPO_ROOT, "ui", "dist");
export const ARTIFACTS_DIR = join(REPO_ROOT, "tests", "artifacts", "browser");
export const LOGS_DIR = join(ARTIFACTS_DIR, "logs");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const MAYALINK_BIN = process.env.MAYALINK_BIN ?? join(REPO_ROOT, "target", "debug", "mayalink");
export const MAYA_EMULATOR = join(REPO_ROOT, "tests", "emulators", "maya_emulator.py");
export const PYTHON = process.env.PYTHON ?? "python3";

/** The workspace's version (Cargo.toml), which serve reports as the app's and the engine's. */
export const WORKSPACE_VERSION = (() => {
  const toml = readFileSync(join(REPO_ROOT, "Cargo.toml"), "utf8");
  return toml.match(/\[workspace\.package\][^[]*?\bversion\s*=\s*"([^"]+)"/)?.[1] ?? null;
})();

/** Fails with the fix in the message when the UI has not been built. */
export function assertDistBuilt() {
  if (!existsSync(join(DIST_DIR, "index.html"))) {
    throw new Error(`ui/dist is missing (${DIST_DIR}): run npm run build first`);
  }
}

/** Fails with the fix in the message when the engine's CLI has not been built. */
export function assertBinBuilt() {
  if (!existsSync(MAYALINK_BIN)) {
    throw new Error(`${MAYALINK_BIN} is missing: run cargo build -p mayalink-engine first`);
  }
}

// ---- Child processes -------------------------------------------------------------------

/** Every child still running; killed outright if the test process exits with them alive. */
const live = new Set();
process.on("exit", () => {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => process.exit(130));
}

let logSerial = 0;
// Child logs of earlier runs: keep a day's worth.
try {
  for (const f of readdirSync(LOGS_DIR)) {
    const path = join(LOGS_DIR, f);
    if (Date.now() - statSync(path).mtimeMs > 86_400_000) rmSync(path, { force: true });
  }
} catch {
  /* no logs yet */
}

/** A fresh temporary folder (removed by the app that owns it). */
export function tempDir(prefix = "mayalink-browser-") {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A child process whose stdout is read line by line (kept in `lines`) and whose stderr goes
 * to a log file. Resolves once a stdout line matches `ready` (with the match), rejects when
 * the process exits first or `timeoutMs` passes (with the end of its log in the message).
 */
export async function startChild(command, args, { name, ready, timeoutMs = 15_000, env = {}, cwd = REPO_ROOT, stopSignal = "SIGTERM" } = {}) {
  mkdirSync(LOGS_DIR, { recursive: true });
  const logPath = join(LOGS_DIR, `${process.pid}-${++logSerial}-${name ?? basename(command)}.log`);
  const log = createWriteStream(logPath);
  log.write(`$ ${command} ${args.join(" ")}\n`);
  const proc = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  live.add(proc);
  const exited = new Promise((ok) => {
    proc.once("exit", (code, signal) => {
      live.delete(proc);
      ok({ code, signal });
    });
    proc.once("error", (error) => {
      live.delete(proc);
      log.write(`spawn error: ${error.message}\n`);
      ok({ code: null, signal: null, error });
    });
  });
  proc.stderr.pipe(log);
  const lines = [];
  const waiters = new Set();
  createInterface({ input: proc.stdout }).on("line", (line) => {
    lines.push(line);
    if (lines.length > 5000) lines.splice(0, lines.length - 5000);
    for (const w of [...waiters]) w(line);
  });
  const child = {
    name: name ?? basename(command),
    proc,
    pid: proc.pid,
    logPath,
    /** Every stdout line so far (the last 5000). */
    lines,
    exited,
    /** The end of the child's stderr log, for error messages. */
    logTail(n = 30) {
      try {
        return readFileSync(logPath, "utf8").trimEnd().split("\n").slice(-n).join("\n");
      } catch {
        return "";
      }
    },
    /** Resolves with the match of the first stdout line (past or future) matching `re`. */
    waitForLine(re, ms = 10_000, { fromIndex = 0 } = {}) {
      for (const l of lines.slice(fromIndex)) {
        const m = l.match(re);
        if (m) return Promise.resolve(m);
      }
      return new Promise((ok, fail) => {
        const timer = setTimeout(() => {
          waiters.delete(w);
          fail(new Error(`${child.name}: no stdout line matching ${re} within ${ms} ms; last lines:\n${lines.slice(-5).join("\n")}`));
        }, ms);
        const w = (line) => {
          const m = line.match(re);
          if (m) {
            clearTimeout(timer);
            waiters.delete(w);
            ok(m);
          }
        };
        waiters.add(w);
      });
    },
    /** SIGTERM (or the child's own stop signal), then SIGKILL after `graceMs`. Resolves with the exit status. */
    async stop(graceMs = 5000) {
      if (proc.exitCode !== null || proc.signalCode !== null || !live.has(proc)) return exited;
      proc.kill(stopSignal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
  };
  let readyMatch;
  try {
    readyMatch = await Promise.race([
      child.waitForLine(ready, timeoutMs),
      exited.then((s) => {
        throw new Error(`${child.name} exited (${s.error?.message ?? `code ${s.code}, signal ${s.signal}`}) before it was ready`);
      }),
    ]);
  } catch (error) {
    await child.stop(1000);
    throw new Error(`${error.message}\n--- ${logPath}:\n${child.logTail()}`);
  }
  child.ready = readyMatch;
  return child;
}

/**
 * `mayalink serve` on a free loopback port with its own config and log folders.
 * `configDir`: where sessions and tabs are kept (default: a fresh temporary folder).
 * Resolves to the child plus { url, configDir, logDir }.
 */
export async function startServe({ demo = false, configDir, ui = DIST_DIR, args = [], env = {} } = {}) {
  assertBinBuilt();
  if (ui === DIST_DIR) assertDistBuilt();
  const owned = [];
  if (configDir === undefined) owned.push((configDir = tempDir("mayalink-config-")));
  const logDir = tempDir("mayalink-logs-");
  owned.push(logDir);
  const argv = ["serve", "--port", "0", "--ui", ui, "--config-dir", configDir, ...(demo ? ["--demo"] : []), ...args];
  const child = await startChild(MAYALINK_BIN, argv, {
    name: "serve",
    ready: /^Mayalink UI: (http:\/\/127\.0\.0\.1:\d+\/\S+\/)$/,
    env: { MAYALINK_LOG_DIR: logDir, MAYALINK_LOG: process.env.MAYALINK_LOG ?? "info", ...env },
  }).catch((error) => {
    for (const d of owned) rmSync(d, { recursive: true, force: true });
    throw error;
  });
  const stop = child.stop;
  return Object.assign(child, {
    url: child.ready[1],
    configDir,
    logDir,
    async stop() {
      const status = await stop(8000);
      for (const d of owned) rmSync(d, { recursive: true, force: true });
      return status;
    },
  });
}

/**
 * The project's Maya emulator on free ports (commandPort and control port).
 * Options: sourceType "python"|"mel", version, printType, procName (e.g. "maya.bin", so
 * discovery finds it), scene (an object, written to a JSON file), port (0: any free port).
 * Resolves to the child plus { port, controlPort, address, control(request) }.
 */
export async function startMaya({ sourceType = "python", version = "2025", printType, procName, scene, port = 0, args = [] } = {}) {
  const argv = [MAYA_EMULATOR, "--port", String(port), "--control-port", "0", "--source-type", sourceType, "--version", String(version)];
  let sceneDir;
  if (printType) argv.push("--print-type", printType);
  if (procName) argv.push("--proc-name", procName);
  if (scene) {
    sceneDir = tempDir("mayalink-scene-");
    const file = join(sceneDir, "scene.json");
    writeFileSync(file, JSON.stringify(scene));
    argv.push("--scene", file);
  }
  const child = await startChild(PYTHON, [...argv, ...args], {
    name: `maya-${sourceType}`,
    ready: /^READY port=(\d+) control=(\d+) pid=(\d+)$/,
  });
  const stop = child.stop;
  const emulator = Object.assign(child, {
    port: Number(child.ready[1]),
    controlPort: Number(child.ready[2]),
    address: `127.0.0.1:${child.ready[1]}`,
    /** One request to the control port (README: state, fault, set, ping…); resolves to its reply. */
    control: (request) => controlRequest(Number(child.ready[2]), request),
    async stop(graceMs) {
      const status = await stop(graceMs);
      if (sceneDir) rmSync(sceneDir, { recursive: true, force: true });
      return status;
    },
  });
  return emulator;
}

function controlRequest(port, request) {
  return new Promise((ok, fail) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let data = "";
    socket.setEncoding("utf8");
    socket.setTimeout(5000, () => socket.destroy(new Error("control port: no reply in 5 s")));
    socket.on("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on("data", (chunk) => {
      data += chunk;
      const nl = data.indexOf("\n");
      if (nl >= 0) {
        socket.end();
        try {
          ok(JSON.parse(data.slice(0, nl)));
        } catch (error) {
          fail(error);
        }
      }
    });
    socket.on("error", fail);
  });
}

/**
 * `mayalink mosketch-sim` on a free port. Options: character ("humanoid"|"fish"), rate (Hz),
 * framing, noSkeleton, onlyAck ("AckHierarchyInitialized"|"HierarchyInitializedAck"),
 * garbage, partial, port. Resolves to the child plus { port, address, clients() }.
 */
export async function startMosketchSim({ character, rate, framing, noSkeleton, onlyAck, garbage, partial, port = 0, args = [] } = {}) {
  assertBinBuilt();
  const argv = ["mosketch-sim", "--port", String(port)];
  if (character) argv.push("--character", character);
  if (rate !== undefined) argv.push("--rate", String(rate));
  if (framing) argv.push("--framing", framing);
  if (noSkeleton) argv.push("--no-skeleton");
  if (onlyAck) argv.push("--only-ack", onlyAck);
  if (garbage) argv.push("--garbage");
  if (partial) argv.push("--partial");
  const child = await startChild(MAYALINK_BIN, [...argv, ...args], {
    name: "mosketch-sim",
    ready: /^listening on (\S+):(\d+)$/,
    stopSignal: "SIGINT", // it stops on Ctrl-C
  });
  return Object.assign(child, {
    port: Number(child.ready[2]),
    address: `127.0.0.1:${child.ready[2]}`,
    /** Each client's latest report line (printed once a second while it changes). */
    clients() {
      const byId = new Map();
      for (const line of child.lines) {
        const m = line.match(/^client (\d+) (connected|gone) \(([^)]*)\): (\d+) frames sent, (\d+) acked, hierarchy acks (\[[^\]]*\])(?:, rejected (\[[^\]]*\]))?, (\d+) commands, (\d+) poses$/);
        if (m) {
          byId.set(Number(m[1]), {
            id: Number(m[1]),
            connected: m[2] === "connected",
            peer: m[3],
            framesSent: Number(m[4]),
            acked: Number(m[5]),
            hierarchyAcks: m[6],
            rejected: m[7] ?? null,
            commands: Number(m[8]),
            poses: Number(m[9]),
          });
        }
      }
      return [...byId.values()];
    },
  });
}

/** A loopback TCP port that nothing listens on (bound, then released). */
export async function freePort() {
  const server = createServer();
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", ok);
  });
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

// ---- The browser ---------------------------------------------------------------------------

export function launchChromium(extraArgs = []) {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      ...extraArgs,
    ],
  });
}

/**
 * Starts `mayalink serve` (options in `serve`: demo, configDir, args, env) and Chromium, and
 * opens the app in a fresh context. `context` options go to browser.newContext. Returns
 * { page, context, browser, url, errors, serve, maya(), mosketchSim(), track(), close }:
 * `maya(options)` / `mosketchSim(options)` start an emulator / a simulator owned by this app
 * (stopped by close(), after serve, so serve's clean-up still reaches them).
 */
export async function openApp({ serve: serveOptions = {}, context: contextOptions = {}, init, onPageError, chromiumArgs = [] } = {}) {
  const owned = [];
  const app = {
    errors: [],
    /** Stops `child` (anything with stop()) when the app closes. */
    track(child) {
      owned.push(child);
      return child;
    },
    maya: async (options) => app.track(await startMaya(options)),
    mosketchSim: async (options) => app.track(await startMosketchSim(options)),
    async close() {
      await app.browser?.close().catch(() => {});
      await app.serve?.stop();
      await Promise.all(owned.splice(0).map((c) => c.stop().catch(() => {})));
    },
  };
  try {
    app.serve = await startServe(serveOptions);
    app.url = app.serve.url;
    app.browser = await launchChromium(chromiumArgs);
    app.context = await app.browser.newContext({
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
      colorScheme: "dark",
      ...contextOptions,
    });
    // `init`: a script that runs in the page before the app (e.g. to pose as another OS).
    if (init) await app.context.addInitScript(init);
    const page = (app.page = await app.context.newPage());
    page.on("pageerror", (error) => {
      app.errors.push(error);
      onPageError?.(error);
    });
    page.on("console", (message) => {
      if (message.type() === "error") app.errors.push(new Error(message.text()));
    });
    await page.goto(app.url);
    await page.getByTestId("sessions-sidebar").waitFor();
    return app;
  } catch (error) {
    await app.close();
    throw error;
  }
}

/**
 * One app for the enclosing `describe`: opened (then `ready(app)` run) before its first
 * test, closed after its last (even when a test or `ready` failed). Returns the app's
 * object, filled in by then. `ready` gets the app: start emulators with app.maya().
 */
export function appForSuite(options = {}, ready = async () => {}) {
  const app = {};
  before(async () => {
    Object.assign(app, await openApp(options));
    await ready(app);
  });
  after(async () => {
    await app.close?.();
  });
  return app;
}

/** Saves a PNG under tests/artifacts/browser/ and returns its path. */
export async function saveScreenshot(page, name) {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.mouse.move(1, 1); // no hover highlight in the picture
  await page.screenshot({ path, animations: "disabled" });
  return path;
}

/** Answers the next window.prompt() (the browser's stand-in for the native file dialogs). */
export function answerNextPrompt(page, value) {
  return new Promise((ok) => {
    page.once("dialog", async (dialog) => {
      const message = dialog.message();
      if (value === null) await dialog.dismiss();
      else await dialog.accept(value);
      ok(message);
    });
  });
}

// ---- Workspace helpers (window.__mayalink: the UI's console, editor and sessions) ---------

/** Waits for the UI's test hooks (installed once the backend has connected). */
export async function waitForHooks(page) {
  await page.waitForFunction(() => !!window.__mayalink?.console && !!window.__mayalinkBench, null, { timeout: 10_000 });
}

/** Waits until the console holds at least `count` lines in its view. */
export async function waitForConsoleLines(page, count) {
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="console-line"]').length >= n,
    count,
    { timeout: 10_000 },
  );
}

/** Every line of the console's current view (scope, kinds): { session, kind, text }. */
export function viewLines(page) {
  return page.evaluate(() => {
    const feed = window.__mayalink.console;
    const out = [];
    for (let i = 0; i < feed.view.length; i++) {
      const line = feed.store.line(feed.view.lineAt(i));
      out.push({ session: line.session, kind: line.kind, text: line.text });
    }
    return out;
  });
}

/** Waits until a line containing `text` (and of `kind`, if given) is in the console's view. */
export async function waitForLine(page, text, kind = null, timeout = 10_000) {
  try {
    await page.waitForFunction(
      ([t, k]) => {
        const feed = window.__mayalink?.console;
        if (!feed) return false;
        for (let i = feed.view.length - 1; i >= 0; i--) {
          const line = feed.view.lineAt(i);
          if (feed.store.textAt(line).includes(t) && (k === null || feed.store.kindAt(line) === k)) return true;
        }
        return false;
      },
      [text, kind],
      { timeout },
    );
  } catch (error) {
    const tail = await viewLines(page)
      .then((lines) => lines.slice(-15).map((l) => `  ${l.kind}: ${l.text}`).join("\n"))
      .catch(() => "  (console not readable)");
    throw new Error(`no console line with ${JSON.stringify(text)}${kind ? ` of kind ${kind}` : ""} within ${timeout} ms; the view ends with:\n${tail}`, { cause: error });
  }
}

/** Waits for the editor (it loads when first shown: not behind the welcome). */
export async function editorShown(page) {
  await page.waitForFunction(() => window.__mayalink?.editor?.view != null);
}

/** Replaces the active editor tab's text (through CodeMirror, as typing would). */
export async function setEditorText(page, text) {
  await editorShown(page);
  await page.evaluate((t) => {
    const view = window.__mayalink.editor.view;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t }, selection: { anchor: t.length } });
    view.focus();
  }, text);
}

/** The active editor tab's text (shown or not: the tab model holds it). */
export async function editorText(page) {
  await page.waitForFunction(() => window.__mayalink?.editor?.restored);
  return page.evaluate(() => {
    const editor = window.__mayalink.editor;
    return editor.textOf(editor.activeId);
  });
}

/** The line number of the editor's cursor. */
export async function editorCursorLine(page) {
  await editorShown(page);
  return page.evaluate(() => {
    const st = window.__mayalink.editor.view.state;
    return st.doc.lineAt(st.selection.main.head).number;
  });
}

/** Adds a Maya session through the sidebar form and waits for its card. Returns the card locator. */
export async function addSession(page, { address, name = "", state = "connected", timeout = 15_000 }) {
  const form = page.getByTestId("session-form");
  if (!(await form.isVisible().catch(() => false))) {
    const empty = page.getByTestId("add-maya");
    if (await empty.isVisible().catch(() => false)) await empty.click();
    else await page.getByTestId("add-maya-header").click();
  }
  await page.getByTestId("session-address").fill(address);
  if (name) await page.getByTestId("session-name-input").fill(name);
  await page.getByTestId("session-save").click();
  await form.waitFor({ state: "detached" });
  const card = page.locator(`[data-testid="session-card"][data-session-name="${name || address}"]`);
  if (name) await card.waitFor();
  if (name && state) await page.waitForSelector(`[data-testid="session-card"][data-session-name="${name}"][data-state="${state}"]`, { timeout });
  return card;
}

/** Makes the named session the active one (a click on its card). */
export async function activateSession(page, name) {
  await page.locator(`[data-testid="session-card"][data-session-name="${name}"]`).click();
  await page.waitForFunction((n) => document.querySelector(`[data-testid="session-card"][data-session-name="${n}"]`)?.dataset.active === "true", name);
}

/** Runs the active tab with Ctrl+Enter from inside the editor. */
export async function runEditor(page, text) {
  if (text !== undefined) await setEditorText(page, text);
  await page.locator(".cm-content").focus();
  await page.keyboard.press("Control+Enter");
}

/** Waits until no session card is busy (the run in flight has answered). */
export async function waitIdle(page, timeout = 15_000) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="session-card"][data-state="busy"]'), null, { timeout });
}
