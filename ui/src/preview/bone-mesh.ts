// The bones of the preview's skeleton: a flat-shaded octahedron per bone, from the parent
// joint to the child, all in one plain mesh (one draw call) whose vertices are rewritten
// from the bones' transforms on every pose. Not an InstancedMesh: a software rasteriser
// (SwiftShader, llvmpipe) pays each instance like a draw of its own (199 instanced bones
// took ~5 ms a frame in SwiftShader; the same triangles in one mesh, well under 1 ms).
import { BufferAttribute, BufferGeometry, Color, DynamicDrawUsage, Matrix4, Mesh, MeshStandardMaterial } from "three";

/** The octahedron from (0,0,0) to (0,1,0), widest at 12 % of its length: 8 triangles. */
function octahedron(): Float32Array {
  const w = 0.085;
  const h = 0.12;
  const ring: Array<[number, number, number]> = [
    [w, h, 0],
    [0, h, -w],
    [-w, h, 0],
    [0, h, w],
  ];
  const tip0: [number, number, number] = [0, 0, 0];
  const tip1: [number, number, number] = [0, 1, 0];
  const tris: number[] = [];
  for (let i = 0; i < 4; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % 4]!;
    tris.push(...tip0, ...b, ...a, ...a, ...b, ...tip1);
  }
  return new Float32Array(tris);
}

const TEMPLATE = octahedron();
const VERTS = TEMPLATE.length / 3;

/** Every bone of a skeleton in one mesh. */
export class BoneMesh {
  readonly mesh: Mesh<BufferGeometry, MeshStandardMaterial>;
  readonly count: number;
  #position: BufferAttribute;
  #color: BufferAttribute;

  constructor(count: number) {
    this.count = count;
    const g = new BufferGeometry();
    this.#position = new BufferAttribute(new Float32Array(Math.max(1, count) * TEMPLATE.length), 3).setUsage(DynamicDrawUsage);
    this.#color = new BufferAttribute(new Float32Array(Math.max(1, count) * TEMPLATE.length), 3).setUsage(DynamicDrawUsage);
    g.setAttribute("position", this.#position);
    g.setAttribute("color", this.#color);
    g.setDrawRange(0, count * VERTS);
    // Flat shading takes the normal from the triangle in the fragment shader: no normals to rewrite.
    const material = new MeshStandardMaterial({ vertexColors: true, roughness: 0.6, metalness: 0, flatShading: true });
    this.mesh = new Mesh(g, material);
    this.mesh.frustumCulled = false;
  }

  /** Bone `b` placed by `m` (the unit octahedron → parent joint, along the bone, scaled to its length). */
  set(b: number, m: Matrix4) {
    const e = m.elements;
    const out = this.#position.array as Float32Array;
    let o = b * TEMPLATE.length;
    for (let k = 0; k < TEMPLATE.length; k += 3) {
      const x = TEMPLATE[k]!;
      const y = TEMPLATE[k + 1]!;
      const z = TEMPLATE[k + 2]!;
      out[o++] = e[0]! * x + e[4]! * y + e[8]! * z + e[12]!;
      out[o++] = e[1]! * x + e[5]! * y + e[9]! * z + e[13]!;
      out[o++] = e[2]! * x + e[6]! * y + e[10]! * z + e[14]!;
    }
  }

  setColor(b: number, color: Color) {
    const out = this.#color.array as Float32Array;
    for (let o = b * TEMPLATE.length; o < (b + 1) * TEMPLATE.length; o += 3) {
      out[o] = color.r;
      out[o + 1] = color.g;
      out[o + 2] = color.b;
    }
  }

  /** After set(): uploads the vertices with the next render. */
  commitPositions() {
    this.#position.needsUpdate = true;
  }

  /** After setColor(): uploads the colours with the next render. */
  commitColors() {
    this.#color.needsUpdate = true;
  }

  dispose() {
    this.mesh.geometry.dispose();
    this.mesh.material.dispose();
  }
}
