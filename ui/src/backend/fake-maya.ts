// A simulated workspace of Mayas for the fake backend: sessions you add, connect (with
// latency), run Python or MEL in (echo, printed output, results, warnings, errors with a
// traceback, busy while a `time.sleep(n)` runs, cancel), clean up and remove; discovery;
// per-session history; and the demo. Deterministic: the same steps give the same lines.
// Addresses on port 1–1023 (e.g. ":1") are unreachable, with the engine's message; port
// 7010 is a Maya that drops the first connection and comes back after a 3 s reconnect countdown.
import type { AppError } from "../bindings/AppError";
import type { CleanupReport } from "../bindings/CleanupReport";
import type { ConsoleHistory } from "../bindings/ConsoleHistory";
import type { ConsoleLine } from "../bindings/ConsoleLine";
import type { DiscoveredMaya } from "../bindings/DiscoveredMaya";
import type { Language } from "../bindings/Language";
import type { LineKind } from "../bindings/LineKind";
import type { MayaInfo } from "../bindings/MayaInfo";
import type { RunOptions } from "../bindings/RunOptions";
import type { RunOutcome } from "../bindings/RunOutcome";
import type { RunResult } from "../bindings/RunResult";
import type { SessionSpec } from "../bindings/SessionSpec";
import type { SessionState } from "../bindings/SessionState";
import type { SessionView } from "../bindings/SessionView";
import { simulateMel, simulatePython, type PyValue, type SimScene } from "./fake-python";

export const DEMO_SESSION_NAME = "Demo Maya (simulated)";
export const FAKE_CONNECT_MS = 300;
/** The flaky Maya on port 7010 reconnects after this long. */
export const FAKE_RECONNECT_MS = 3000;

export const FAKE_DISCOVERED: readonly DiscoveredMaya[] = [
  { pid: 48213, processName: "maya.bin", host: "127.0.0.1", port: 7001, address: "127.0.0.1:7001" },
  { pid: 51877, processName: "maya.bin", host: "127.0.0.1", port: 7002, address: "127.0.0.1:7002" },
];

const JOINTS = ["Hips", "Spine", "Spine1", "Spine2", "Neck", "Head", "LeftUpLeg", "LeftLeg", "LeftFoot", "RightUpLeg", "RightLeg", "RightFoot"];

interface SimSession {
  id: string;
  spec: SessionSpec;
  demo: boolean;
  display: string;
  port: number | null;
  state: SessionState;
  info: MayaInfo | null;
  lastError: AppError | null;
  vars: Map<string, PyValue>;
  scene: SimScene;
  history: ConsoleLine[];
  /** Generation of the current connection (a clean-up or remove ends it). */
  generation: number;
  /** Connections made so far (the flaky Maya drops its first). */
  connects: number;
  /** The caller's wait for the run in flight. */
  waiting: { reject: (e: AppError) => void } | null;
  runTimers: Array<ReturnType<typeof setTimeout>>;
}

