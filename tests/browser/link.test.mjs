// Browser tests of the live link panel (the pose monitor's "Live link" tab) on `mayalink
// serve`: the Maya emulator holds the simulator's humanoid as a scene, `mayalink
// mosketch-sim` streams it, and the panel starts the link, shows Maya applying frames and a
// mapping of 65 joints (a locked plug reported), sets one joint to "drive nothing" and back,
// sends Maya's pose to Mosketch, follows Maya, exports and imports the mapping, drives two
// Mayas (an ambiguous name picked among its candidates; one Maya killed mid-stream), says
// clearly when nothing maps, and stops. Screenshots: link-*.png.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { addSession, answerNextPrompt, appForSuite, runEditor, saveScreenshot, tempDir, viewLines, waitForHooks, waitForLine } from "./harness.mjs";
import { simulatorSkeleton, skeletonToScene } from "./scenarios.mjs";

const RIG = "Rig — humanoid";
const TWINS = "Rig — two heads";
const PROPS = "Props";

async function connectMosketch(page, address) {
  await page.getByTestId("mosketch-address").fill(address);
  await page.getByTestId("mosketch-connect").click();
  await page.waitForSelector('[data-testid="mosketch-state"][data-state="streaming"]', { timeout: 10_000 });
}

/** Ticks exactly the named Mayas as the link's targets. */
async function tickTargets(page, names) {
  for (const box of await page.getByTestId("link-target").all()) {
    const name = await box.getAttribute("data-session-name");
    if ((await box.isChecked()) !== names.includes(name)) await box.click();
  }
  for (const name of names) assert.equal(await page.locator(`[data-testid="link-target"][data-session-name="${name}"]`).isChecked(), true);
}

const running = (page, on) => page.waitForSelector(`[data-testid="link-panel"][data-running="${on}"]`, { timeout: 15_000 });

/** The status of one row of the mapping table. */
const rowStatus = (page, joint) => page.locator(`[data-testid="link-row"][data-joint="${joint}"]`).getAttribute("data-status");

async function waitRowStatus(page, joint, status) {
  await page.waitForSelector(`[data-testid="link-row"][data-joint="${joint}"][data-status="${status}"]`, { timeout: 15_000 });
}

/** Picks an entry of a row's "Change" menu by its label. */
async function chooseForRow(page, joint, label) {
  await page.locator(`[data-testid="link-row"][data-joint="${joint}"] [data-testid="link-row-change"]`).click();
  await page.getByTestId("link-row-choice").selectOption({ label });
}

