// The joints of the preview's skeleton: one ray-traced sphere per joint, all in one mesh and
// one draw call. Each joint is a quad facing the eye (four vertices, two triangles) whose
// fragment shader intersects the eye ray with the joint's sphere: an exact round silhouette,
// per-pixel normal and depth (joints and bones cross correctly) at any zoom.
//
// Why not an InstancedMesh of sphere meshes: on a software rasteriser (SwiftShader in
// Chromium without a GPU, llvmpipe in WebKitGTK) every instance of an instanced draw costs
// like a draw of its own, and every triangle costs too: 200 instanced 12×8 spheres (34k
// triangles) took ~18 ms a frame in SwiftShader, 200 quads in one plain mesh under 1 ms.
// On a GPU both are free. The lighting is the scene's own (hemisphere, ambient and the
// camera's headlight), shaded like MeshStandardMaterial (Lambert diffuse + GGX specular).
import {
  AmbientLight,
  BufferAttribute,
  BufferGeometry,
  Camera,
  Color,
  DirectionalLight,
  DynamicDrawUsage,
  HemisphereLight,
  Mesh,
  Ray,
  ShaderMaterial,
  Sphere,
  UniformsLib,
  UniformsUtils,
  Vector3,
} from "three";

export interface SceneLights {
  hemisphere: HemisphereLight;
  ambient: AmbientLight;
  key: DirectionalLight;
}

const vertexShader = /* glsl */ `
attribute vec3 center;
attribute vec2 corner;
attribute float radius;
attribute vec3 jointColor;
varying vec3 vCenter;
varying vec3 vPosition;
varying float vRadius;
varying vec3 vColor;
#include <fog_pars_vertex>
void main() {
  vec3 c = (modelViewMatrix * vec4(center, 1.0)).xyz;
  float d = length(c);
  vCenter = c;
  vRadius = radius;
  vColor = jointColor;
  if (d <= radius * 1.05) {
    // The eye is inside (or touching) the sphere: nothing to draw.
    gl_Position = vec4(0.0, 0.0, 2.0, 1.0);
    return;
  }
  // A quad through the centre, perpendicular to the eye ray: the sphere's silhouette cone
  // cuts that plane in a circle of radius r / cos(asin(r / d)).
  vec3 w = c / d;
  // u: screen right, v: screen up (counter-clockwise corners face the eye).
  vec3 u = normalize(abs(w.y) < 0.99 ? cross(w, vec3(0.0, 1.0, 0.0)) : cross(w, vec3(1.0, 0.0, 0.0)));
  vec3 v = cross(u, w);
  float half_ = radius / sqrt(1.0 - (radius * radius) / (d * d));
  vec4 mvPosition = vec4(c + (u * corner.x + v * corner.y) * half_, 1.0);
  vPosition = mvPosition.xyz;
  gl_Position = projectionMatrix * mvPosition;
  #include <fog_vertex>
}
`;

const fragmentShader = /* glsl */ `
uniform mat4 projectionMatrix; // declared for the vertex stage only by three.js
uniform vec3 keyDirection;
uniform vec3 keyColor;
uniform vec3 hemiDirection;
uniform vec3 hemiSky;
uniform vec3 hemiGround;
uniform vec3 ambientColor;
uniform float roughness;
uniform float alphaEdge;
varying vec3 vCenter;
varying vec3 vPosition;
varying float vRadius;
varying vec3 vColor;
#include <common>
#include <fog_pars_fragment>
void main() {
  // The eye ray (from the view-space origin) against the sphere.
  vec3 rd = normalize(vPosition);
  float b = dot(rd, vCenter);
  float miss2 = dot(vCenter, vCenter) - b * b; // squared distance from the centre to the ray
  float h = vRadius * vRadius - miss2;
  if (h < 0.0) discard;
  // Coverage of the silhouette's edge pixel (used with multisampling: alpha to coverage).
  float edge = vRadius - sqrt(max(miss2, 0.0));
  float alpha = alphaEdge > 0.5 ? clamp(edge / max(fwidth(edge), 1e-6), 0.0, 1.0) : 1.0;
  vec3 hit = rd * (b - sqrt(h));
  vec3 n = (hit - vCenter) / vRadius;
  vec4 clip = projectionMatrix * vec4(hit, 1.0);
  gl_FragDepth = 0.5 * (clip.z / clip.w) + 0.5;

  vec3 viewDir = -rd;
  float dotNL = saturate(dot(n, keyDirection));
  float dotNV = saturate(dot(n, viewDir));
  vec3 irradiance = ambientColor + mix(hemiGround, hemiSky, 0.5 * dot(n, hemiDirection) + 0.5) + keyColor * dotNL;
  vec3 diffuse = irradiance * RECIPROCAL_PI * vColor;
  // GGX specular of a dielectric (F0 0.04) from the key light, as MeshStandardMaterial.
  vec3 hv = normalize(keyDirection + viewDir);
  float a2 = pow2(roughness * roughness);
  float dotNH = saturate(dot(n, hv));
  float denom = pow2(dotNH) * (a2 - 1.0) + 1.0;
  float D = RECIPROCAL_PI * a2 / pow2(denom);
  float gvL = dotNL * sqrt(a2 + (1.0 - a2) * pow2(dotNV));
  float glV = dotNV * sqrt(a2 + (1.0 - a2) * pow2(dotNL));
  float V = 0.5 / max(gvL + glV, EPSILON);
  float F = 0.04 + 0.96 * pow(1.0 - saturate(dot(viewDir, hv)), 5.0);
  vec3 specular = keyColor * dotNL * F * V * D;
  gl_FragColor = vec4(diffuse + specular, alpha);
  #include <colorspace_fragment>
  #include <fog_fragment>
}
`;

