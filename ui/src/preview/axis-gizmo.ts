// The viewport's corner axis gizmo: an SVG whose lines and labels (class x, y, z) turn with
// the camera. The DOM is touched only when the camera turned, not on every new pose.
import { Quaternion, Vector3 } from "three";

const CENTRE = 28;
const LENGTH = 22;

export class AxisGizmo {
  #svg: SVGSVGElement;
  #shown: Quaternion | null = null;
  #inverse = new Quaternion();
  #v = new Vector3();

  constructor(svg: SVGSVGElement) {
    this.#svg = svg;
  }

  /** Turns the gizmo to the camera's orientation. */
  sync(camera: Quaternion) {
    if (this.#shown?.equals(camera)) return;
    (this.#shown ??= new Quaternion()).copy(camera);
    const inv = this.#inverse.copy(camera).invert();
    for (const [axis, vec] of [
      ["x", [1, 0, 0]],
      ["y", [0, 1, 0]],
      ["z", [0, 0, 1]],
    ] as const) {
      const v = this.#v.set(vec[0], vec[1], vec[2]).applyQuaternion(inv);
      const line = this.#svg.querySelector<SVGLineElement>(`line.${axis}`);
      const label = this.#svg.querySelector<SVGTextElement>(`text.${axis}`);
      const x = CENTRE + v.x * LENGTH;
      const y = CENTRE - v.y * LENGTH;
      line?.setAttribute("x2", x.toFixed(1));
      line?.setAttribute("y2", y.toFixed(1));
      line?.setAttribute("opacity", v.z < -0.2 ? "0.55" : "1");
      label?.setAttribute("x", (CENTRE + v.x * (LENGTH + 7)).toFixed(1));
      label?.setAttribute("y", (CENTRE - v.y * (LENGTH + 7) + 3).toFixed(1));
    }
  }
}
