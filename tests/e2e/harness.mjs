// Drives the real Mayalink binary through tauri-driver (WebKitWebDriver under it).
// Each test file gets its own driver process and app instance; both are stopped
// in clean-up even when the test fails, so a crash cannot leave CI hanging.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Builder, By, until } from "selenium-webdriver";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const APP = path.join(ROOT, "target/debug/mayalink-app");
export const ARTIFACTS = path.join(ROOT, "tests/artifacts/e2e");
export { By, until };

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on("error", reject);
  });
}

async function waitForPort(port, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((r) => {
      const c = net.connect(port, "127.0.0.1", () => { c.end(); r(true); });
      c.on("error", () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on ${port}`);
}

/** Starts tauri-driver and the app; returns { driver, stop }. `args` go to the app. */
export async function startApp({ args = [], env = {}, home: reuseHome } = {}) {
  if (!existsSync(APP)) throw new Error(`${APP} missing: run 'npx tauri build --debug --no-bundle' first`);
  const port = await freePort();
  const nativePort = await freePort();
  // `home` reuses a previous run's private folders (to test what is restored).
  const home = reuseHome ?? path.join(os.tmpdir(), `mayalink-e2e-${process.pid}-${port}`);
  mkdirSync(home, { recursive: true });
  const driverBin = existsSync(path.join(os.homedir(), ".cargo/bin/tauri-driver"))
    ? path.join(os.homedir(), ".cargo/bin/tauri-driver") : "tauri-driver";
  const tauriDriver = spawn(driverBin, ["--port", String(port), "--native-port", String(nativePort)], {
    stdio: ["ignore", "inherit", "inherit"],
    // Its own process group, so clean-up can end the driver, WebKitWebDriver and the app together.
    detached: true,
    // A private data/config home: tests never see (or change) the user's sessions.
    env: { ...process.env, XDG_DATA_HOME: path.join(home, "data"), XDG_CONFIG_HOME: path.join(home, "config"),
      MAYALINK_LOG_DIR: path.join(home, "logs"),
      // The check for updates at start goes to a closed local port, never to the internet
      // (debug builds only read it; tests/e2e/updater.test.mjs points it at its own server).
      MAYALINK_UPDATE_ENDPOINT: "http://127.0.0.1:9/latest.json", ...env },
  });
  await waitForPort(port, 10_000);
  const driver = await new Builder()
    .usingServer(`http://127.0.0.1:${port}/`)
    .withCapabilities({ browserName: "wry", "tauri:options": { application: APP, args } })
    .build();
  const stop = async () => {
    try { await driver.quit(); } catch { /* the app may already be gone */ }
    // The app must be gone before the next test starts one: it is single-instance,
    // so a straggler would swallow the next launch.
    killGroup(tauriDriver.pid, "SIGTERM");
    for (const pid of appsStartedWith(home)) killPid(pid, "SIGTERM");
    const deadline = Date.now() + 5000;
    while (appsStartedWith(home).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const pid of appsStartedWith(home)) killPid(pid, "SIGKILL");
    killGroup(tauriDriver.pid, "SIGKILL");
  };
  return { driver, stop, home };
}

/** Ends the app the way a desktop session does (SIGTERM: it cleans up and saves its
 *  window state), and waits until it is gone. */
export async function terminateApp(home) {
  // /proc/PID/exe is the resolved path: compare with APP's (target/ may be a symlink).
  const app = realpathSync(APP);
  const isApp = (pid) => { try { return readlinkSync(`/proc/${pid}/exe`) === app; } catch { return false; } };
  const pids = appsStartedWith(home).filter(isApp);
  for (const pid of pids) killPid(pid, "SIGTERM");
  const deadline = Date.now() + 8000;
  while (pids.some((p) => appsStartedWith(home).includes(p)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

function killGroup(pid, signal) {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

function killPid(pid, signal) {
  try { process.kill(pid, signal); } catch { /* already gone */ }
}

/** Live app processes launched by this harness instance (found by their private log folder). */
function appsStartedWith(home) {
  const marker = `MAYALINK_LOG_DIR=${path.join(home, "logs")}`;
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.startsWith("Z")) continue;
      if (readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(marker)) found.push(Number(entry));
    } catch { /* gone, or not ours to read */ }
  }
  return found;
}

export async function screenshot(driver, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, `${name}.png`), await capture(driver), "base64");
}

/** The window as a base64 PNG. WebKitGTK's WebDriver captures the view after the page's
 *  next presentation update, and a page with nothing to repaint (no caret, no animation:
 *  the welcome screen) never has one, so the command would wait for ever. A transparent
 *  pixel that changes every frame while the capture runs gives it that update. */
export async function capture(driver) {
  await driver.executeScript(`
    const dot = document.createElement("div");
    dot.id = "e2e-capture-tick";
    dot.style.cssText = "position:fixed;right:0;bottom:0;width:1px;height:1px;opacity:0.001;background:#000;pointer-events:none";
    document.body.append(dot);
    let n = 0;
    (function tick() { if (!dot.isConnected) return; dot.style.opacity = n++ % 2 ? "0.001" : "0.002"; requestAnimationFrame(tick); })();`);
  try {
    return await driver.takeScreenshot();
  } finally {
    await driver.executeScript(`document.getElementById("e2e-capture-tick")?.remove()`);
  }
}

export async function byTestId(driver, id, ms = 10_000) {
  return driver.wait(until.elementLocated(By.css(`[data-testid="${id}"]`)), ms);
}
