// How each console line kind looks: its CSS class (colours live in console.css as
// theme-aware variables), a short label for the gutter and screen readers, and a marker.
import type { LineKind } from "../bindings/LineKind";

export interface LineKindStyle {
  className: string;
  label: string;
  /** Symbol drawn in the gutter ("" for plain output). */
  marker: string;
}

/** A Record, so a new kind in the bindings fails type-checking until it has a style. */
export const LINE_KIND_STYLES: Record<LineKind, LineKindStyle> = {
  output: { className: "line-output", label: "Output", marker: "" },
  history: { className: "line-history", label: "History", marker: "·" },
  info: { className: "line-info", label: "Info", marker: "i" },
  warning: { className: "line-warning", label: "Warning", marker: "!" },
  error: { className: "line-error", label: "Error", marker: "✕" },
  result: { className: "line-result", label: "Result", marker: "=" },
  stack_trace: { className: "line-stack-trace", label: "Stack trace", marker: "│" },
  echo: { className: "line-echo", label: "Ran", marker: "›" },
  notice: { className: "line-notice", label: "Mayalink", marker: "◆" },
};

export const LINE_KINDS = Object.keys(LINE_KIND_STYLES) as LineKind[];

/** Style of a kind; kinds this build does not know yet (a newer engine) look like output. */
export function lineKindStyle(kind: string): LineKindStyle {
  return Object.hasOwn(LINE_KIND_STYLES, kind) ? LINE_KIND_STYLES[kind as LineKind] : LINE_KIND_STYLES.output;
}

/** "14:03:07.250" in local time. */
export function formatLineTime(timeMs: number): string {
  const d = new Date(timeMs);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
