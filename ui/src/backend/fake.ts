// The Backend in plain browser JS, so the UI runs (and is tested) in Chromium with no Rust.
// Deterministic: the same doctor report, the app's start-up lines, simulated Mayas
// (./fake-maya.ts) and in-memory files (./fake-files.ts), with simulated IPC latency.
// Options can be set from the page URL (see `fakeOptionsFromQuery`) so browser tests can
// reach error states and start from a scenario.
import type {
  AppError,
  Backend,
  ConsoleBatchHandler,
  ConsoleLine,
  DoctorReport,
  LineKind,
  Unsubscribe,
} from "./backend";
import { FakeMaya } from "./fake-maya";
import { FakeFiles, type FakeControls, type FakeScenario, runFakeScenario } from "./fake-files";
import { FakeMosketch, type FakeMosketchSettings, fakeMosketchFromQuery } from "./fake-mosketch";

export const FAKE_DOCTOR_REPORT: DoctorReport = {
  appVersion: "0.1.0",
  engineVersion: "0.1.0",
  os: "linux",
  arch: "x86_64",
  logDir: "/home/artist/.local/share/mayalink/logs",
  ports: [
    { port: 7001, proto: "tcp", purpose: "Maya commandPort (Python, the usual choice)", free: false },
    { port: 7002, proto: "tcp", purpose: "Maya commandPort (MEL, the usual choice)", free: true },
    { port: 16094, proto: "tcp", purpose: "Mosketch streaming server", free: true },
  ],
};

/** One step of the scripted console: lines delivered as one batch `atMs` after subscribing. */
export interface ScriptedBatch {
  atMs: number;
  lines: ReadonlyArray<{ session: string; kind: LineKind; text: string }>;
}

/**
 * The app's own lines at start. Maya sessions' lines come from the simulated Maya world
 * (./fake-maya.ts): add a session, "Try the demo", or `?fakeScenario=studio`.
 */
export const FAKE_CONSOLE_SCRIPT: readonly ScriptedBatch[] = [
  {
    atMs: 0,
    lines: [
      { session: "app", kind: "notice", text: "Mayalink 0.1.0 ready — simulated backend: Mayas here are simulated." },
      { session: "app", kind: "info", text: `Logs are written to ${FAKE_DOCTOR_REPORT.logDir}` },
    ],
  },
];

/** Methods the query string (`?fakeFail=…`) can make fail. */
export type FakeFailable = "doctor" | "openLogFolder" | "saveTabs" | "loadTabs" | "writeFile" | "readFile";

export interface FakeBackendOptions {
  /** Simulated IPC latency of every call, in ms. */
  latencyMs?: number;
  /** Lines replayed to each new console subscriber. */
  consoleScript?: readonly ScriptedBatch[];
  report?: DoctorReport;
  /** Make these methods reject (to show error states). */
  fail?: Partial<Record<FakeFailable, AppError>>;
  /** Clock for the lines' `timeMs`. */
  now?: () => number;
  /** Sessions and output set up at start (see runFakeScenario). */
  scenario?: FakeScenario;
  /** Where the fake keeps autosaved tabs (default: localStorage when there is one). */
  storage?: Pick<Storage, "getItem" | "setItem"> | null;
  /** The simulated Mosketch (`?fakeMosketch=…`, see ./fake-mosketch.ts). */
  mosketch?: Partial<FakeMosketchSettings>;
}

const controlsOf = new WeakMap<Backend, FakeControls>();
const mosketchOf = new WeakMap<Backend, FakeMosketch>();

/** The simulated Mosketch of a fake backend (undefined for any other backend). */
export function fakeMosketch(backend: Backend): FakeMosketch | undefined {
  return mosketchOf.get(backend);
}

/** Test and benchmark hooks of a fake backend (undefined for any other backend). */
export function fakeControls(backend: Backend): FakeControls | undefined {
  return controlsOf.get(backend);
}

