// Scenarios the browser tests build from real processes (see harness.mjs): two emulated
// Mayas with output of every kind the engine produces ("studio"), and the simulator's
// humanoid as a skeleton file (BVH) and as a Maya scene.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  MAYALINK_BIN,
  activateSession,
  addSession,
  runEditor,
  startMosketchSim,
  waitForLine,
} from "./harness.mjs";

/** Line kinds the real engine produces. `info` is not among them: no Maya message type maps
 * to it and the engine writes none (LineKind::from_maya_type sends kInfo to output). */
export const ENGINE_LINE_KINDS = ["output", "history", "warning", "error", "result", "stack_trace", "echo", "notice"];

export const STUDIO_SCENE = "/projects/shot_010/anim/walk_cycle_v012.ma";
/** The last line the studio scenario prints (an output line of the Anim session). */
export const STUDIO_LAST_LINE = `Scene: ${STUDIO_SCENE} (12 joints)`;
const SPINE = ["Hips", "Spine", "Spine1", "Spine2", "Neck", "Head", "LeftUpLeg", "LeftLeg", "LeftFoot", "RightUpLeg", "RightLeg", "RightFoot"];
const PARENT = { Spine: "Hips", Spine1: "Spine", Spine2: "Spine1", Neck: "Spine2", Head: "Neck", LeftUpLeg: "Hips", LeftLeg: "LeftUpLeg", LeftFoot: "LeftLeg", RightUpLeg: "Hips", RightLeg: "RightUpLeg", RightFoot: "RightLeg" };
/** A 12-joint walk-cycle scene for the emulator's --scene. */
export const STUDIO_SCENE_JSON = {
  sceneName: STUDIO_SCENE,
  joints: SPINE.map((name, i) => ({ name, ...(PARENT[name] ? { parent: PARENT[name] } : {}), translate: [0, i === 0 ? 100 : 10, 0] })),
};

/**
 * Two emulated Mayas, connected through the sidebar, with runs done in each (the fake's
 * `?fakeScenario=studio`, for real): "Anim — shot 010" (Python, Maya 2025, a walk-cycle scene)
 * prints, returns a result, warns, raises a NameError (a real traceback), echoes a history
 * line (unless `history: false`: its run shows the emulator's internals); "Rigging" (MEL port,
 * Maya 2024) prints. Ends with STUDIO_LAST_LINE. Leaves Anim active and the editor's tab in Python.
 */
export async function studio(app, { history = true } = {}) {
  const { page } = app;
  const [anim, rig] = await Promise.all([
    app.maya({ sourceType: "python", version: 2025, scene: STUDIO_SCENE_JSON }),
    app.maya({ sourceType: "mel", version: 2024 }),
  ]);
  await addSession(page, { address: anim.address, name: "Anim — shot 010" });
  await addSession(page, { address: rig.address, name: "Rigging" });

  await activateSession(page, "Rigging");
  await page.getByTestId("editor-lang-mel").click();
  await runEditor(page, 'print "rig checked\\n";');
  await waitForLine(page, "rig checked", "output");
  await page.getByTestId("editor-lang-python").click();

  await activateSession(page, "Anim — shot 010");
  await runEditor(page, 'import maya.cmds as cmds\nprint(cmds.ls(type="joint")[:3])\ncmds.polySphere(name="ball")');
  await waitForLine(page, "# Result:", "result");
  await runEditor(page, 'import maya.cmds as cmds\ncmds.warning("Hips.rotateX is locked; 2 keys were skipped.")');
  await waitForLine(page, "Hips.rotateX is locked", "warning");
  await runEditor(page, 'import maya.cmds as cmds\ncmds.getAttr(jnt + ".translate")');
  await waitForLine(page, "NameError", "error");
  if (history) {
    // Maya's kHistory (the echo of commands Maya ran) has no public trigger in the emulator:
    // its own output function sends one, as Maya does when it echoes a command.
    await runEditor(page, 'from mayaemu import _core\n_core.emit("select -r Hips;\\n", _core.kHistory)');
    await waitForLine(page, "select -r Hips;", "history");
  }
  await runEditor(page, 'import maya.cmds as cmds\nprint("Scene: %s (%d joints)" % (cmds.file(q=True, sn=True), len(cmds.ls(type="joint"))))');
  await waitForLine(page, STUDIO_LAST_LINE, "output");
  return { anim, rig };
}

