// The fake build (`npm run build:fake`) must not contain the Tauri IPC module: the backend
// selector's dynamic import of it is compiled out in fake mode.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DIST_DIR, assertDistBuilt } from "./harness.mjs";

test("ui/dist is a fake build without the Tauri IPC code", () => {
  assertDistBuilt();
  const html = readFileSync(join(DIST_DIR, "index.html"), "utf8");
  const mode = html.match(/<meta name="mayalink-build-mode" content="([^"]*)"/)?.[1];
  assert.equal(mode, "fake", `ui/dist was built in mode "${mode}": run npm run build:fake first`);
  const scripts = readdirSync(join(DIST_DIR, "assets")).filter((f) => f.endsWith(".js"));
  assert.ok(scripts.length > 0, "the build has scripts");
  for (const file of scripts) {
    const source = readFileSync(join(DIST_DIR, "assets", file), "utf8");
    assert.ok(!source.includes("__TAURI_INTERNALS__.invoke"), `${file} contains Tauri's invoke`);
    assert.ok(!/^tauri-/.test(file), `${file} is the Tauri backend chunk`);
  }
});
