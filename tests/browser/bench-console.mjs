// Console benchmark (not a test: it prints figures). The real path end to end: an emulated
// Maya (tests/emulators/maya_emulator.py) runs Python that prints; Mayalink's helper sends
// the output over UDP into the engine (`mayalink serve`), whose console stream carries it
// over the WebSocket into the UI in headless Chromium. First a 1,000,000-line history, then
// 10,000 lines a second for 10 s while the console follows the newest line, then a scroll
// through the history while lines keep arriving, then a search of everything. Reports frame
// times (p50/p95/p99/max, goal p95 ≤ 16.7 ms), long tasks, lines that arrived, JS heap, and
// how many rows the DOM holds. Needs `npm run build` and target/debug/mayalink.
//
//   node tests/browser/bench-console.mjs [--seconds 10] [--rate 10000] [--history 1000000]
//                                        [--fill-rate 100000]
import { addSession, openApp, setEditorText } from "./harness.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg("seconds", 10);
const RATE = arg("rate", 10_000);
const HISTORY = arg("history", 1_000_000);
/** How fast the emulated Maya prints the history (lines/s): UDP drops what a full buffer can't hold. */
const FILL_RATE = arg("fill-rate", 100_000);

const VSYNC = 1000 / 60;
/** Frame intervals are measured between requestAnimationFrame callbacks, so they can't go
 * below one vsync; allow for timer jitter when comparing with the 16.7 ms goal. */
const JITTER = 0.5;
const stats = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  // rAF intervals come in whole vsyncs (16.7 ms at 60 Hz): a longer one means dropped frames.
  const dropped = s.reduce((n, d) => n + Math.max(0, Math.round(d / VSYNC) - 1), 0);
  return { frames: s.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s.at(-1) ?? 0, dropped };
};
const ms = (v) => `${v.toFixed(1)} ms`;
const mb = (v) => `${(v / 1024 / 1024).toFixed(0)} MB`;
const n = (v) => v.toLocaleString("en-US");

/**
 * Python for the emulated Maya: prints lines `first`…`first+count-1` at `rate` lines a second,
 * `per` lines to a write (one output message, one datagram: under the helper's 4 KB fast path).
 */
function printer(first, count, rate, per = 60) {
  return [
    "import sys, time",
    `first, count, rate, per = ${first}, ${count}, ${rate}, ${per}`,
    "t0 = time.perf_counter()",
    "i = first",
    "end = first + count",
    "while i < end:",
    "    due = first + int((time.perf_counter() - t0) * rate) + per",
    "    if i >= due:",
    "        time.sleep(0.002)",
    "        continue",
    "    stop = min(end, due)",
    "    while i < stop:",
    "        k = min(stop, i + per)",
    '        sys.stdout.write("".join("# frame %d: ctrl_Spine%d.rotateY = %.3f — keyed on layer BaseAnimation\\n" % (j, j % 7, (j * 0.37) % 360) for j in range(i, k)))',
    "        i = k",
  ].join("\n");
}

