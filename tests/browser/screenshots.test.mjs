// The pictures of the workspace for the README and for review (`mayalink serve`, the "studio"
// scenario: two emulated Mayas with output of every kind): workspace-dark.png (the README's),
// workspace-light.png and workspace-all-sessions.png in tests/artifacts/browser/.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  appForSuite,
  saveScreenshot,
  setEditorText,
  waitForHooks,
} from "./harness.mjs";
import { studio } from "./scenarios.mjs";

const SCRIPT = `import maya.cmds as cmds

def key_spine(frame):
    """Key every spine joint of the walk cycle at \`frame\`."""
    for joint in cmds.ls("Spine*", type="joint"):
        cmds.setKeyframe(joint, time=frame, attribute="rotate")

joints = cmds.ls(type="joint")
print(joints[:3])
cmds.polySphere(name="ball")
cmds.xform(jnt, query=True, worldSpace=True, translation=True)
`;

describe("workspace screenshots", () => {
  const app = appForSuite({}, async ({ page }) => {
    await waitForHooks(page);
    await studio(app, { history: false });
    await setEditorText(page, SCRIPT);
    await page.evaluate(() => {
      const v = window.__mayalink.editor.view;
      v.dispatch({ selection: { anchor: v.state.doc.line(9).from + 6 } });
      v.contentDOM.blur();
    });
  });

  test("dark (the README's picture)", async () => {
    const { page } = app;
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    assert.equal(await page.locator('[data-testid="session-card"][data-state="connected"]').count(), 2);
    await saveScreenshot(page, "workspace-dark");
  });

  test("all sessions, tagged", async () => {
    const { page } = app;
    await page.getByTestId("console-scope").selectOption("all");
    await saveScreenshot(page, "workspace-all-sessions");
    await page.getByTestId("console-scope").selectOption("active");
  });

  test("light", async () => {
    const { page } = app;
    await page.getByTestId("theme-toggle").click();
    await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
    await saveScreenshot(page, "workspace-light");
  });

  test("no errors in the page", () => {
    assert.deepEqual(app.errors.map(String), []);
  });
});