describe("live link panel: Mosketch drives an emulated Maya", () => {
  const app = appForSuite({}, async (app) => {
    const skeleton = await simulatorSkeleton("humanoid");
    app.jointCount = skeleton.joints.length;
    const twins = skeletonToScene(skeleton, "/projects/demo/two_heads.ma");
    twins.joints.push({ name: "other:Head", translate: [30, 160, 0] });
    const humanoid = skeletonToScene(skeleton, "/projects/demo/humanoid_rig.ma");
    humanoid.joints.find((j) => j.name === "LeftHand").locked = ["rotateX"];
    const [rig, twin, props, sim] = await Promise.all([
      app.maya({ scene: humanoid }),
      app.maya({ scene: twins }),
      app.maya({ scene: { sceneName: "/projects/demo/props.ma", joints: [{ name: "ball" }, { name: "crate" }, { name: "lamp", type: "transform" }] } }),
      app.mosketchSim({ character: "humanoid" }),
    ]);
    Object.assign(app, { rig, twin, props, sim });
    await addSession(app.page, { address: rig.address, name: RIG });
    await addSession(app.page, { address: twin.address, name: TWINS });
    await addSession(app.page, { address: props.address, name: PROPS });
    // Before Mosketch connects, the panel says what is missing instead of starting nothing.
    await app.page.getByTestId("tab-live-link").click();
    assert.match(await app.page.getByTestId("link-blocker").textContent(), /Connect to Mosketch first/);
    assert.equal(await app.page.getByTestId("link-start").isDisabled(), true);
    await connectMosketch(app.page, sim.address);
    await app.page.getByTestId("link-blocker").waitFor({ state: "detached" });
  });

  test("starts the link: Maya applies frames, 65 joints mapped by name", async () => {
    const { page } = app;
    assert.equal(app.jointCount, 65, "the simulator's humanoid has 65 joints");
    await tickTargets(page, [RIG]);
    await page.getByTestId("link-start").click();
    await running(page, true);

    await page.waitForFunction(() => Number(document.querySelector('[data-testid="link-applied-rate"]')?.textContent) > 0, null, { timeout: 15_000 });
    await page.waitForFunction(() => /\d ms|µs/.test(document.querySelector('[data-testid="link-latency"]')?.textContent ?? ""), null, { timeout: 10_000 });

    assert.equal(await page.getByTestId("link-row").count(), 65);
    assert.equal(await page.locator('[data-testid="link-row"][data-status="mapped"]').count(), 65);
    assert.equal(await page.getByTestId("link-count-mapped").textContent(), "65");
    assert.equal(await page.getByTestId("link-count-unmapped-mosketch").textContent(), "0");
    assert.equal(await page.getByTestId("link-count-unmapped-maya").textContent(), "0");
    // A locked plug is reported once, and the link leaves it alone.
    assert.match(await page.getByTestId("link-warnings").textContent(), /LeftHand\.rotateX is locked/);
    // Targets cannot change under a running link.
    assert.equal(await page.locator(`[data-testid="link-target"][data-session-name="${PROPS}"]`).isDisabled(), true);

    const view = await page.evaluate(() => window.__mayalinkLink.view());
    assert.equal(view.running, true);
    assert.equal(view.mayas.length, 1);
    assert.ok(view.mayas[0].figures.framesApplied > 0, JSON.stringify(view.mayas[0].figures));
    assert.deepEqual(app.errors, []);
    await saveScreenshot(page, "link-running");
  });

  test("a joint set to drive nothing is unmapped on both sides; reset matches it by name again", async () => {
    const { page } = app;
    await chooseForRow(page, "LeftForeArm", "Drive nothing");
    await waitRowStatus(page, "LeftForeArm", "unmapped");
    await page.waitForFunction(() => document.querySelector('[data-testid="link-count-mapped"]')?.textContent === "64", null, { timeout: 10_000 });
    assert.equal(await page.getByTestId("link-count-unmapped-mosketch").textContent(), "1");
    assert.equal(await page.getByTestId("link-count-unmapped-maya").textContent(), "1", "the Maya joint LeftForeArm is now undriven");
    await running(page, true); // the link maps again and keeps going
    await page.getByTestId("link-filter-attention").click();
    assert.deepEqual(await page.getByTestId("link-row").evaluateAll((rows) => rows.map((r) => r.dataset.joint)), ["LeftForeArm"]);
    await saveScreenshot(page, "link-drive-nothing");

    await chooseForRow(page, "LeftForeArm", "Reset to name matching");
    await page.waitForFunction(() => document.querySelector('[data-testid="link-count-mapped"]')?.textContent === "65", null, { timeout: 10_000 });
    assert.equal(await page.getByTestId("link-row").count(), 0, "nothing left to fix");
    await page.getByRole("radio", { name: /^All/ }).click();
    assert.equal(await rowStatus(page, "LeftForeArm"), "mapped");
    assert.equal(await rowStatus(page, "Hips"), "mapped");
  });

  test("sends Maya's pose to Mosketch; following Maya says Mosketch stops driving it", async () => {
    const { page, sim } = app;
    await page.getByTestId("link-send-pose").click();
    await page.waitForFunction(() => /Sent 65 joints/.test(document.querySelector('[data-testid="link-notice"]')?.textContent ?? ""), null, { timeout: 10_000 });
    const deadline = Date.now() + 8000;
    while (!(sim.clients().find((c) => c.connected)?.poses >= 1)) {
      assert.ok(Date.now() < deadline, `the simulator received no pose:\n${sim.lines.slice(-3).join("\n")}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    await page.getByTestId("link-follow").check();
    await page.waitForFunction(() => window.__mayalinkLink.view().mayas[0]?.following === true, null, { timeout: 10_000 });
    assert.match(await page.getByTestId("link-maya").textContent(), /Mosketch does not drive this Maya/);
    await saveScreenshot(page, "link-following");
    await page.getByTestId("link-follow").uncheck();
    await page.waitForFunction(() => window.__mayalinkLink.view().mayas[0]?.following === false, null, { timeout: 10_000 });
  });

  test("exports the mapping choices to a file and imports them back", async () => {
    const { page } = app;
    const dir = tempDir("mayalink-mapping-");
    const file = join(dir, "humanoid-mapping.json");
    try {
      await chooseForRow(page, "LeftForeArm", "Drive nothing");
      await waitRowStatus(page, "LeftForeArm", "unmapped");
      const asked = answerNextPrompt(page, file);
      await page.getByTestId("link-export").click();
      await asked;
      await page.waitForFunction(() => /Mapping saved to humanoid-mapping\.json/.test(document.querySelector('[data-testid="link-notice"]')?.textContent ?? ""));
      assert.ok(existsSync(file));
      assert.match(readFileSync(file, "utf8"), /LeftForeArm/);

      await chooseForRow(page, "LeftForeArm", "Reset to name matching");
      await waitRowStatus(page, "LeftForeArm", "mapped");
      const opened = answerNextPrompt(page, file);
      await page.getByTestId("link-import").click();
      await opened;
      await waitRowStatus(page, "LeftForeArm", "unmapped");
      assert.equal(await page.getByTestId("link-count-mapped").textContent(), "64");

      await chooseForRow(page, "LeftForeArm", "Reset to name matching");
      await waitRowStatus(page, "LeftForeArm", "mapped");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("drives two Mayas, each with its own mapping: an ambiguous name waits for the artist's pick", async () => {
    const { page } = app;
    await page.getByTestId("link-stop").click();
    await running(page, false);
    await tickTargets(page, [RIG, TWINS]);
    await page.getByTestId("link-start").click();
    await running(page, true);
    await page.waitForFunction(() => window.__mayalinkLink.view().mayas.length === 2 && window.__mayalinkLink.view().mayas.every((m) => m.figures.appliedPerS > 0), null, {
      timeout: 15_000,
    });

    await page.getByRole("tab", { name: TWINS }).click();
    await page.waitForSelector(`[data-testid="link-maya"] h4:text-is("${TWINS}")`);
    await waitRowStatus(page, "Head", "ambiguous");
    assert.equal(await page.getByTestId("link-count-mapped").textContent(), "64");
    assert.match(await page.getByTestId("link-counts").textContent(), /1 ambiguous/);
    await page.getByTestId("link-filter-attention").click();
    assert.deepEqual(await page.getByTestId("link-row").evaluateAll((rows) => rows.map((r) => r.dataset.joint)), ["Head"]);
    await saveScreenshot(page, "link-ambiguous");
    await page.getByRole("radio", { name: /^All/ }).click();
    await chooseForRow(page, "Head", "|other:Head");
    await waitRowStatus(page, "Head", "manual");
    assert.equal(await page.locator('[data-testid="link-row"][data-joint="Head"] td').nth(1).textContent(), "other:Head");
    assert.equal(await page.getByTestId("link-count-mapped").textContent(), "65");

    // The first Maya's mapping is its own.
    await page.getByRole("tab", { name: RIG, exact: true }).click();
    await waitRowStatus(page, "Head", "mapped");

    // One Maya goes away mid-stream: its link says it ended, the other keeps going.
    await app.twin.stop();
    await page.waitForFunction(() => window.__mayalinkLink.view().mayas[1]?.ended, null, { timeout: 20_000 });
    await page.getByRole("tab", { name: TWINS }).click();
    await page.getByTestId("link-ended").waitFor();
    assert.match(await page.getByTestId("link-ended").textContent(), /Link ended/);
    const before = await page.evaluate(() => window.__mayalinkLink.view().mayas[0].figures.framesApplied);
    await page.waitForFunction((n) => window.__mayalinkLink.view().mayas[0].figures.framesApplied > n + 10, before, { timeout: 10_000 });
    await saveScreenshot(page, "link-maya-ended");
  });

  test("stops; a Maya whose scene matches nothing gets a clear message, not a silent link", async () => {
    const { page } = app;
    await page.getByTestId("link-stop").click();
    await running(page, false);
    assert.equal(await page.getByTestId("link-row").count(), 0);

    await tickTargets(page, [PROPS]);
    await page.getByTestId("link-start").click();
    const error = page.getByTestId("link-error");
    await error.waitFor({ timeout: 15_000 });
    assert.match(await error.textContent(), /No Mosketch joint matches a Maya node by name/);
    assert.equal(await page.getByTestId("link-panel").getAttribute("data-running"), "false");
    await saveScreenshot(page, "link-nothing-mapped");
    assert.deepEqual(app.errors, []);
  });
});

describe("live link panel: Try the demo", () => {
  const app = appForSuite({}, async ({ page }) => {
    await waitForHooks(page);
  });

  test("the simulated Mosketch drives Demo Maya's joints: getAttr shows LeftArm turning", async () => {
    const { page } = app;
    await page.getByTestId("welcome-demo").click();
    await page.waitForSelector('[data-testid="session-card"][data-demo="true"][data-state="connected"]', { timeout: 15_000 });
    await page.waitForSelector('[data-testid="mosketch-state"][data-state="streaming"]', { timeout: 15_000 });
    await page.getByTestId("tab-live-link").click();
    // The active session (Demo Maya) is the target until the artist ticks others.
    assert.equal(await page.locator('[data-testid="link-target"][data-session-name="Demo Maya (simulated)"]').isChecked(), true);
    await page.getByTestId("link-start").click();
    await running(page, true);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="link-applied-rate"]')?.textContent) > 0, null, { timeout: 15_000 });
    assert.ok(Number(await page.getByTestId("link-count-mapped").textContent()) > 0);

    const leftArm = async (mark) => {
      await runEditor(page, `import maya.cmds as cmds\nprint("${mark}", cmds.getAttr("LeftArm.rotate"))`);
      await waitForLine(page, mark, "output");
      return (await viewLines(page)).findLast((l) => l.text.includes(mark)).text;
    };
    const first = await leftArm("arm-1");
    await page.waitForTimeout(400);
    const second = await leftArm("arm-2");
    assert.notEqual(first.replace("arm-1", ""), second.replace("arm-2", ""), `LeftArm.rotate did not change: ${first} / ${second}`);
    await saveScreenshot(page, "link-demo");

    await page.getByTestId("link-stop").click();
    await running(page, false);
    assert.deepEqual(app.errors, []);
  });
});
