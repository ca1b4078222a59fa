// The viewport's look: its colours (a dark DCC-style view) and the floor grid with the
// coloured X and Z axes, drawn as one set of line segments.
import { BufferAttribute, BufferGeometry, Color, LineBasicMaterial, LineSegments } from "three";

export const VIEWPORT_COLORS = {
  background: 0x15191f,
  gridMinor: 0x262c35,
  gridMajor: 0x353d49,
  axisX: 0xe5534b,
  axisY: 0x57ab5a,
  axisZ: 0x4a90e2,
  joint: 0xffb454,
  bone: 0x8fa3bf,
  boneLeft: 0x7fa6d9,
  boneRight: 0xc98f9a,
  selected: 0x4fe0cb,
  selectedBone: 0x35c9b4,
} as const;

/** Floor grid (minor / major lines) and the X (red), Z (blue) axes plus a small Y (green) one. */
export function gridLines(extent: number, minor: number, major: number): LineSegments {
  const pos: number[] = [];
  const col: number[] = [];
  const c = new Color();
  const push = (x0: number, y0: number, z0: number, x1: number, y1: number, z1: number, hex: number) => {
    pos.push(x0, y0, z0, x1, y1, z1);
    c.setHex(hex);
    col.push(c.r, c.g, c.b, c.r, c.g, c.b);
  };
  const steps = Math.round(extent / minor);
  const perMajor = Math.round(major / minor);
  for (let i = -steps; i <= steps; i++) {
    const v = i * minor;
    if (i === 0) continue;
    const hex = i % perMajor === 0 ? VIEWPORT_COLORS.gridMajor : VIEWPORT_COLORS.gridMinor;
    push(-extent, 0, v, extent, 0, v, hex);
    push(v, 0, -extent, v, 0, extent, hex);
  }
  push(-extent, 0, 0, 0, 0, 0, 0x5a3431);
  push(0, 0, 0, extent, 0, 0, VIEWPORT_COLORS.axisX);
  push(0, 0, -extent, 0, 0, 0, 0x2c3f5a);
  push(0, 0, 0, 0, 0, extent, VIEWPORT_COLORS.axisZ);
  push(0, 0, 0, 0, 0.3, 0, VIEWPORT_COLORS.axisY);
  const g = new BufferGeometry();
  g.setAttribute("position", new BufferAttribute(new Float32Array(pos), 3));
  g.setAttribute("color", new BufferAttribute(new Float32Array(col), 3));
  const lines = new LineSegments(g, new LineBasicMaterial({ vertexColors: true, fog: true }));
  lines.renderOrder = -1;
  return lines;
}