export const FAKE_DEFAULT_LATENCY_MS = 120;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Structured copy, so callers can't mutate the fake's state through a returned value. */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function createFakeBackend(options: FakeBackendOptions = {}): Backend {
  const latencyMs = options.latencyMs ?? FAKE_DEFAULT_LATENCY_MS;
  const script = options.consoleScript ?? FAKE_CONSOLE_SCRIPT;
  const report = options.report ?? FAKE_DOCTOR_REPORT;
  const now = options.now ?? Date.now;
  const subscribers = new Set<ConsoleBatchHandler>();

  const line = (session: string, kind: LineKind, text: string): ConsoleLine => ({
    session,
    kind,
    text,
    timeMs: now(),
  });

  const publish = (lines: ConsoleLine[]) => {
    const batch = { lines };
    for (const deliver of subscribers) deliver(copy(batch));
  };
  const maya = new FakeMaya({ latencyMs, now, publish });
  const mosketch = new FakeMosketch({
    latencyMs,
    now,
    publish,
    settings: options.mosketch ?? {},
    mayaConnected: (id) => maya.list().some((s) => s.id === id && (s.status.state.state === "connected" || s.status.state.state === "busy")),
  });
  const files = new FakeFiles(
    options.storage !== undefined ? options.storage : typeof localStorage === "undefined" ? null : localStorage,
  );

  async function respond<T>(method: FakeFailable, value: () => T): Promise<T> {
    await delay(latencyMs);
    const failure = options.fail?.[method];
    if (failure) throw copy(failure);
    return value();
  }

  const backend: Backend = {
    kind: "fake",

    doctor: () => respond("doctor", () => copy(report)),

    openLogFolder: () =>
      respond("openLogFolder", () => {
        const batch = { lines: [line("app", "notice", `Opened the log folder ${report.logDir} (simulated)`)] };
        for (const deliver of subscribers) deliver(copy(batch));
      }),

    async subscribeConsole(onBatch: ConsoleBatchHandler): Promise<Unsubscribe> {
      await delay(latencyMs);
      let live = true;
      const deliver: ConsoleBatchHandler = (batch) => {
        if (live) onBatch(batch);
      };
      subscribers.add(deliver);
      const timers = script.map((step) =>
        setTimeout(() => {
          if (step.lines.length === 0) return;
          deliver({ lines: step.lines.map((l) => line(l.session, l.kind, l.text)) });
        }, step.atMs),
      );
      return () => {
        live = false;
        subscribers.delete(deliver);
        for (const t of timers) clearTimeout(t);
      };
    },

    // ---- Maya sessions: the simulated Maya world ---------------------------------------
    subscribeSessions: (onUpdate) => maya.subscribe(onUpdate),
    addSession: (spec) => maya.add(spec),
    updateSession: (id, spec) => maya.update(id, spec),
    removeSession: (id) => maya.remove(id),
    setActiveSession: (id) => maya.setActive(id),
    connectSession: (id) => maya.connect(id),
    cleanupSession: (id) => maya.cleanup(id),
    run: (id, code, lang, runOptions) => maya.run(id, code, lang, runOptions),
    runAll: (code, lang, runOptions) => maya.runAll(code, lang, runOptions),
    cancelRun: (id) => maya.cancel(id),
    discover: () => maya.discover(),
    consoleHistory: (session, from, max) => maya.history(session, from, max),
    // The demo starts the simulated Mosketch too (as the app's demo mode does).
    startDemo: async () => {
      await maya.startDemo();
      if (!mosketch.status) await mosketch.connect();
    },

    // ---- Files, dialogs, clipboard: in memory ------------------------------------------
    readFile: (path) => respond("readFile", () => files.read(path)),
    writeFile: (path, text) => respond("writeFile", () => files.write(path, text)),
    pickOpenFile: async () => {
      await delay(latencyMs);
      return files.takeOpenPath();
    },
    pickSaveFile: async (defaultPath) => {
      await delay(latencyMs);
      return files.takeSavePath(defaultPath);
    },
    loadTabs: () => respond("loadTabs", () => files.loadTabs()),
    saveTabs: (state) => respond("saveTabs", () => files.saveTabs(state)),
    writeClipboard: async (text) => {
      files.clipboard = text;
      if (typeof navigator === "undefined" || !navigator.clipboard) return;
      try {
        await navigator.clipboard.writeText(text);
      } catch (error) {
        throw { code: "io", message: `The clipboard refused the text: ${String(error)}` } satisfies AppError;
      }
    },

    // ---- Mosketch: a simulated streaming server (./fake-mosketch.ts) -------------------
    mosketchConnect: (config) => mosketch.connect(config),
    mosketchDisconnect: () => mosketch.disconnect(),
    subscribeMosketch: (handlers) => mosketch.subscribe(handlers),
    mosketchSetJointSpace: (space) => mosketch.setJointSpace(space),
    mosketchSetOrientMode: (mode) => mosketch.setOrientMode(mode),
    mosketchSetAckSpelling: (spelling) => mosketch.setAckSpelling(spelling),
    mosketchSendCommand: (command) => mosketch.sendCommand(command),
    mosketchCommandPresets: () => mosketch.commandPresets(),
    mosketchSendPose: (joints) => mosketch.sendPose(joints),
    skeletonFromMaya: (session, names) => mosketch.skeletonFromMaya(session, names),
    skeletonLoadFile: (path) => mosketch.skeletonLoadFile(path),
    pickSkeletonFile: () => mosketch.pickSkeletonFile(),
  };
  mosketchOf.set(backend, mosketch);
  const controls: FakeControls = {
    maya,
    files,
    inject: publish,
    generate(count, session = "app", kind = "output") {
      const t = now();
      const lines: ConsoleLine[] = new Array(count);
      for (let i = 0; i < count; i++) lines[i] = { session, kind, text: `${session} line ${i}: frame ${i % 240} joint Spine${i % 7} rotate ${(i * 0.37) % 360}`, timeMs: t };
      publish(lines);
    },
  };
  controlsOf.set(backend, controls);
  if (options.scenario) void runFakeScenario(options.scenario, backend, controls);
  return backend;
}