/** The skeleton's joints as ray-traced spheres: one mesh, one draw call. */
export class JointSpheres {
  readonly mesh: Mesh<BufferGeometry, ShaderMaterial>;
  readonly count: number;
  #center: BufferAttribute;
  #radius: BufferAttribute;
  #color: BufferAttribute;
  #lights: SceneLights;
  #v = new Vector3();
  #v2 = new Vector3();
  #sphere = new Sphere();

  /** `antialias`: the renderer multisamples (the silhouette then uses alpha to coverage). */
  constructor(count: number, lights: SceneLights, antialias: boolean) {
    this.count = count;
    this.#lights = lights;
    const g = new BufferGeometry();
    const corners = new Float32Array(8 * count);
    const index = new Uint32Array(6 * count);
    for (let i = 0; i < count; i++) {
      corners.set([-1, -1, 1, -1, 1, 1, -1, 1], 8 * i);
      const v = 4 * i;
      index.set([v, v + 1, v + 2, v, v + 2, v + 3], 6 * i);
    }
    this.#center = new BufferAttribute(new Float32Array(12 * count), 3).setUsage(DynamicDrawUsage);
    this.#radius = new BufferAttribute(new Float32Array(4 * count), 1).setUsage(DynamicDrawUsage);
    this.#color = new BufferAttribute(new Float32Array(12 * count), 3).setUsage(DynamicDrawUsage);
    // three.js needs a "position" attribute to draw; the vertex shader ignores it.
    g.setAttribute("position", this.#center);
    g.setAttribute("center", this.#center);
    g.setAttribute("corner", new BufferAttribute(corners, 2));
    g.setAttribute("radius", this.#radius);
    g.setAttribute("jointColor", this.#color);
    g.setIndex(new BufferAttribute(index, 1));
    const material = new ShaderMaterial({
      vertexShader,
      fragmentShader,
      fog: true,
      uniforms: UniformsUtils.merge([
        UniformsLib.fog,
        {
          keyDirection: { value: new Vector3() },
          keyColor: { value: new Color() },
          hemiDirection: { value: new Vector3() },
          hemiSky: { value: new Color() },
          hemiGround: { value: new Color() },
          ambientColor: { value: new Color() },
          roughness: { value: 0.45 },
          alphaEdge: { value: antialias ? 1 : 0 },
        },
      ]),
    });
    material.alphaToCoverage = antialias;
    this.mesh = new Mesh(g, material);
    this.mesh.frustumCulled = false;
    this.mesh.onBeforeRender = (_r, _s, camera) => this.#syncLights(camera);
  }

  /** Joint `i`: its centre (world, metres) and radius (metres). */
  set(i: number, x: number, y: number, z: number, radius: number) {
    const c = this.#center.array as Float32Array;
    const r = this.#radius.array as Float32Array;
    for (let k = 4 * i; k < 4 * i + 4; k++) {
      c[3 * k] = x;
      c[3 * k + 1] = y;
      c[3 * k + 2] = z;
      r[k] = radius;
    }
  }

  /** Joint `i`'s colour (three.js's working colour space, as Color holds it). */
  setColor(i: number, color: Color) {
    const a = this.#color.array as Float32Array;
    for (let k = 4 * i; k < 4 * i + 4; k++) {
      a[3 * k] = color.r;
      a[3 * k + 1] = color.g;
      a[3 * k + 2] = color.b;
    }
  }

  /** After set(): uploads the centres and radii with the next render. */
  commitPositions() {
    this.#center.needsUpdate = true;
    this.#radius.needsUpdate = true;
  }

  /** After setColor(): uploads the colours with the next render. */
  commitColors() {
    this.#color.needsUpdate = true;
  }

  /** The joint the ray hits first (as drawn: centres and radii of the last set()), or -1. */
  raycast(ray: Ray): number {
    const c = this.#center.array as Float32Array;
    const r = this.#radius.array as Float32Array;
    let best = -1;
    let bestT = Infinity;
    for (let i = 0; i < this.count; i++) {
      const k = 4 * i;
      this.#sphere.center.set(c[3 * k]!, c[3 * k + 1]!, c[3 * k + 2]!);
      this.#sphere.radius = r[k]!;
      const hit = ray.intersectSphere(this.#sphere, this.#v);
      if (!hit) continue;
      const t = this.#v.sub(ray.origin).dot(ray.direction);
      if (t < bestT) {
        bestT = t;
        best = i;
      }
    }
    return best;
  }

  /** The scene's lights in view space, as three.js would hand them to a lit material. */
  #syncLights(camera: Camera) {
    const u = this.mesh.material.uniforms;
    const view = camera.matrixWorldInverse;
    const { hemisphere, ambient, key } = this.#lights;
    const dir = this.#v.setFromMatrixPosition(key.matrixWorld).sub(this.#v2.setFromMatrixPosition(key.target.matrixWorld));
    (u.keyDirection!.value as Vector3).copy(dir).transformDirection(view);
    (u.keyColor!.value as Color).copy(key.color).multiplyScalar(key.intensity);
    (u.hemiDirection!.value as Vector3).setFromMatrixPosition(hemisphere.matrixWorld).transformDirection(view);
    (u.hemiSky!.value as Color).copy(hemisphere.color).multiplyScalar(hemisphere.intensity);
    (u.hemiGround!.value as Color).copy(hemisphere.groundColor).multiplyScalar(hemisphere.intensity);
    (u.ambientColor!.value as Color).copy(ambient.color).multiplyScalar(ambient.intensity);
  }

  dispose() {
    this.mesh.geometry.dispose();
    this.mesh.material.dispose();
  }
}
