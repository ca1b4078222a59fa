// The real app updating itself against a local update server: latest.json and a package
// signed in this test with a throwaway key (the Tauri CLI's `signer generate` / `signer sign`),
// the app pointed at them through the debug-only MAYALINK_UPDATE_ENDPOINT/_PUBKEY. Diagnostics
// shows the running and offered versions with the notes; a download with a good signature is
// accepted, one signed with another key is refused with the artist's message; the check at
// start can be turned off, after which a new start sends the server nothing.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { By, ROOT, byTestId, screenshot, startApp, terminateApp, until } from "./harness.mjs";

const CARGO_VERSION = /version = "([^"]+)"/.exec(readFileSync(path.join(ROOT, "Cargo.toml"), "utf8"))[1];
const OFFERED = "0.9.0";
const NOTES = "Faster console.\nA clearer preview.";
const BAD_SIGNATURE = "The update's signature does not match Mayalink's key; it was not installed.";
const TAURI = path.join(ROOT, "node_modules/.bin/tauri");

const work = mkdtempSync(path.join(os.tmpdir(), "mayalink-updater-"));

/** A throwaway minisign key pair (no password): the private key's path and the public key. */
function keyPair(name) {
  const key = path.join(work, `${name}.key`);
  execFileSync(TAURI, ["signer", "generate", "--ci", "-p", "", "-w", key], { stdio: "ignore" });
  return { key, pubkey: readFileSync(`${key}.pub`, "utf8").trim() };
}

/** The `.sig` contents for `file`, signed for `version` like `tauri build` does. */
function sign(file, { key }, version) {
  execFileSync(TAURI, ["signer", "sign", "-f", key, "-p", "", "--app-version", version, file], { stdio: "ignore" });
  return readFileSync(`${file}.sig`, "utf8").trim();
}

let server;
let base;
let mode = "good";
const requests = { manifest: 0, package: 0 };
let good;
let signatures;
let env;
let app;

before(async () => {
  good = keyPair("good");
  const other = keyPair("other");
  // The package: any bytes will do, the app only verifies them (a development build does not install).
  const pkg = path.join(work, "Mayalink_0.9.0_amd64.AppImage");
  writeFileSync(pkg, Buffer.concat([Buffer.from("\x7fELF not really an AppImage\n"), Buffer.alloc(200_000, 7)]));
  const copy = path.join(work, "copy.AppImage");
  writeFileSync(copy, readFileSync(pkg));
  signatures = { good: sign(pkg, good, OFFERED), bad: sign(copy, other, OFFERED) };
  const bytes = readFileSync(pkg);

  server = http.createServer((req, res) => {
    if (req.url === "/latest.json") {
      requests.manifest++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({
        version: OFFERED,
        notes: NOTES,
        pub_date: "2026-12-01T10:00:00Z",
        platforms: { "linux-x86_64": { url: `${base}/Mayalink_0.9.0_amd64.AppImage`, signature: signatures[mode] } },
      }));
    } else if (req.url === "/Mayalink_0.9.0_amd64.AppImage") {
      requests.package++;
      res.setHeader("content-length", bytes.length);
      res.end(bytes);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  env = { MAYALINK_UPDATE_ENDPOINT: `${base}/latest.json`, MAYALINK_UPDATE_PUBKEY: good.pubkey };
  app = await startApp({ env });
});

after(async () => {
  await app?.stop();
  server?.close();
  rmSync(work, { recursive: true, force: true });
});

async function waitFor(what, condition, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const text = async (id) => (await byTestId(app.driver, id)).getText();

test("the check at start finds the offer and says so in the status bar; Diagnostics shows both versions and the notes", async () => {
  const notice = await byTestId(app.driver, "status-update", 20_000);
  assert.match(await notice.getText(), /Update 0\.9\.0/);
  assert.equal(requests.manifest, 1, "one quiet check at start");
  assert.equal(requests.package, 0, "nothing downloaded without the artist asking");
  await notice.click();
  await byTestId(app.driver, "diagnostics-panel");
  assert.equal(await text("update-current"), CARGO_VERSION);
  assert.match(await text("update-offered"), /Mayalink 0\.9\.0 is available \(released 1 December 2026\)/);
  assert.equal(await text("update-notes"), NOTES);
  // A development build: it says why it does not install, and offers to download and verify.
  assert.match(await text("update-install-note"), /development build/);
  assert.match(await text("update-download"), /Download & verify/);
  await screenshot(app.driver, "updater-offer");
});

test("a package signed with Mayalink's key downloads and verifies", async () => {
  await (await byTestId(app.driver, "update-download")).click();
  const status = await byTestId(app.driver, "update-download-status");
  await app.driver.wait(async () => (await status.getAttribute("data-state")) === "verified", 15_000);
  assert.equal(await status.getText(), "Downloaded Mayalink 0.9.0 (0.2 MB); its signature matches Mayalink's key.");
  assert.equal(requests.package, 1);
});

test("a package signed with another key is refused with a clear message", async () => {
  mode = "bad";
  await (await byTestId(app.driver, "update-check")).click();
  await waitFor("the second check", () => requests.manifest === 2);
  const download = await byTestId(app.driver, "update-download");
  await app.driver.wait(until.elementIsEnabled(download), 10_000);
  await download.click();
  const status = await byTestId(app.driver, "update-download-status");
  await app.driver.wait(async () => (await status.getAttribute("data-state")) === "failed", 15_000);
  assert.equal(await status.getText(), BAD_SIGNATURE);
  assert.equal(await status.getAttribute("role"), "alert");
  assert.equal(requests.package, 2, "the package was downloaded, then refused");
  assert.equal((await app.driver.findElements(By.css('[data-testid="update-checking"]'))).length, 0);
  await screenshot(app.driver, "updater-bad-signature");
  mode = "good";
});

test("the check at start can be turned off: the next start sends the server nothing", async () => {
  const box = await byTestId(app.driver, "update-check-at-start");
  assert.equal(await box.isSelected(), true);
  await box.click();
  const saved = path.join(app.home, "config", "studio.mayalink.app", "updater.json");
  await waitFor("the saved choice", () => existsSync(saved) && JSON.parse(readFileSync(saved, "utf8")).checkAtStart === false);

  const home = app.home;
  await terminateApp(home);
  await app.stop();
  const before = requests.manifest;
  app = await startApp({ home, env });
  // The app is up and has read its settings (the checkbox reflects them) …
  await (await byTestId(app.driver, "diagnostics-button")).click();
  const again = await byTestId(app.driver, "update-check-at-start");
  await app.driver.wait(async () => (await again.isEnabled()) && !(await again.isSelected()), 10_000);
  // … and a start-up check, had there been one, would have answered long since.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(requests.manifest, before, "no request reached the update server");
  assert.equal((await app.driver.findElements(By.css('[data-testid="status-update"]'))).length, 0);
  // A manual check still works.
  await (await byTestId(app.driver, "update-check")).click();
  await waitFor("the manual check", () => requests.manifest === before + 1);
  const offered = await byTestId(app.driver, "update-offered");
  assert.equal(await offered.getAttribute("data-version"), OFFERED);
});
