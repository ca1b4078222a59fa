// `mayalink serve` as the browser sees it: only the printed URL (with its token) and only
// loopback host names get anything; the UI under the token reaches the engine; and on SIGTERM
// serve removes its callback from every Maya it touched and exits 0.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { addSession, openApp, waitForHooks } from "./harness.mjs";

/** GET with an explicit Host header (fetch cannot set one). Resolves to the status code. */
function get(url, host) {
  return new Promise((ok, fail) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, headers: host ? { host } : {} }, (res) => {
      res.resume();
      ok(res.statusCode);
    });
    req.on("error", fail);
    req.end();
  });
}

describe("mayalink serve", () => {
  test("only the token's URL and loopback host names are served; on SIGTERM it cleans up every Maya and exits 0", async () => {
    const app = await openApp();
    try {
      const { page } = app;
      const url = new URL(app.url);
      const token = url.pathname.split("/")[1];
      assert.match(token, /^[0-9a-f]{16,}$/, `a random token in the URL: ${app.url}`);
      assert.equal(await get(app.url), 200, "the printed URL serves the UI");
      assert.equal(await get(new URL("/", url).href), 403, "no token: refused");
      assert.equal(await get(new URL(`/${"0".repeat(token.length)}/`, url).href), 403, "another token: refused");
      assert.equal(await get(new URL(`/${token}/index.html`, url).href), 200);
      assert.equal(await get(app.url, "evil.example:80"), 403, "another host name (DNS rebinding): refused");
      assert.equal(await get(app.url.replace("127.0.0.1", "localhost")), 200, "localhost is loopback too");

      // The UI under the token talks to the engine: a real Maya session through it.
      await waitForHooks(page);
      const maya = await app.maya({ sourceType: "python", version: 2025 });
      await addSession(page, { address: maya.address, name: "Cleanup check" });
      assert.equal((await maya.control({ cmd: "state" })).callbacks, 1, "serve installed its output callback");

      await app.browser.close();
      const status = await app.serve.stop();
      assert.deepEqual(status, { code: 0, signal: null }, "serve exits 0 on SIGTERM");
      const state = await maya.control({ cmd: "state" });
      assert.equal(state.callbacks, 0, "serve removed its callback from the Maya it touched");
      assert.deepEqual(state.crashes, [], "and Maya did not crash");
    } finally {
      await app.close(); // stops whatever is still running
    }
  });
});
