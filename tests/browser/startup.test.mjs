// Browser test of a bad start (`mayalink serve`): saved sessions that cannot be read are kept
// aside, and the sessions sidebar says so, with where the file went, until dismissed.
// Screenshot: startup-warning.png.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openApp, saveScreenshot, tempDir } from "./harness.mjs";

describe("start-up", () => {
  test("a corrupt sessions file: the sidebar says it was kept aside, until dismissed", async () => {
    const configDir = tempDir("mayalink-config-");
    const corrupt = '{"sessions": [{"id": "a", "name": "Anim", "address": ":70';
    writeFileSync(join(configDir, "sessions.json"), corrupt);
    const app = await openApp({ serve: { configDir } });
    try {
      const { page } = app;
      const warning = page.getByTestId("startup-warning");
      await warning.waitFor();
      const text = await warning.textContent();
      assert.match(text, /Saved sessions were unreadable/);
      assert.ok(text.includes(join(configDir, "sessions.json.corrupt")), text);
      assert.equal(readFileSync(join(configDir, "sessions.json.corrupt"), "utf8"), corrupt, "kept byte for byte");
      assert.ok(!existsSync(join(configDir, "sessions.json")));
      await saveScreenshot(page, "startup-warning");
      await warning.getByRole("button", { name: "Dismiss" }).click();
      await warning.waitFor({ state: "detached" });
      assert.deepEqual(app.errors, []);
    } finally {
      await app.close();
      rmSync(configDir, { recursive: true, force: true });
    }
  });
});