export interface FakeMayaOptions {
  latencyMs: number;
  now: () => number;
  /** Delivers lines to every console subscriber. */
  publish: (lines: ConsoleLine[]) => void;
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The engine's address rules: ":7001", "7001", "host:7001", "[::1]:7001", "/path", "unix:/path". */
export function parseFakeAddress(text: string): { display: string; port: number | null } {
  const t = text.trim();
  const bad = (): AppError => ({
    code: "invalid_input",
    message: `"${t}" is not a Maya address: use host:port (e.g. localhost:7001 or :7001) or a Unix socket path`,
  });
  if (t === "") throw bad();
  if (t.startsWith("/") || t.startsWith("unix:")) return { display: t.replace(/^unix:/, ""), port: null };
  if (/^\d+$/.test(t)) {
    const port = Number(t);
    if (port < 1 || port > 65535) throw bad();
    return { display: `127.0.0.1:${port}`, port };
  }
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(t);
  if (!m) throw bad();
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw bad();
  const host = m[1] ?? (m[2] || "127.0.0.1");
  return { display: host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`, port };
}

export class FakeMaya {
  #opts: FakeMayaOptions;
  #sessions = new Map<string, SimSession>();
  #order: string[] = [];
  #active: string | null = null;
  #listeners = new Set<(list: SessionView[]) => void>();
  #notifyTimer: ReturnType<typeof setTimeout> | null = null;
  #nextId = 1;

  constructor(opts: FakeMayaOptions) {
    this.#opts = opts;
  }

  #delay(ms = this.#opts.latencyMs): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  #line(session: string, kind: LineKind, text: string): ConsoleLine {
    return { session, kind, text, timeMs: this.#opts.now() };
  }

  /** Publishes lines of a session (kept in its history too). */
  emit(id: string, lines: Array<[LineKind, string]>): void {
    if (lines.length === 0) return;
    const s = this.#sessions.get(id);
    const base = s?.history.length ?? 0;
    // Numbered like the engine's: a line's place in its session's history.
    const out = lines.map(([k, t], i) => ({ ...this.#line(id, k, t), ...(s && { line: base + i }) }));
    s?.history.push(...out);
    this.#opts.publish(out);
  }

  #notice(id: string, text: string): void {
    this.emit(id, [["notice", text]]);
  }

  #get(id: string): SimSession {
    const s = this.#sessions.get(id);
    if (!s) throw { code: "invalid_input", message: `no Maya session "${id}" (it may have been removed)` } satisfies AppError;
    return s;
  }

  #view(s: SimSession): SessionView {
    return {
      id: s.id,
      spec: { ...s.spec },
      demo: s.demo,
      active: this.#active === s.id,
      status: {
        id: s.id,
        name: s.spec.name,
        address: s.display,
        state: { ...s.state },
        info: s.info ? { ...s.info } : null,
        alive: s.info !== null,
        holdingPort: s.state.state === "busy",
        lastError: s.lastError ? { ...s.lastError } : null,
      } as SessionView["status"],
    };
  }

  list(): SessionView[] {
    return this.#order.map((id) => this.#view(this.#sessions.get(id) as SimSession));
  }

  #changed(): void {
    if (this.#notifyTimer !== null) return;
    this.#notifyTimer = setTimeout(() => {
      this.#notifyTimer = null;
      const list = this.list();
      for (const l of this.#listeners) l(copy(list));
    }, 16);
  }

  #setState(s: SimSession, state: SessionState): void {
    s.state = state;
    this.#changed();
  }

  async subscribe(onUpdate: (list: SessionView[]) => void): Promise<() => void> {
    await this.#delay();
    let live = true;
    const deliver = (list: SessionView[]) => {
      if (live) onUpdate(list);
    };
    this.#listeners.add(deliver);
    deliver(copy(this.list()));
    return () => {
      live = false;
      this.#listeners.delete(deliver);
    };
  }

  #insert(spec: SessionSpec, demo: boolean): SimSession {
    const parsed = demo ? { display: "built-in (simulated)", port: null } : parseFakeAddress(spec.address);
    const name = spec.name.trim() === "" ? parsed.display : spec.name.trim();
    const id = demo ? `demo-maya-${this.#nextId++}` : `maya-${String(this.#nextId++).padStart(4, "0")}`;
    const s: SimSession = {
      id,
      spec: { ...spec, name },
      demo,
      display: parsed.display,
      port: parsed.port,
      state: { state: "disconnected" },
      info: null,
      lastError: null,
      vars: new Map(),
      scene: { joints: JOINTS.slice(), scene: "", version: "2025" },
      history: [],
      generation: 0,
      connects: 0,
      waiting: null,
      runTimers: [],
    };
    if (parsed.port === 7001 || demo) s.scene.scene = "/projects/shot_010/anim/walk_cycle_v012.ma";
    if (parsed.port === 7002) s.scene.version = "2024";
    this.#sessions.set(id, s);
    this.#order.push(id);
    if (this.#active === null) this.#active = id;
    this.#changed();
    return s;
  }

  async add(spec: SessionSpec): Promise<SessionView> {
    await this.#delay();
    return copy(this.#view(this.#insert(spec, false)));
  }

  async update(id: string, spec: SessionSpec): Promise<SessionView> {
    await this.#delay();
    const s = this.#get(id);
    if (!s.demo && spec.address !== s.spec.address) {
      const parsed = parseFakeAddress(spec.address);
      this.#endConnection(s);
      s.display = parsed.display;
      s.port = parsed.port;
      s.state = { state: "disconnected" };
      s.info = null;
      s.lastError = null;
    }
    s.spec = { ...spec, name: spec.name.trim() === "" ? s.display : spec.name.trim() };
    this.#changed();
    return copy(this.#view(s));
  }

  #endConnection(s: SimSession): void {
    s.generation++;
    for (const t of s.runTimers) clearTimeout(t);
    s.runTimers = [];
    s.waiting?.reject({ code: "cancelled", message: "this Maya session was closed" });
    s.waiting = null;
  }

  async remove(id: string): Promise<void> {
    await this.#delay();
    const s = this.#get(id);
    this.#endConnection(s);
    this.#sessions.delete(id);
    this.#order = this.#order.filter((x) => x !== id);
    if (this.#active === id) this.#active = this.#order[0] ?? null;
    this.#changed();
  }

  async setActive(id: string): Promise<void> {
    await this.#delay(Math.min(this.#opts.latencyMs, 30));
    this.#get(id);
    this.#active = id;
    this.#changed();
  }

  #unreachable(s: SimSession): AppError {
    const port = s.port ?? 7001;
    return {
      code: "unreachable",
      message: `Maya is not reachable at ${s.display} (Connection refused (os error 111)). In Maya's Script Editor (Python tab), open the port with: cmds.commandPort(name=":${port}", sourceType="python")`,
    };
  }

  async connect(id: string): Promise<MayaInfo> {
    const s = this.#get(id);
    if (s.info && (s.state.state === "connected" || s.state.state === "busy")) return copy(s.info);
    const generation = ++s.generation;
    this.#setState(s, { state: "connecting" });
    await this.#delay(FAKE_CONNECT_MS);
    if (s.generation !== generation || !this.#sessions.has(id)) {
      throw { code: "cancelled", message: "connection attempt abandoned" } satisfies AppError;
    }
    s.connects++;
    if (s.port !== null && s.port < 1024) {
      const error = this.#unreachable(s);
      s.lastError = error;
      s.info = null;
      this.#setState(s, { state: "lost", reason: error.message });
      throw copy(error);
    }
    const info: MayaInfo = {
      portKind: s.port === 7002 ? "mel" : "python",
      mayaVersion: s.scene.version,
      pythonVersion: s.scene.version === "2024" ? "3.10.8" : "3.11.4",
      pid: s.demo ? 40000 + (Number(/\d+$/.exec(s.id)?.[0]) || 1) : s.port === null ? 50123 : 40000 + (s.port % 10000),
      scene: s.scene.scene,
      user: "artist",
      helperVersion: "0.1.0",
      label: s.demo ? DEMO_SESSION_NAME : null,
    };
    s.info = info;
    s.lastError = null;
    this.#setState(s, { state: "connected" });
    if (s.port === 7010 && s.connects === 1) this.#dropLater(s, generation);
    this.#notice(
      id,
      `${s.connects > 1 && s.port === 7010 ? "Reconnected to" : "Connected to"} Maya ${info.mayaVersion} at ${s.display} (${info.portKind === "python" ? "Python" : "MEL"} port, pid ${info.pid}, scene ${info.scene || "untitled"}).`,
    );
    return copy(info);
  }

  /** The flaky Maya: drops the connection a second after connecting, then reconnects. */
  #dropLater(s: SimSession, generation: number): void {
    setTimeout(() => {
      if (s.generation !== generation || !this.#sessions.has(s.id)) return;
      s.info = null;
      s.lastError = { code: "unreachable", message: `Lost the connection to Maya at ${s.display}: Connection reset by peer (os error 104)` };
      this.#notice(s.id, "Maya stopped answering (no heartbeat): reconnecting…");
      this.#setState(s, { state: "reconnecting", inMs: FAKE_RECONNECT_MS, attempt: 1 });
      setTimeout(() => {
        if (s.generation === generation) void this.connect(s.id).catch(() => {});
      }, FAKE_RECONNECT_MS);
    }, 1000);
  }

  async cleanup(id: string): Promise<CleanupReport> {
    await this.#delay();
    const s = this.#get(id);
    const had = s.info !== null;
    this.#endConnection(s);
    s.info = null;
    this.#setState(s, { state: "disconnected" });
    if (had) this.#notice(id, "Cleaned up: Mayalink's callback removed from Maya.");
    return { callbackRemoved: had, mayaGone: false };
  }

  async run(id: string, code: string, lang: Language, options?: RunOptions): Promise<RunResult> {
    const s = this.#get(id);
    if (!s.info) await this.connect(id);
    if (s.state.state === "busy") {
      throw { code: "timeout", message: `Maya at ${s.display} is still running the previous code: wait for it, or cancel it.` } satisfies AppError;
    }
    await this.#delay(Math.min(this.#opts.latencyMs, 20));
    const generation = s.generation;
    // The engine echoes what runs (20 lines at most).
    const lines = code.split("\n");
    const echo: Array<[LineKind, string]> = lines.slice(0, 20).map((l) => ["echo", l]);
    if (lines.length > 20) echo.push(["echo", `… (${lines.length - 20} more lines)`]);
    this.emit(id, echo);
    const started = this.#opts.now();
    this.#setState(s, { state: "busy", sinceMs: started });
    const outcome =
      lang === "mel"
        ? simulateMel(code, s.vars, s.scene)
        : simulatePython(code, s.vars, s.scene, options?.fileName ?? "<mayalink>");
    return new Promise<RunResult>((resolve, reject) => {
      s.waiting = { reject };
      let at = 0;
      const groups = new Map<number, Array<[LineKind, string]>>();
      for (const e of outcome.events) {
        const g = groups.get(e.atMs) ?? [];
        g.push([e.kind, e.text]);
        groups.set(e.atMs, g);
      }
      for (const [atMs, group] of groups) {
        at = Math.max(at, atMs);
        s.runTimers.push(
          setTimeout(() => {
            if (s.generation === generation) this.emit(id, group);
          }, atMs),
        );
      }
      s.runTimers.push(
        setTimeout(() => {
          if (s.generation !== generation) return;
          s.runTimers = [];
          const result: RunResult = {
            ok: outcome.error === null,
            value: outcome.value,
            error: outcome.error,
            duration: outcome.durationMs / 1000,
            roundTrip: (outcome.durationMs + 4) / 1000,
          };
          if (outcome.error) this.emit(id, [["error", `# Error: ${outcome.error.type}: ${outcome.error.message.split("\n").pop()}`]]);
          else if (outcome.value !== null) this.emit(id, [["result", `# Result: ${outcome.value}`]]);
          this.#setState(s, { state: "connected" });
          const waiting = s.waiting;
          s.waiting = null;
          if (waiting) resolve(copy(result));
        }, Math.max(at + 1, outcome.durationMs)),
      );
    });
  }

  async runAll(code: string, lang: Language, options?: RunOptions): Promise<RunOutcome[]> {
    const ids = this.#order.filter((id) => this.#sessions.get(id)?.info !== null);
    return Promise.all(
      ids.map((id) =>
        this.run(id, code, lang, options).then(
          (result): RunOutcome => ({ session: id, result, error: null }),
          (error: AppError): RunOutcome => ({ session: id, result: null, error }),
        ),
      ),
    );
  }

  async cancel(id: string): Promise<void> {
    await this.#delay(Math.min(this.#opts.latencyMs, 20));
    const s = this.#get(id);
    const waiting = s.waiting;
    s.waiting = null;
    waiting?.reject({
      code: "cancelled",
      message: "Stopped waiting for this run. Maya cannot be interrupted from outside: it finishes the code, and its output still appears here.",
    });
  }

  async discover(): Promise<DiscoveredMaya[]> {
    await this.#delay(this.#opts.latencyMs * 3);
    return copy(FAKE_DISCOVERED as DiscoveredMaya[]);
  }

  async history(session: string, from: number, max: number): Promise<ConsoleHistory> {
    await this.#delay();
    const lines = this.#sessions.get(session)?.history ?? [];
    const first = Math.max(0, from);
    return { lines: copy(lines.slice(first, first + max)), first, total: lines.length };
  }

  async startDemo(): Promise<void> {
    await this.#delay();
    let demo = [...this.#sessions.values()].find((s) => s.demo);
    if (!demo) {
      this.#opts.publish([this.#line("app", "notice", "Demo mode: starting Demo Maya (simulated)…")]);
      demo = this.#insert({ name: DEMO_SESSION_NAME, address: "demo", color: "#c39bff", autoConnect: false }, true);
    }
    this.#active = demo.id;
    this.#changed();
    await this.connect(demo.id);
    const id = demo.id;
    demo.vars.set("cmds", "<module cmds>");
    this.emit(id, [
      ["info", `Scene: ${demo.scene.scene} (${JOINTS.length} joints)`],
      ["history", "select -r Hips ;"],
      ["history", 'setKeyframe -breakdown 0 -hierarchy none -controlPoints 0 -shape 0 {"Hips"};'],
      ["warning", "Warning: Hips.rotateX is locked; 2 keys were skipped."],
      ["notice", "Try the editor: write Python or MEL and press Ctrl+Enter to run it here."],
    ]);
  }
}
