// Benchmark of the 3D pose preview (prints figures; not a test). `mayalink mosketch-sim`
// streams a character at 120 Hz to the engine (`mayalink serve`), which forwards the poses
// over the WebSocket into the real UI in headless Chromium (software WebGL: SwiftShader, as
// the harness disables the GPU) for ~10 s, and reports:
//   - frame time: the interval between consecutive browser frames (a measuring rAF loop), p50/p95/p99
//   - preview frames: the interval between frames the preview rendered, and the work per rendered
//     frame (world-transform pass + vertex update + three.js render), p50/p95/p99
//   - draw calls per frame (renderer.info.render.calls), triangles, frames/s received and drawn
// Goal: 200 joints at 120 Hz with p95 frame time ≤ 16.7 ms: the simulator's creature (200
// joints) by default; also --character humanoid (65) or fish (14).
// Usage: npm run build && node tests/browser/bench-preview.mjs
//   [--seconds 10] [--width 1280 --height 800] [--character creature|humanoid|fish] [--rate 120] [--baseline 5]
//   [--tab joints|link] (the pose monitor's tab while measuring: the live joint table, or not)
// The baseline (first, same run): the app's frames with nothing streaming, for how loaded the machine is.
import { openApp } from "./harness.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const seconds = Number(arg("seconds", "10"));
const width = Number(arg("width", "1280"));
const height = Number(arg("height", "800"));
const character = arg("character", "creature");
/** Which tab of the pose monitor is open while measuring: "joints" (the live joint table) or "link". */
const tab = arg("tab", "joints");
const rate = Number(arg("rate", "120"));

const pct = (values, p) => {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (v) => (Number.isFinite(v) ? v.toFixed(2).padStart(7) : "     —");
const row = (label, values) =>
  console.log(`${label.padEnd(34)} p50 ${fmt(pct(values, 50))}  p95 ${fmt(pct(values, 95))}  p99 ${fmt(pct(values, 99))}  max ${fmt(Math.max(...values))} ms  (n=${values.length})`);

const baselineSeconds = Number(arg("baseline", "5"));

/** Every browser frame's interval for `ms` (a passive rAF loop: it draws nothing). */
const measureFrames = (page, ms) =>
  page.evaluate(
    (ms) =>
      new Promise((resolve) => {
        const deltas = [];
        let last = performance.now();
        const end = last + ms;
        const tick = (now) => {
          deltas.push(now - last);
          last = now;
          if (now < end) requestAnimationFrame(tick);
          else resolve(deltas);
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );

const app = await openApp({ context: { viewport: { width, height } } });
try {
  const { page } = app;
  // Baseline in the same run (the machine is shared): the same page with nothing streaming.
  await page.waitForTimeout(1000);
  const idleFrames = baselineSeconds > 0 ? await measureFrames(page, baselineSeconds * 1000) : [];
  const sim = await app.mosketchSim({ character, rate });
  await page.getByTestId("mosketch-address").fill(sim.address);
  await page.getByTestId("mosketch-connect").click();
  await page.waitForSelector('[data-testid="mosketch-state"][data-state="streaming"]', { timeout: 15_000 });
  await page.waitForFunction(() => (window.__mayalinkPreview?.info().joints ?? 0) > 0, null, { timeout: 15_000 });
  await page.getByTestId(`tab-${tab}`).click();
  await page.waitForTimeout(1500); // warm up: shaders compiled, frames/s window filled
  const canvas = await page.getByTestId("preview-canvas").boundingBox();
  const before = await page.evaluate(() => window.__mayalinkPreview.info());
  await page.evaluate(() => window.__mayalinkPreview.resetFrameTimes());

  // Measure every browser frame for `seconds` (a passive rAF loop: it draws nothing).
  const browserFrames = await measureFrames(page, seconds * 1000);
  const after = await page.evaluate(() => window.__mayalinkPreview.info());
  const times = await page.evaluate(() => window.__mayalinkPreview.frameTimes());
  const stats = await page.evaluate(() => ({
    fps: document.querySelector('[data-testid="mosketch-fps"]')?.textContent,
    ack: document.querySelector('[data-testid="mosketch-ack-latency"]')?.textContent,
  }));
  const gl = await page.evaluate(() => {
    const c = document.createElement("canvas").getContext("webgl2");
    const ext = c?.getExtension("WEBGL_debug_renderer_info");
    return ext ? c.getParameter(ext.UNMASKED_RENDERER_WEBGL) : (c?.getParameter(c.RENDERER) ?? "unknown");
  });

  console.log(`Preview benchmark — ${after.joints} joints (mosketch-sim --character ${character} --rate ${rate}), the monitor's ${tab} tab open, for ${seconds} s`);
  console.log(`Chromium headless, ${width}×${height} window, preview canvas ${Math.round(canvas.width)}×${Math.round(canvas.height)} px, WebGL: ${gl}`);
  console.log("");
  if (idleFrames.length > 1) row(`baseline: nothing streaming (${baselineSeconds} s)`, idleFrames.slice(1));
  row("browser frame time (all frames)", browserFrames.slice(1));
  row("preview: interval between renders", times.intervals);
  row("preview: work per rendered frame", times.work);
  console.log("");
  const renders = after.renders - before.renders;
  const frames = after.frame - before.frame;
  console.log(`draw calls per frame: ${after.drawCalls} (grid + bones + joints), triangles: ${after.triangles}`);
  const poses = after.poses - before.poses;
  console.log(`stream frames received: ${frames} (${(frames / seconds).toFixed(1)}/s; monitor shows ${stats.fps} frames/s, ack ${stats.ack})`);
  console.log(`poses delivered to the UI: ${poses} (${(poses / seconds).toFixed(1)}/s; at most one per 16 ms, newest only)`);
  console.log(`preview renders: ${renders} (${(renders / seconds).toFixed(1)}/s) — at most one per browser frame, newest pose only`);
  const all = browserFrames.slice(1);
  const p95 = pct(all, 95);
  const late = all.filter((d) => d > 16.7 * 1.5).length;
  const idle = idleFrames.slice(1);
  const idleLate = idle.filter((d) => d > 16.7 * 1.5).length;
  console.log(`browser frames longer than 1.5 vsync (dropped): ${late} of ${all.length} (${((100 * late) / all.length).toFixed(1)} %)` + (idle.length ? `; baseline ${idleLate} of ${idle.length} (${((100 * idleLate) / idle.length).toFixed(1)} %)` : ""));
  // rAF timestamps sit on the 60 Hz vsync grid (16.7 ms ± ~0.1 ms of timer jitter).
  console.log(`goal p95 frame time < 16.7 ms (one 60 Hz vsync): ${p95 <= 16.7 + 0.5 ? "met" : "NOT met"} — p95 ${p95.toFixed(2)} ms, p95 preview work ${pct(times.work, 95).toFixed(2)} ms`);
  if (app.errors.length) console.log("page errors:", app.errors.map(String));
} finally {
  await app.close();
}