/**
 * Fake options from the page's query string, for browser tests and demos:
 * `?fakeLatency=0` sets the latency, `?fakeFail=doctor,openLogFolder` makes those calls fail.
 */
export function fakeOptionsFromQuery(search: string): FakeBackendOptions {
  const params = new URLSearchParams(search);
  const options: FakeBackendOptions = {};
  const latency = params.get("fakeLatency");
  if (latency !== null && /^\d+$/.test(latency)) options.latencyMs = Number(latency);
  const fail = params.get("fakeFail");
  if (fail) {
    options.fail = {};
    for (const name of fail.split(",")) {
      if (name === "doctor")
        options.fail.doctor = { code: "io", message: "Simulated failure: could not read the log folder" };
      if (name === "openLogFolder")
        options.fail.openLogFolder = { code: "io", message: "Simulated failure: no file manager found" };
      if (name === "saveTabs")
        options.fail.saveTabs = {
          code: "io",
          message:
            "Could not autosave tabs to /home/artist/.config/mayalink/tabs.json: No space left on device (os error 28) — the disk is full; free some space and save again (your text is still in the editor)",
        };
      if (name === "loadTabs")
        options.fail.loadTabs = { code: "io", message: "Could not read autosaved tabs from /home/artist/.config/mayalink/tabs.json: Permission denied (os error 13)" };
      if (name === "writeFile")
        options.fail.writeFile = { code: "io", message: "Could not save the file: No space left on device (os error 28) — the disk is full; free some space and save again (your text is still in the editor)" };
    }
  }
  const mosketch = fakeMosketchFromQuery(search);
  if (Object.keys(mosketch).length > 0) options.mosketch = mosketch;
  const scenario = params.get("fakeScenario");
  if (scenario === "studio" || scenario === "demo") options.scenario = scenario;
  return options;
}