/** Records rAF frame intervals and long tasks in the page until stopped. */
function startFrameRecorder(page) {
  return page.evaluate(() => {
    const rec = { deltas: [], longTasks: 0, longest: 0, running: true };
    window.__benchRec = rec;
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          rec.longTasks++;
          rec.longest = Math.max(rec.longest, e.duration);
        }
      }).observe({ type: "longtask", buffered: false });
    } catch {
      /* no long task API */
    }
    let last = performance.now();
    const tick = (t) => {
      rec.deltas.push(t - last);
      last = t;
      if (rec.running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}
function stopFrameRecorder(page) {
  return page.evaluate(() => {
    const rec = window.__benchRec;
    rec.running = false;
    return { deltas: rec.deltas.slice(1), longTasks: rec.longTasks, longest: rec.longest };
  });
}

async function heap(cdp) {
  await cdp.send("HeapProfiler.collectGarbage").catch(() => {});
  const { metrics } = await cdp.send("Performance.getMetrics");
  const get = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { used: get("JSHeapUsedSize"), total: get("JSHeapTotalSize"), nodes: get("Nodes") };
}

const sizes = (page) => page.evaluate(() => window.__mayalinkBench.sizes());
const busy = (page) => page.evaluate(() => !!document.querySelector('[data-testid="session-card"][data-state="busy"]'));
/** Runs `code` in the active session from the editor (Ctrl+Enter). */
async function run(page, code) {
  await setEditorText(page, code);
  await page.locator(".cm-content").focus();
  await page.keyboard.press("Control+Enter");
  await page.waitForSelector('[data-testid="session-card"][data-state="busy"]', { timeout: 5000 }).catch(() => {});
}
/** Waits until the run is over and the console holds `target` lines, or nothing has arrived
 * for `stallMs` (lines lost on the way), or `timeoutMs` passed. Resolves to the lines held. */
async function settle(page, target, timeoutMs, stallMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const held = (await sizes(page)).held;
    const running = await busy(page);
    if (held >= target && !running) return held;
    if (held !== last || running) lastChange = Date.now();
    if (Date.now() - lastChange > stallMs || Date.now() > deadline) return held;
    last = held;
    await page.waitForTimeout(250);
  }
}

