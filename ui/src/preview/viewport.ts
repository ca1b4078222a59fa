// The three.js viewport of the pose preview: a dark DCC-style view (Y up, metres) with a
// floor grid and coloured axes (./view-look), a corner axis gizmo (./axis-gizmo), orbit /
// pan / zoom, "frame the character", and the skeleton drawn with two meshes
// (./joint-spheres: every joint a ray-traced sphere; ./bone-mesh: every bone) — three draw
// calls with the grid, whatever the joint count. World transforms come from ./pose-math's
// one-pass solver. It renders only when something changed (a new pose, an interaction, a
// resize, a selection): no continuous loop, and only the newest pose is kept.
import {
  AmbientLight,
  Color,
  DirectionalLight,
  Fog,
  HemisphereLight,
  LineBasicMaterial,
  LineSegments,
  Matrix4,
  PerspectiveCamera,
  Quaternion,
  Raycaster,
  Scene,
  Vector2,
  Vector3,
  WebGLRenderer,
} from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import type { JointSpace } from "../bindings/JointSpace";
import type { OrientMode } from "../bindings/OrientMode";
import type { PoseSnapshot } from "../bindings/PoseSnapshot";
import type { Skeleton } from "../bindings/Skeleton";
import { AxisGizmo } from "./axis-gizmo";
import { BoneMesh } from "./bone-mesh";
import { FrameRecorder, type FrameTimes } from "./frame-times";
import { JointSpheres, type SceneLights } from "./joint-spheres";
import { type LocalSample, SolverSkeleton, jointSample, solveWorld } from "./pose-math";
import { bindPose } from "./skeleton-source";
import { VIEWPORT_COLORS, gridLines } from "./view-look";

const UP = new Vector3(0, 1, 0);
/** Front three-quarter view: the character faces +Z. */
const DEFAULT_VIEW = new Vector3(0.55, 0.32, 1).normalize();
const PICK_RADIUS_PX = 12;

export interface ViewportCallbacks {
  /** A click on a joint (index into the skeleton) or on nothing (-1). */
  onPick?(joint: number): void;
  /** After each render. */
  onRender?(): void;
}

/** Whether WebGL is rasterised in software (SwiftShader, llvmpipe, softpipe…). */
export function isSoftwareRenderer(): boolean {
  try {
    const probe = document.createElement("canvas");
    const gl = probe.getContext("webgl2") ?? probe.getContext("webgl");
    if (!gl) return false;
    const ext = gl.getExtension("WEBGL_debug_renderer_info");
    const name = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    gl.getExtension("WEBGL_lose_context")?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software|lavapipe/i.test(name);
  } catch {
    return false;
  }
}

export class PoseViewport {
  readonly renderer: WebGLRenderer;
  readonly scene = new Scene();
  readonly camera = new PerspectiveCamera(35, 1, 0.01, 200);
  readonly controls: OrbitControls;
  readonly canvas: HTMLCanvasElement;
  /** WebGL runs on a software rasteriser (no multisampling then). */
  readonly software: boolean;

  #cb: ViewportCallbacks;
  #grid: LineSegments;
  #lights: SceneLights;
  #antialias: boolean;
  #joints: JointSpheres | null = null;
  #bones: BoneMesh | null = null;
  #skeleton: SolverSkeleton | null = null;
  #radius = new Float32Array(0);
  /** For each bone instance, its child joint (the bone runs parent → child). */
  #boneChild = new Int32Array(0);
  #pos = new Float64Array(0);
  #rot = new Float64Array(0);
  #binding: Int32Array = new Int32Array(0);
  #bindingKey = "";
  #pose: PoseSnapshot | null = null;
  #poseDirty = false;
  /** Frame again once the first streamed pose is drawn (a rest pose is often wider). */
  #frameOnPose = false;
  #space: JointSpace = "Parent";
  #orient: OrientMode = "keep";
  #selected = -1;
  #pending = 0;
  #times = new FrameRecorder();
  #resize: ResizeObserver | null = null;
  #down: { x: number; y: number; t: number } | null = null;
  #disposed = false;
  #gizmo: AxisGizmo | null = null;
  renders = 0;
  lastDrawCalls = 0;

