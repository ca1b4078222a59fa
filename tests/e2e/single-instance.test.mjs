// A second launch of Mayalink focuses the running window instead of opening
// another one (and exits), and the window's size is saved and restored.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { APP, byTestId, startApp, terminateApp } from "./harness.mjs";

let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.stop(); });

test("a second launch hands over to the running app and exits", async () => {
  await byTestId(app.driver, "sessions-sidebar");
  const home = app.home;
  const second = spawn(APP, [], {
    stdio: "ignore",
    env: { ...process.env, XDG_DATA_HOME: path.join(home, "data"), XDG_CONFIG_HOME: path.join(home, "config"),
      MAYALINK_LOG_DIR: path.join(home, "logs-second") },
  });
  const code = await new Promise((resolve) => {
    const timer = setTimeout(() => { second.kill("SIGKILL"); resolve("still running after 15 s"); }, 15_000);
    second.on("exit", (c) => { clearTimeout(timer); resolve(c); });
  });
  assert.equal(code, 0, "the second instance exits by itself");
  // The first one is still there and responsive.
  assert.ok(await (await byTestId(app.driver, "sessions-sidebar")).isDisplayed());
});

test("the window's size is saved at exit and comes back at the next start", async () => {
  const home = app.home;
  await terminateApp(home);
  await app.stop();
  // Saved at exit by the window-state plugin, under the app's identifier.
  const file = path.join(home, "config", "studio.mayalink.app", ".window-state.json");
  const saved = JSON.parse(readFileSync(file, "utf8"));
  assert.ok(saved.main.width > 0 && saved.main.height > 0, JSON.stringify(saved));
  // As if the artist had made the window smaller last time:
  writeFileSync(file, JSON.stringify({ main: { ...saved.main, width: 1040, height: 700 } }));
  app = await startApp({ home });
  await byTestId(app.driver, "sessions-sidebar");
  const size = await app.driver.executeScript(() => [window.innerWidth, window.innerHeight]);
  assert.equal(size[0], 1040, `restored width (got ${size})`);
  assert.ok(size[1] <= 700 && size[1] > 600, `restored height (got ${size})`);
});