const app = await openApp({
  chromiumArgs: ["--disable-background-timer-throttling", "--disable-renderer-backgrounding"],
});
try {
  const { page, context } = app;
  await page.waitForFunction(() => !!window.__mayalinkBench && !!window.__mayalink, null, { timeout: 15_000 });
  const maya = await app.maya({ sourceType: "python", version: 2025 });
  await addSession(page, { address: maya.address, name: "Bench Maya" });
  await page.getByTestId("console-scope").selectOption("active").catch(() => {});
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  // The WebSocket messages the page receives (count, bytes, largest): how the engine batches.
  await cdp.send("Network.enable");
  const ws = {
    frames: 0,
    bytes: 0,
    largest: 0,
    take() {
      const out = { frames: this.frames, bytes: this.bytes, largest: this.largest };
      this.frames = this.bytes = this.largest = 0;
      return out;
    },
  };
  cdp.on("Network.webSocketFrameReceived", (e) => {
    const size = e.response.payloadData.length;
    ws.frames++;
    ws.bytes += size;
    ws.largest = Math.max(ws.largest, size);
  });
  const before = await heap(cdp);

  // Baseline in the same run (the machine is shared): the same page with nothing arriving.
  await startFrameRecorder(page);
  await page.waitForTimeout(3000);
  const idle = await stopFrameRecorder(page);

  // The history: HISTORY lines printed in Maya at FILL_RATE lines/s.
  const start = (await sizes(page)).held;
  const t0 = Date.now();
  await startFrameRecorder(page);
  await run(page, printer(0, HISTORY, FILL_RATE));
  const afterFillHeld = await settle(page, start + HISTORY, 180_000 + (HISTORY / FILL_RATE) * 2000, 30_000);
  const fillWs = ws.take();
  const filling = await stopFrameRecorder(page);
  const fillMs = Date.now() - t0;
  await page.waitForTimeout(500);
  const afterFill = await heap(cdp);

  // Phase 1: RATE lines/s for SECONDS while following the newest line.
  const beforeStream = (await sizes(page)).held;
  await run(page, printer(HISTORY, RATE * SECONDS, RATE));
  await startFrameRecorder(page);
  await page.waitForTimeout(SECONDS * 1000);
  const follow = await stopFrameRecorder(page);
  const streamedHeld = await settle(page, beforeStream + RATE * SECONDS, 30_000);
  const streamWs = ws.take();
  const afterStream = await heap(cdp);
  const endSizes = await sizes(page);
  const following = await page.evaluate(() => {
    const el = document.querySelector('[data-testid="console-lines"]');
    return el.scrollHeight - el.scrollTop - el.clientHeight < 4;
  });

  // Phase 2: scroll up through the history with the wheel while lines keep arriving.
  const box = await page.getByTestId("console-lines").boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await run(page, printer(HISTORY + RATE * SECONDS, RATE * 3, RATE));
  await startFrameRecorder(page);
  const scrollEnd = Date.now() + 3000;
  while (Date.now() < scrollEnd) {
    await page.mouse.wheel(0, -600);
    await page.waitForTimeout(16);
  }
  const scroll = await stopFrameRecorder(page);
  const scrolledUp = await page.evaluate(() => !!document.querySelector('[data-testid="console-jump-latest"]'));
  await settle(page, 0, 30_000, 2000);

  // Phase 3: search the whole history (time-sliced) for a text one line has.
  await startFrameRecorder(page);
  const tSearch = Date.now();
  await page.getByTestId("console-search").fill("frame 777777:");
  let searchMs = null;
  try {
    await page.waitForFunction(() => /of 1$|^1 found$/.test(document.querySelector('[data-testid="console-search-count"]').textContent.trim()), null, { timeout: 60_000 });
    searchMs = Date.now() - tSearch;
  } catch {
    /* reported below */
  }
  const search = await stopFrameRecorder(page);
  const final = await sizes(page);

  const b = stats(idle.deltas);
  const f = stats(follow.deltas);
  const s = stats(scroll.deltas);
  const q = stats(search.deltas);
  const streamed = streamedHeld - beforeStream;
  console.log("Mayalink console benchmark (Chromium headless; emulated Maya → UDP → mayalink serve → WebSocket → UI)");
  console.log(`  history: ${n(afterFillHeld - start)} of ${n(HISTORY)} lines printed in Maya at ${n(FILL_RATE)}/s arrived in ${fillMs} ms`);
  const fl = stats(filling.deltas);
  console.log(`  frames while the history arrives: ${fl.frames} — p95 ${ms(fl.p95)}, max ${ms(fl.max)}; long tasks ${filling.longTasks} (longest ${ms(filling.longest)})`);
  const wsLine = (w) => `${n(w.frames)} messages, ${(w.bytes / 1e6).toFixed(1)} MB, largest ${(w.largest / 1e6).toFixed(2)} MB`;
  console.log(`  WebSocket while filling: ${wsLine(fillWs)}; while streaming: ${wsLine(streamWs)}`);
  console.log(`  streamed: ${n(streamed)} of ${n(RATE * SECONDS)} lines in ${SECONDS} s (${n(RATE)}/s), following the newest: ${following}`);
  console.log(`  held after streaming: ${n(endSizes.held)} lines; rows in the DOM: ${endSizes.domRows}; held at the end: ${n(final.held)}`);
  console.log(`  baseline, nothing arriving (3 s): ${b.frames} frames — p50 ${ms(b.p50)}, p95 ${ms(b.p95)}, max ${ms(b.max)}, dropped ${b.dropped}`);
  console.log(
    `  frames while streaming: ${f.frames} — p50 ${ms(f.p50)}, p95 ${ms(f.p95)}, p99 ${ms(f.p99)}, max ${ms(f.max)}; dropped frames ${f.dropped}; long tasks ${follow.longTasks} (longest ${ms(follow.longest)})`,
  );
  console.log(`  frames while scrolling + streaming: ${s.frames} — p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, max ${ms(s.max)}, dropped ${s.dropped}; scrolled away from the end: ${scrolledUp}`);
  console.log(`  search of ${n(final.held)} lines: ${searchMs === null ? "no single match within 60 s" : `${searchMs} ms`}, frames p95 ${ms(q.p95)}, max ${ms(q.max)}`);
  console.log(
    `  JS heap: ${mb(before.used)} empty → ${mb(afterFill.used)} with the history → ${mb(afterStream.used)} after streaming (DOM nodes ${afterStream.nodes})`,
  );
  console.log(
    `  goal p95 ≤ 16.7 ms while streaming: ${f.p95 <= VSYNC + JITTER ? "met" : "NOT met"} (p95 ${ms(f.p95)}; rAF intervals are whole vsyncs, 16.7 ms = no frame dropped)`,
  );
  if (app.errors.length) console.log(`  page errors: ${app.errors.map(String).join("; ")}`);
} finally {
  await app.close();
}