  // Scratch objects, reused every frame.
  #m = new Matrix4();
  #q = new Quaternion();
  #q2 = new Quaternion();
  #v = new Vector3();
  #v2 = new Vector3();
  #s = new Vector3();
  #color = new Color();

  constructor(canvas: HTMLCanvasElement, callbacks: ViewportCallbacks = {}) {
    this.canvas = canvas;
    this.#cb = callbacks;
    // Multisampling is cheap on a GPU but dominates the frame on a software rasteriser
    // (SwiftShader, llvmpipe): there the view goes without it, at one pixel per CSS pixel.
    this.software = isSoftwareRenderer();
    this.#antialias = !this.software;
    this.renderer = new WebGLRenderer({
      canvas,
      antialias: this.#antialias,
      alpha: false,
      preserveDrawingBuffer: false,
      powerPreference: "high-performance",
    });
    this.renderer.setPixelRatio(this.software ? 1 : Math.min(2, globalThis.devicePixelRatio || 1));
    this.renderer.setClearColor(VIEWPORT_COLORS.background, 1);
    this.scene.background = new Color(VIEWPORT_COLORS.background);
    this.scene.fog = new Fog(VIEWPORT_COLORS.background, 9, 24);

    const hemisphere = new HemisphereLight(0xdfe8ff, 0x3a3328, 1.5);
    const ambient = new AmbientLight(0xffffff, 0.25);
    this.scene.add(hemisphere, ambient);
    // A headlight: shading stays readable from any side while orbiting.
    const key = new DirectionalLight(0xffffff, 1.6);
    key.position.set(0.4, 0.6, 1);
    this.camera.add(key);
    this.#lights = { hemisphere, ambient, key };
    this.scene.add(this.camera);

    this.#grid = gridLines(10, 0.25, 1);
    this.scene.add(this.#grid);

    this.camera.position.copy(DEFAULT_VIEW).multiplyScalar(4.2).add(new Vector3(0, 0.95, 0));
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.target.set(0, 0.95, 0);
    this.controls.enableDamping = true;
    this.controls.dampingFactor = 0.2;
    this.controls.zoomToCursor = true;
    this.controls.screenSpacePanning = true;
    this.controls.minDistance = 0.05;
    this.controls.maxDistance = 80;
    this.controls.update();
    this.controls.addEventListener("change", () => this.requestRender());

    canvas.addEventListener("pointerdown", this.#onPointerDown);
    canvas.addEventListener("pointerup", this.#onPointerUp);
    if (typeof ResizeObserver !== "undefined") {
      this.#resize = new ResizeObserver(() => this.#fit());
      this.#resize.observe(canvas.parentElement ?? canvas);
    }
    this.#fit();
  }

  get gridVisible(): boolean {
    return this.#grid.visible;
  }

  setGridVisible(visible: boolean) {
    this.#grid.visible = visible;
    this.requestRender();
  }

  /** The orientation gizmo (an SVG with lines/texts of class x, y, z) to keep in sync. */
  setGizmo(svg: SVGSVGElement | null) {
    this.#gizmo = svg ? new AxisGizmo(svg) : null;
    this.requestRender();
  }

  get jointCount(): number {
    return this.#skeleton?.count ?? 0;
  }

  get jointNames(): readonly string[] {
    return this.#skeleton?.names ?? [];
  }

  get selected(): number {
    return this.#selected;
  }

  indexOf(name: string): number {
    return this.#skeleton?.index.get(name) ?? -1;
  }

  /** Replaces the drawn skeleton (null: none). `frame`: frame it in the default view. */
  setSkeleton(skeleton: Skeleton | null, frame = true) {
    this.#disposeMeshes();
    this.#skeleton = skeleton ? new SolverSkeleton(skeleton) : null;
    this.#bindingKey = "";
    this.#selected = -1;
    const sk = this.#skeleton;
    if (!sk || sk.count === 0) {
      this.requestRender();
      return;
    }
    const n = sk.count;
    this.#pos = new Float64Array(3 * n);
    this.#rot = new Float64Array(4 * n);
    // Joint sizes from the rest bone lengths around each joint.
    const shortest = new Float64Array(n).fill(Infinity);
    const bones: number[] = [];
    let longest = 0;
    for (let i = 0; i < n; i++) {
      const p = sk.parents[i]!;
      if (p < 0) continue;
      bones.push(i);
      const len = Math.hypot(sk.offsets[3 * i]!, sk.offsets[3 * i + 1]!, sk.offsets[3 * i + 2]!);
      if (len > 1e-6) {
        shortest[i] = Math.min(shortest[i]!, len);
        shortest[p] = Math.min(shortest[p]!, len);
        longest = Math.max(longest, len);
      }
    }
    const maxR = Math.max(0.004, Math.min(0.03, longest * 0.09 || 0.02));
    this.#radius = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const s = shortest[i]!;
      this.#radius[i] = Number.isFinite(s) ? Math.min(maxR, Math.max(0.0035, s * 0.22)) : maxR * 0.7;
    }
    this.#boneChild = Int32Array.from(bones);

    const joints = new JointSpheres(n, this.#lights, this.#antialias);
    joints.mesh.renderOrder = 2;
    const boneMesh = new BoneMesh(bones.length);
    boneMesh.mesh.renderOrder = 1;
    this.#joints = joints;
    this.#bones = boneMesh;
    this.#paint();
    this.scene.add(boneMesh.mesh, joints.mesh);
    this.#poseDirty = true;
    this.#applyPose();
    if (frame) {
      this.frameCharacter(true);
      this.#frameOnPose = true;
    }
    this.requestRender();
  }

  /** Keeps only the newest pose; the next frame draws it. */
  setPose(pose: PoseSnapshot | null) {
    this.#pose = pose;
    this.#poseDirty = true;
    this.requestRender();
  }

  setSolveOptions(space: JointSpace, orientMode: OrientMode) {
    if (space === this.#space && orientMode === this.#orient) return;
    this.#space = space;
    this.#orient = orientMode;
    this.#poseDirty = true;
    this.requestRender();
  }

  select(index: number) {
    const next = index >= 0 && index < this.jointCount ? index : -1;
    if (next === this.#selected) return;
    this.#selected = next;
    this.#paint();
    this.#poseDirty = true; // the selected joint is drawn a little larger
    this.requestRender();
  }

  /** Per-instance colours: joints, bones (tinted by side), the selection. */
  #paint() {
    const sk = this.#skeleton;
    const joints = this.#joints;
    const bones = this.#bones;
    if (!sk || !joints || !bones) return;
    const c = this.#color;
    for (let i = 0; i < sk.count; i++) {
      c.setHex(i === this.#selected ? VIEWPORT_COLORS.selected : VIEWPORT_COLORS.joint);
      joints.setColor(i, c);
    }
    for (let b = 0; b < this.#boneChild.length; b++) {
      const child = this.#boneChild[b]!;
      const parent = sk.parents[child]!;
      const name = sk.names[child]!;
      const hex =
        parent === this.#selected
          ? VIEWPORT_COLORS.selectedBone
          : /^(Left|L_|l_)|_L$|\.L$/.test(name)
            ? VIEWPORT_COLORS.boneLeft
            : /^(Right|R_|r_)|_R$|\.R$/.test(name)
              ? VIEWPORT_COLORS.boneRight
              : VIEWPORT_COLORS.bone;
      bones.setColor(b, c.setHex(hex));
    }
    joints.commitColors();
    bones.commitColors();
  }

  #applyPose() {
    const sk = this.#skeleton;
    if (!sk || !this.#joints || !this.#bones || !this.#poseDirty) return;
    this.#poseDirty = false;
    const pose = this.#pose;
    const joints = pose?.joints ?? [];
    const refit = this.#frameOnPose && pose !== null && pose.frame > 0;
    const key = `${pose?.hierarchyId ?? -1}/${joints.length}`;
    if (key !== this.#bindingKey) {
      this.#binding = bindPose(
        sk.names,
        joints.map((j) => j.name),
        this.#binding,
      );
      this.#bindingKey = key;
    }
    const binding = this.#binding;
    const sample: LocalSample = { streamed: false, r: [0, 0, 0, 1], t: null };
    solveWorld(
      sk,
      (i) => {
        const k = binding[i]!;
        const j = k >= 0 ? joints[k] : undefined;
        return j ? jointSample(j, sample) : null;
      },
      this.#pos,
      this.#rot,
      { space: this.#space, orientMode: this.#orient },
    );
    const pos = this.#pos;
    const m = this.#m;
    for (let i = 0; i < sk.count; i++) {
      const r = this.#radius[i]! * (i === this.#selected ? 1.45 : 1);
      this.#joints.set(i, pos[3 * i]!, pos[3 * i + 1]!, pos[3 * i + 2]!, r);
    }
    const rot = this.#rot;
    const q = this.#q;
    const q2 = this.#q2;
    const from = this.#v;
    const dir = this.#v2;
    for (let b = 0; b < this.#boneChild.length; b++) {
      const c = this.#boneChild[b]!;
      const p = sk.parents[c]!;
      from.set(pos[3 * p]!, pos[3 * p + 1]!, pos[3 * p + 2]!);
      dir.set(pos[3 * c]! - from.x, pos[3 * c + 1]! - from.y, pos[3 * c + 2]! - from.z);
      const len = dir.length();
      if (len < 1e-6) {
        this.#s.set(0, 0, 0);
        q.identity();
      } else {
        // Roll follows the parent joint: rotate Y onto the bone in the parent's frame.
        q.set(rot[4 * p]!, rot[4 * p + 1]!, rot[4 * p + 2]!, rot[4 * p + 3]!);
        dir.divideScalar(len).applyQuaternion(q2.copy(q).invert());
        q2.setFromUnitVectors(UP, dir);
        q.multiply(q2);
        this.#s.set(len, len, len);
      }
      m.compose(from, q, this.#s);
      this.#bones.set(b, m);
    }
    this.#joints.commitPositions();
    this.#bones.commitPositions();
    if (refit) {
      this.#frameOnPose = false;
      this.frameCharacter(true);
    }
  }

  /** World position of a joint (metres), from the last solve. */
  jointWorld(index: number): [number, number, number] | null {
    if (index < 0 || index >= this.jointCount) return null;
    return [this.#pos[3 * index]!, this.#pos[3 * index + 1]!, this.#pos[3 * index + 2]!];
  }

  /** Where a joint shows on screen (client pixels), or null when off screen / unknown. */
  projectJoint(index: number): { x: number; y: number } | null {
    this.#applyPose();
    const w = this.jointWorld(index);
    if (!w) return null;
    const v = this.#v.set(w[0], w[1], w[2]).project(this.camera);
    if (v.z < -1 || v.z > 1) return null;
    const rect = this.canvas.getBoundingClientRect();
    return { x: rect.left + ((v.x + 1) / 2) * rect.width, y: rect.top + ((1 - v.y) / 2) * rect.height };
  }

  /** The joint under a client-space point: a ray against the joint spheres as drawn, else the nearest within 12 px. */
  pick(clientX: number, clientY: number): number {
    const joints = this.#joints;
    if (!joints || !this.#skeleton) return -1;
    this.#applyPose();
    const rect = this.canvas.getBoundingClientRect();
    const ndc = new Vector2(((clientX - rect.left) / rect.width) * 2 - 1, -((clientY - rect.top) / rect.height) * 2 + 1);
    const ray = new Raycaster();
    ray.setFromCamera(ndc, this.camera);
    const hit = joints.raycast(ray.ray);
    if (hit >= 0) return hit;
    let best = -1;
    let bestD = PICK_RADIUS_PX;
    for (let i = 0; i < this.#skeleton.count; i++) {
      const p = this.projectJoint(i);
      if (!p) continue;
      const d = Math.hypot(p.x - clientX, p.y - clientY);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  /** Fits the character in view; `resetView` also goes back to the front three-quarter view. */
  frameCharacter(resetView = false) {
    const sk = this.#skeleton;
    this.#applyPose();
    const min = new Vector3(Infinity, Infinity, Infinity);
    const max = new Vector3(-Infinity, -Infinity, -Infinity);
    if (sk && sk.count > 0) {
      for (let i = 0; i < sk.count; i++) {
        this.#v.set(this.#pos[3 * i]!, this.#pos[3 * i + 1]!, this.#pos[3 * i + 2]!);
        min.min(this.#v);
        max.max(this.#v);
      }
    } else {
      min.set(-0.5, 0, -0.5);
      max.set(0.5, 1.8, 0.5);
    }
    const center = min.clone().add(max).multiplyScalar(0.5);
    let far = 0;
    for (let i = 0; i < (sk?.count ?? 0); i++) {
      far = Math.max(far, this.#v.set(this.#pos[3 * i]!, this.#pos[3 * i + 1]!, this.#pos[3 * i + 2]!).distanceTo(center));
    }
    const radius = Math.max(0.15, sk && sk.count > 0 ? far : max.clone().sub(min).length() / 2);
    const fov = (this.camera.fov * Math.PI) / 180;
    const fovH = 2 * Math.atan(Math.tan(fov / 2) * this.camera.aspect);
    const distance = (radius * 1.22) / Math.sin(Math.min(fov, fovH) / 2);
    const dir = resetView ? DEFAULT_VIEW.clone() : this.camera.position.clone().sub(this.controls.target).normalize();
    this.controls.target.copy(center);
    this.camera.position.copy(center).addScaledVector(dir, distance);
    this.camera.near = Math.max(0.005, distance / 200);
    this.camera.far = Math.max(100, distance * 20);
    this.camera.updateProjectionMatrix();
    this.controls.update();
    this.requestRender();
  }

  requestRender() {
    if (this.#pending || this.#disposed) return;
    this.#pending = requestAnimationFrame(this.#frame);
  }

  /** Renders now (tests and benchmarks). */
  renderNow() {
    if (this.#pending) cancelAnimationFrame(this.#pending);
    this.#pending = 0;
    this.#frame(performance.now());
  }

  #frame = (now: number) => {
    this.#pending = 0;
    if (this.#disposed) return;
    const t0 = performance.now();
    const moving = this.controls.update();
    this.#applyPose();
    this.renderer.render(this.scene, this.camera);
    this.lastDrawCalls = this.renderer.info.render.calls;
    this.#gizmo?.sync(this.camera.quaternion);
    const t1 = performance.now();
    this.renders++;
    this.#times.record(now, t1 - t0);
    this.#cb.onRender?.();
    // Damping: keep going until the camera settles.
    if (moving) this.requestRender();
  };

  frameTimes(): FrameTimes {
    return this.#times.times();
  }

  resetFrameTimes() {
    this.#times.reset();
  }

  #fit() {
    const host = this.canvas.parentElement ?? this.canvas;
    const w = Math.max(1, host.clientWidth);
    const h = Math.max(1, host.clientHeight);
    const size = this.renderer.getSize(new Vector2());
    if (size.x === w && size.y === h) return;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.requestRender();
  }

  #onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0) return;
    this.#down = { x: e.clientX, y: e.clientY, t: performance.now() };
  };

  #onPointerUp = (e: PointerEvent) => {
    const d = this.#down;
    this.#down = null;
    if (!d || e.button !== 0) return;
    if (Math.hypot(e.clientX - d.x, e.clientY - d.y) > 4 || performance.now() - d.t > 600) return;
    this.#cb.onPick?.(this.pick(e.clientX, e.clientY));
  };

  #disposeMeshes() {
    for (const part of [this.#joints, this.#bones]) {
      if (!part) continue;
      this.scene.remove(part.mesh);
      part.dispose();
    }
    this.#joints = null;
    this.#bones = null;
  }

  dispose() {
    this.#disposed = true;
    if (this.#pending) cancelAnimationFrame(this.#pending);
    this.#resize?.disconnect();
    this.canvas.removeEventListener("pointerdown", this.#onPointerDown);
    this.canvas.removeEventListener("pointerup", this.#onPointerUp);
    this.controls.dispose();
    this.#disposeMeshes();
    this.#grid.geometry.dispose();
    (this.#grid.material as LineBasicMaterial).dispose();
    this.renderer.dispose();
  }
}
