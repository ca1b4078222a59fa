// The live link in the real app, demo mode: the simulated Mosketch drives Demo Maya's
// joints. The Live link tab starts the link on Demo Maya (the active session), the engine
// maps the 65 joints and Maya applies frames; a run of cmds.getAttr("LeftArm.rotate")
// in Demo Maya returns changing values; Stop leaves the link idle. Screenshot:
// tests/artifacts/e2e/link-demo.png.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { byTestId, screenshot, startApp } from "./harness.mjs";

let app;
before(async () => {
  app = await startApp({ args: ["--demo"] });
});
after(async () => {
  await app?.stop();
});

const js = (script, ...args) => app.driver.executeScript(script, ...args);
const view = () => js("return window.__mayalinkLink ? window.__mayalinkLink.view() : null");

test("Try the demo: the live link drives Demo Maya's joints from the simulated Mosketch", async () => {
  const { driver } = app;
  // Demo Maya connected and Mosketch streaming.
  await driver.wait(
    async () => (await js('return document.querySelector(\'[data-testid="pose-monitor"] [data-testid="mosketch-state"]\')?.dataset.state')) === "streaming",
    30_000,
    "Mosketch streaming",
  );
  await driver.wait(async () => (await js("return window.__mayalink?.sessions?.connected?.length ?? 0")) > 0, 30_000, "Demo Maya connected");
  await (await byTestId(driver, "tab-live-link")).click();
  const start = await byTestId(driver, "link-start");
  await driver.wait(async () => (await start.isEnabled()), 10_000, "Start enabled");
  await start.click();
  await driver.wait(async () => (await view())?.running === true, 15_000, "link running");
  await driver.wait(async () => ((await view())?.mayas?.[0]?.figures?.framesApplied ?? 0) > 10, 15_000, "frames applied");
  const v = await view();
  assert.equal(v.mayas[0].mapping.pairs.length, 65, JSON.stringify(v.mayas[0].mapping.unmappedMosketch));
  assert.ok(v.mayas[0].figures.appliedPerS > 0, JSON.stringify(v.mayas[0].figures));
  // Demo Maya's joints move: two reads of LeftArm's rotate differ.
  const read = () =>
    app.driver.executeAsyncScript(
      `const done = arguments[arguments.length - 1];
       const s = window.__mayalink.sessions;
       s.backend.run(s.active.id, 'cmds.getAttr("LeftArm.rotate")', "python").then((r) => done(r.value), (e) => done("error " + e.message));`,
    );
  const first = await read();
  await driver.sleep(300);
  const second = await read();
  assert.ok(first && second && first !== second, `${first} vs ${second}`);
  await screenshot(driver, "link-demo");
  await (await byTestId(driver, "link-stop")).click();
  await driver.wait(async () => (await view())?.running === false, 10_000, "link stopped");
});
