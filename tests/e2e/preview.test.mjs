// The real app in demo mode (`--demo`: the built-in Mosketch simulator streams a 65-joint
// humanoid and the app connects to it): the 3D preview draws the character (pixels of the
// window's screenshot are counted inside the canvas), frames/s is shown, and picking a joint
// in the list and in 3D shows its values. Screenshots: tests/artifacts/e2e/preview-*.png.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { By, byTestId, capture, screenshot, startApp } from "./harness.mjs";

let app;
before(async () => {
  app = await startApp({ args: ["--demo"] });
});
after(async () => {
  await app?.stop();
});

const js = (script, ...args) => app.driver.executeScript(script, ...args);
const info = () => js("return window.__mayalinkPreview ? window.__mayalinkPreview.info() : null");
/** An element's text (textContent: WebKitWebDriver's getText can come back empty in a scrolled pane). */
/** Scoped to the preview pane (other panes may use similar names). */
const text = async (id) => {
  await byTestId(app.driver, id);
  return String(await js("const e = document.querySelector(`[data-testid='preview-area'] [data-testid='${arguments[0]}']`); return e ? e.textContent : ''", id)).trim();
};

test("demo mode: the preview streams the simulator's character and shows frames/s", async () => {
  const { driver } = app;
  await driver.wait(async () => (await js('return document.querySelector(\'[data-testid="pose-monitor"] [data-testid="mosketch-state"]\')?.dataset.state')) === "streaming", 30_000, "Mosketch streaming");
  const canvas = await byTestId(driver, "preview-canvas");
  assert.ok(await canvas.isDisplayed());
  // The skeleton arrives, then is drawn on the next animation frame.
  await driver.wait(async () => ((await info())?.joints ?? 0) > 0 && (await info()).drawCalls > 0, 15_000, "skeleton drawn");
  const i = await info();
  assert.equal(i.joints, 65);
  assert.equal(i.skeletonSource, "hierarchy"); // parents and offsets came in the Hierarchy packet
  assert.ok(i.drawCalls >= 3 && i.drawCalls <= 4, `${i.drawCalls} draw calls`);
  await driver.wait(async () => Number(await text("mosketch-fps")) > 0, 10_000, "frames/s > 0");
  const fps = Number(await text("mosketch-fps"));
  assert.ok(fps > 0, `frames/s ${fps}`);
  assert.match(await text("mosketch-ack-latency"), /ms$/);
  assert.equal((await driver.findElements(By.css('[data-testid="joint-row"]'))).length, 65);
  // No empty state over the character.
  assert.equal((await driver.findElements(By.css('[data-testid="preview-empty"]'))).length, 0);
});

test("the character is on screen: amber joint pixels inside the canvas", async () => {
  const { driver } = app;
  const png = await capture(driver);
  const counts = await driver.executeAsyncScript(
    `const [b64, done] = arguments;
     const rect = document.querySelector('[data-testid="preview-canvas"]').getBoundingClientRect();
     const img = new Image();
     img.onload = () => {
       const scale = img.width / window.innerWidth;
       const c = document.createElement("canvas");
       c.width = Math.round(rect.width * scale); c.height = Math.round(rect.height * scale);
       const g = c.getContext("2d");
       g.drawImage(img, rect.left * scale, rect.top * scale, c.width, c.height, 0, 0, c.width, c.height);
       const d = g.getImageData(0, 0, c.width, c.height).data;
       let joint = 0, other = 0;
       for (let i = 0; i < d.length; i += 4) {
         const r = d[i], gg = d[i + 1], b = d[i + 2];
         if (Math.abs(r - 0x15) + Math.abs(gg - 0x19) + Math.abs(b - 0x1f) > 24) other++;
         if (r > 170 && gg > 100 && gg < 210 && b < 120) joint++;
       }
       done({ joint, other, w: c.width, h: c.height });
     };
     img.onerror = () => done({ error: "decode" });
     img.src = "data:image/png;base64," + b64;`,
    png,
  );
  assert.ok(!counts.error, JSON.stringify(counts));
  assert.ok(counts.joint > 200, `amber joint pixels: ${JSON.stringify(counts)}`);
  assert.ok(counts.other > 0.02 * counts.w * counts.h, `non-background pixels: ${JSON.stringify(counts)}`);
});

test("picking a joint in the list shows its name, uuid, quaternion, Euler degrees and T in cm", async () => {
  const { driver } = app;
  await driver.findElement(By.css('[data-testid="joint-row"][data-name="Hips"]')).click();
  await driver.wait(async () => (await text("joint-name")) === "Hips", 5000);
  assert.match(await text("joint-uuid"), /\S{8,}/);
  assert.match(await text("joint-anatom"), /^7/);
  const quat = (await text("joint-quat")).split(/\s+/).map(Number);
  assert.equal(quat.length, 4);
  assert.ok(Math.abs(Math.hypot(...quat) - 1) < 0.001, `unit quaternion ${quat}`);
  const euler = (await text("joint-euler")).split(/\s+/);
  assert.equal(euler.length, 3);
  assert.ok(euler.every((e) => /^-?\d+\.\d\d°$/.test(e)), euler.join(" "));
  const t = (await text("joint-translate-cm")).split(/\s+/).map(Number);
  assert.ok(t.length === 3 && t[1] > 90 && t[1] < 110, `Hips ~1 m up in cm: ${t}`);
  assert.equal((await info()).selected, "Hips");

  await driver.findElement(By.css('[data-testid="joint-row"][data-name="LeftForeArm"]')).click();
  await driver.wait(async () => (await text("joint-name")) === "LeftForeArm", 5000);
  assert.match(await text("joint-translate-cm"), /rotation only/);
  await screenshot(driver, "preview-demo");
});

test("clicking a joint in the 3D view picks it", async () => {
  const { driver } = app;
  const canvas = await byTestId(driver, "preview-canvas");
  const rect = await js('const r = document.querySelector(\'[data-testid="preview-canvas"]\').getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height };');
  const p = await js('return window.__mayalinkPreview.projectJoint("Head")');
  assert.ok(p, "Head on screen");
  // Offsets from the canvas centre (W3C actions with an element origin).
  const dx = Math.round(p.x - (rect.x + rect.w / 2));
  const dy = Math.round(p.y - (rect.y + rect.h / 2));
  await driver.actions({ async: true }).move({ origin: canvas, x: dx, y: dy }).press().release().perform();
  await driver.wait(async () => (await info()).selected !== "LeftForeArm", 5000, "the pick changed");
  const picked = (await info()).selected;
  assert.ok(["Head", "Neck", "HeadTop_End"].includes(picked), `picked ${picked} near the head`);
  assert.equal(await text("joint-name"), picked);
  await screenshot(driver, "preview-demo-picked");
});
