// Shared harness of the browser tests: serves ui/dist (built with `npm run build:fake`) on
// 127.0.0.1 with a tiny static server, launches Debian's Chromium through playwright-core,
// and saves screenshots under tests/artifacts/browser/.
import { createServer } from "node:http";
import { existsSync, mkdirSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

const here = fileURLToPath(new URL(".", import.meta.url));
export const REPO_ROOT = resolve(here, "..", "..");
export const DIST_DIR = join(REPO_ROOT, "ui", "dist");
export const ARTIFACTS_DIR = join(REPO_ROOT, "tests", "artifacts", "browser");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".wasm": "application/wasm",
};

/** Fails with the fix in the message when the UI has not been built. */
export function assertDistBuilt() {
  if (!existsSync(join(DIST_DIR, "index.html"))) {
    throw new Error(`ui/dist is missing (${DIST_DIR}): run npm run build:fake first`);
  }
}

/** Serves `root` on 127.0.0.1 at a free port. Resolves to { url, close }. */
export async function startStaticServer(root = DIST_DIR) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      let file = normalize(join(base, pathname));
      if (file !== base && !file.startsWith(base + sep)) {
        res.writeHead(403).end("forbidden");
        return;
      }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", ok);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}

export function launchChromium() {
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
    ],
  });
}

/**
 * Starts the server and the browser, and opens the app in a fresh context.
 * Returns { page, context, browser, url, close }. `query` is appended to the URL
 * (e.g. "?fakeFail=doctor"); `context` options go to browser.newContext.
 */
export async function openApp({ query = "", context: contextOptions = {}, onPageError } = {}) {
  assertDistBuilt();
  const server = await startStaticServer();
  let browser;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
      colorScheme: "dark",
      ...contextOptions,
    });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (error) => {
      errors.push(error);
      onPageError?.(error);
    });
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(new Error(message.text()));
    });
    await page.goto(server.url + query);
    await page.getByTestId("sessions-sidebar").waitFor();
    return {
      page,
      context,
      browser,
      url: server.url,
      errors,
      close: async () => {
        await browser.close();
        await server.close();
      },
    };
  } catch (error) {
    await browser?.close();
    await server.close();
    throw error;
  }
}

/**
 * One app for the enclosing `describe`: opened (then `ready(page)` run) before its
 * first test, closed after its last. Returns the app's object, filled in by then.
 */
export function appForSuite(options = {}, ready = async () => {}) {
  const app = {};
  before(async () => {
    Object.assign(app, await openApp(options));
    await ready(app.page);
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

/** Waits until the fake backend's scripted console lines have all arrived. */
export async function waitForConsoleLines(page, count) {
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="console-line"]').length >= n,
    count,
    { timeout: 10_000 },
  );
}

// ---- Workspace helpers (fake backend: window.__mayalinkFake is the fake's test hooks) ------

/** Waits for the fake's test hooks (installed once the backend has loaded). */
export async function waitForHooks(page) {
  await page.waitForFunction(() => !!window.__mayalinkFake && !!window.__mayalinkBench, null, { timeout: 10_000 });
}

/** Every line of the console's current view (scope, kinds): { session, kind, text }. */
export function viewLines(page) {
  return page.evaluate(() => {
    const feed = window.__mayalinkFake.console;
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
  await page.waitForFunction(
    ([t, k]) => {
      const feed = window.__mayalinkFake?.console;
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
}

/** Replaces the active editor tab's text (through CodeMirror, as typing would). */
export async function setEditorText(page, text) {
  await page.evaluate((t) => {
    const view = window.__mayalinkFake.editor.view;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t }, selection: { anchor: t.length } });
    view.focus();
  }, text);
}

/** The active editor tab's text. */
export function editorText(page) {
  return page.evaluate(() => window.__mayalinkFake.editor.view.state.doc.toString());
}

/** Adds a Maya session through the sidebar form and waits for its card. Returns the card locator. */
export async function addSession(page, { address, name = "", state = "connected" }) {
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
  if (name && state) await page.waitForSelector(`[data-testid="session-card"][data-session-name="${name}"][data-state="${state}"]`, { timeout: 10_000 });
  return card;
}

/** Runs the active tab with Ctrl+Enter from inside the editor. */
export async function runEditor(page, text) {
  if (text !== undefined) await setEditorText(page, text);
  await page.locator(".cm-content").focus();
  await page.keyboard.press("Control+Enter");
}
