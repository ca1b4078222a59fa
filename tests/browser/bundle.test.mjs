// The built UI's scripts, as the app's web view loads them: each one ASCII only (the build
// escapes other characters). JavaScriptCore keeps a script's source for the page's life, as
// Latin-1 when it can and as UTF-16 (twice the size) as soon as one character is past U+00FF:
// measured in WebKitGTK, ~1.7 MB of the web process on the welcome screen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { assertDistBuilt, DIST_DIR } from "./harness.mjs";

test("every built script is ASCII only", () => {
  assertDistBuilt();
  const assets = join(DIST_DIR, "assets");
  const scripts = readdirSync(assets).filter((f) => f.endsWith(".js"));
  assert.ok(scripts.length > 0, `no scripts in ${assets}`);
  for (const name of scripts) {
    const text = readFileSync(join(assets, name), "utf8");
    const at = text.search(/[^\x00-\x7f]/);
    assert.equal(at, -1, `${name}: ${JSON.stringify(text.slice(Math.max(0, at - 30), at + 5))} is not ASCII`);
  }
});