/**
 * The simulator's humanoid as the engine's client sees it (`mayalink mosketch --json`):
 * { joints: [{ name, parent (index|null), offset [m], orient [x,y,z,w] }] }.
 */
export async function simulatorSkeleton(character = "humanoid") {
  const sim = await startMosketchSim({ character });
  try {
    const { stdout } = await promisify(execFile)(MAYALINK_BIN, ["mosketch", "--connect", sim.address, "--frames", "1", "--json"], { timeout: 15_000 });
    for (const line of stdout.split("\n")) {
      if (!line.startsWith("{")) continue;
      const msg = JSON.parse(line);
      if (msg.type === "hierarchy") {
        const skeleton = msg.hierarchy.skeleton;
        if (!skeleton?.joints?.length) throw new Error(`the simulator's Hierarchy has no skeleton: ${line.slice(0, 300)}`);
        return skeleton;
      }
    }
    throw new Error(`no hierarchy in mayalink mosketch --json output:\n${stdout.slice(0, 500)}`);
  } finally {
    await sim.stop();
  }
}

const fmt = (v) => (Math.abs(v) < 1e-9 ? "0" : v.toFixed(4));

/** A BVH HIERARCHY of a skeleton (centimetres; leaves get an End Site), with a one-frame MOTION. */
export function skeletonToBvh(skeleton) {
  const { joints } = skeleton;
  const children = joints.map(() => []);
  joints.forEach((j, i) => j.parent !== null && j.parent !== undefined && children[j.parent].push(i));
  let channels = 0;
  const out = ["HIERARCHY"];
  const write = (i, depth) => {
    const pad = "  ".repeat(depth);
    const j = joints[i];
    const root = j.parent === null || j.parent === undefined;
    out.push(`${pad}${root ? "ROOT" : "JOINT"} ${j.name}`, `${pad}{`);
    out.push(`${pad}  OFFSET ${j.offset.map((v) => fmt(v * 100)).join(" ")}`);
    out.push(root ? `${pad}  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation` : `${pad}  CHANNELS 3 Zrotation Xrotation Yrotation`);
    channels += root ? 6 : 3;
    if (children[i].length === 0) out.push(`${pad}  End Site`, `${pad}  {`, `${pad}    OFFSET 0 5 0`, `${pad}  }`);
    for (const c of children[i]) write(c, depth + 1);
    out.push(`${pad}}`);
  };
  joints.forEach((j, i) => (j.parent === null || j.parent === undefined) && write(i, 0));
  out.push("MOTION", "Frames: 1", "Frame Time: 0.0333333", Array(channels).fill("0").join(" "));
  return `${out.join("\n")}\n`;
}

/** Euler XYZ degrees of a unit quaternion [x, y, z, w] (Maya's default rotate order). */
function quatToEulerXyz([x, y, z, w]) {
  const deg = 180 / Math.PI;
  const sy = Math.max(-1, Math.min(1, 2 * (w * y - z * x)));
  return [Math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y)) * deg, Math.asin(sy) * deg, Math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)) * deg];
}

/** An emulator --scene holding a skeleton's joints (translate in cm, jointOrient in degrees). */
export function skeletonToScene(skeleton, sceneName = "/projects/demo/character_rig.ma") {
  const { joints } = skeleton;
  return {
    sceneName,
    joints: joints.map((j) => ({
      name: j.name,
      ...(j.parent !== null && j.parent !== undefined ? { parent: joints[j.parent].name } : {}),
      translate: j.offset.map((v) => v * 100),
      jointOrient: quatToEulerXyz(j.orient ?? [0, 0, 0, 1]),
    })),
  };
}
