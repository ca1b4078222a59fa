// The skeleton's two meshes outside a browser: where the bone vertices land, what the joint
// spheres hand to the GPU (one quad per joint), and picking against the spheres as drawn.
import { AmbientLight, Color, DirectionalLight, HemisphereLight, Matrix4, Quaternion, Ray, Vector3 } from "three";
import { describe, expect, it } from "vitest";
import { BoneMesh } from "./bone-mesh";
import { JointSpheres } from "./joint-spheres";

const lights = () => ({
  hemisphere: new HemisphereLight(0xffffff, 0x000000, 1),
  ambient: new AmbientLight(0xffffff, 0.2),
  key: new DirectionalLight(0xffffff, 1),
});

function positions(b: BoneMesh): Float32Array {
  return b.mesh.geometry.getAttribute("position").array as Float32Array;
}

describe("BoneMesh", () => {
  it("places each bone's octahedron from the parent joint to the child, in one draw", () => {
    const bones = new BoneMesh(2);
    // Bone 1: from (1, 2, 3), pointing along +X, 0.5 long.
    const q = new Quaternion().setFromUnitVectors(new Vector3(0, 1, 0), new Vector3(1, 0, 0));
    bones.set(1, new Matrix4().compose(new Vector3(1, 2, 3), q, new Vector3(0.5, 0.5, 0.5)));
    const p = positions(bones);
    const verts = p.length / 2 / 3; // per bone
    expect(verts).toBe(24); // 8 flat triangles
    const tips: Array<[number, number, number]> = [];
    for (let k = verts; k < 2 * verts; k++) tips.push([p[3 * k]!, p[3 * k + 1]!, p[3 * k + 2]!]);
    // Every vertex lies between the two joints along X, within the octahedron's width.
    for (const [x, y, z] of tips) {
      expect(x).toBeGreaterThanOrEqual(1 - 1e-6);
      expect(x).toBeLessThanOrEqual(1.5 + 1e-6);
      expect(Math.hypot(y - 2, z - 3)).toBeLessThanOrEqual(0.085 * 0.5 + 1e-6);
    }
    const has = (x: number, y: number, z: number) => tips.some((t) => Math.hypot(t[0] - x, t[1] - y, t[2] - z) < 1e-6);
    expect(has(1, 2, 3)).toBe(true); // the parent end
    expect(has(1.5, 2, 3)).toBe(true); // the child end
    // Bone 0 was never placed: still at the origin, untouched by bone 1.
    expect(p.slice(0, 3 * verts).every((v) => v === 0)).toBe(true);
    expect(bones.mesh.geometry.drawRange.count).toBe(2 * verts);
  });

  it("colours every vertex of a bone", () => {
    const bones = new BoneMesh(2);
    bones.setColor(1, new Color(0.25, 0.5, 0.75));
    const c = bones.mesh.geometry.getAttribute("color").array as Float32Array;
    expect([...c.slice(72, 75)]).toEqual([0.25, 0.5, 0.75]);
    expect([...c.slice(141, 144)]).toEqual([0.25, 0.5, 0.75]);
    expect([...c.slice(0, 72)].every((v) => v === 0)).toBe(true);
  });
});

describe("JointSpheres", () => {
  it("is one quad (two triangles) per joint, its four corners at the joint's centre", () => {
    const joints = new JointSpheres(3, lights(), false);
    joints.set(2, 0.5, 1.5, -2, 0.03);
    const g = joints.mesh.geometry;
    expect(g.index!.count).toBe(3 * 6);
    const center = g.getAttribute("center").array as Float32Array;
    const radius = g.getAttribute("radius").array as Float32Array;
    for (let k = 8; k < 12; k++) {
      expect([center[3 * k], center[3 * k + 1], center[3 * k + 2]]).toEqual([0.5, 1.5, -2]);
      expect(radius[k]).toBeCloseTo(0.03);
    }
    const corner = g.getAttribute("corner").array as Float32Array;
    expect([...corner.slice(16, 24)]).toEqual([-1, -1, 1, -1, 1, 1, -1, 1]);
  });

  it("picks the sphere the ray meets first, as drawn (the selected joint drawn larger)", () => {
    const joints = new JointSpheres(4, lights(), false);
    // Joints 0, 1 and 3 on one line of sight; 1 is the nearest (neither first nor last).
    joints.set(0, 0, 0, -5, 0.1);
    joints.set(1, 0, 0, -2, 0.1);
    joints.set(2, 1, 0, -2, 0.1);
    joints.set(3, 0, 0, -8, 0.1);
    const ray = (x: number, y: number) => new Ray(new Vector3(x, y, 0), new Vector3(0, 0, -1));
    expect(joints.raycast(ray(0, 0))).toBe(1);
    expect(joints.raycast(ray(1, 0.09))).toBe(2);
    expect(joints.raycast(ray(1, 0.12))).toBe(-1);
    joints.set(2, 1, 0, -2, 0.145); // selected: 1.45 × the radius
    expect(joints.raycast(ray(1, 0.12))).toBe(2);
    expect(joints.raycast(ray(0.5, 0))).toBe(-1);
    // Looking the other way: nothing.
    expect(joints.raycast(new Ray(new Vector3(0, 0, 0), new Vector3(0, 0, 1)))).toBe(-1);
  });
});
