// What the browser tests expect from the fake backend (ui/src/backend/fake.ts). Kept here
// as plain data: the tests run against the built UI, not its sources.
/** The app's own lines at start (the simulated Mayas add theirs when used). */
export const FAKE_SCRIPT_LINE_COUNT = 2;
/** The last line `?fakeScenario=studio` prints (two Mayas, every line kind). */
export const STUDIO_LAST_LINE = "Scene: /projects/shot_010/anim/walk_cycle_v012.ma (12 joints)";
export const FAKE_LOG_DIR = "/home/artist/.local/share/mayalink/logs";
export const FAKE_APP_VERSION = "0.1.0";
export const FAKE_ENGINE_VERSION = "0.1.0";
export const FAKE_PORTS = [
  { port: 7001, free: false },
  { port: 7002, free: true },
  { port: 16094, free: true },
];
export const LINE_KINDS = ["output", "history", "info", "warning", "error", "result", "stack_trace", "echo", "notice"];
