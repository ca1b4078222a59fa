// A tiny, deterministic stand-in for Python and MEL in the fake Maya: enough of each to
// make the UI's flows real (print, results, warnings, errors with tracebacks, sleeps that
// make a session busy), never a real interpreter. Pure: it returns what would happen.
import type { LineKind } from "../bindings/LineKind";

export type PyValue = string | number | boolean | null | PyValue[];

export interface SimEvent {
  /** Milliseconds after the run started. */
  atMs: number;
  kind: LineKind;
  text: string;
}

export interface SimOutcome {
  events: SimEvent[];
  /** When the run finishes, ms after its start. */
  durationMs: number;
  value: string | null;
  error: { type: string; message: string; traceback: string } | null;
}

export interface SimScene {
  joints: string[];
  scene: string;
  version: string;
}

class PyError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export function pyRepr(v: PyValue): string {
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === "string") return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  return `[${v.map(pyRepr).join(", ")}]`;
}

export function pyStr(v: PyValue): string {
  return typeof v === "string" ? v : pyRepr(v);
}

/** Splits on commas at the top level (outside brackets and strings). */
export function splitTopLevel(text: string, sep = ","): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === sep && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  const last = text.slice(start);
  if (last.trim() !== "" || out.length > 0) out.push(last);
  return out.map((s) => s.trim());
}

const STRING = /^([rRfFbBuU]{0,2})("""[\s\S]*"""|'''[\s\S]*'''|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')$/;

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c));
}

/** `name(args)` → [name, args] when the whole expression is one call. */
function asCall(expr: string): [string, string] | null {
  const m = /^([A-Za-z_][\w.]*)\s*\(/.exec(expr);
  if (!m || !expr.endsWith(")")) return null;
  // The "(" after the name must close at the very end.
  let depth = 0;
  let quote: string | null = null;
  for (let i = m[0].length - 1; i < expr.length; i++) {
    const c = expr[i] as string;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "(") depth++;
    else if (c === ")") {
      depth--;
      if (depth === 0 && i !== expr.length - 1) return null;
    }
  }
  return [m[1] as string, expr.slice(m[0].length, -1)];
}

/** `expr[index]` at the top level: the base and what is inside the last brackets. */
function subscript(e: string): { base: string; index: string } | null {
  if (!e.endsWith("]")) return null;
  let depth = 0;
  let quote: string | null = null;
  for (let i = e.length - 1; i >= 0; i--) {
    const c = e[i] as string;
    if (quote) {
      if (c === quote && e[i - 1] !== "\\") quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "]" || c === ")") depth++;
    else if (c === "[" || c === "(") {
      depth--;
      if (depth === 0) {
        if (c !== "[" || i === 0) return null;
        const base = e.slice(0, i).trim();
        return base === "" ? null : { base, index: e.slice(i + 1, -1) };
      }
    }
  }
  return null;
}

interface Ctx {
  vars: Map<string, PyValue>;
  scene: SimScene;
  events: SimEvent[];
  t: number;
  line: number;
  defs: Set<string>;
}

const BUILTINS = new Set(["print", "len", "range", "str", "int", "float", "repr", "sorted", "list", "sum", "max", "min"]);

function kwargs(args: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of args) {
    const m = /^(\w+)\s*=(?!=)\s*([\s\S]+)$/.exec(a);
    if (m) out.set(m[1] as string, (m[2] as string).trim());
  }
  return out;
}

function evalExpr(expr: string, ctx: Ctx): PyValue {
  const e = expr.trim();
  if (e === "") return null;
  if (e === "None") return null;
  if (e === "True") return true;
  if (e === "False") return false;
  const str = STRING.exec(e);
  if (str) {
    const body = (str[2] as string).replace(/^("""|'''|"|')/, "").replace(/("""|'''|"|')$/, "");
    let text = unescape(body);
    if (/f/i.test(str[1] as string)) text = text.replace(/\{([^{}]+)\}/g, (_, inner: string) => pyStr(evalExpr(inner, ctx)));
    return text;
  }
  if (/^[-+]?\d+(\.\d+)?$/.test(e)) return Number(e);
  if (/^[\d\s+\-*/().%]+$/.test(e) && /\d/.test(e)) return arithmetic(e, ctx);
  if (e.startsWith("[") && e.endsWith("]")) return splitTopLevel(e.slice(1, -1)).map((x) => evalExpr(x, ctx));
  const call = asCall(e);
  if (call) return evalCall(call[0], splitTopLevel(call[1]), ctx);
  const sub = subscript(e);
  if (sub) {
    const base = evalExpr(sub.base, ctx);
    if (!Array.isArray(base) && typeof base !== "string") throw new PyError("TypeError", "object is not subscriptable", ctx.line);
    const len = base.length;
    const num = (x: string, dflt: number) => {
      if (x.trim() === "") return dflt;
      const n = Number(evalExpr(x, ctx));
      return n < 0 ? Math.max(0, len + n) : Math.min(len, n);
    };
    if (sub.index.includes(":")) {
      const [a = "", b = ""] = sub.index.split(":");
      return base.slice(num(a, 0), num(b, len)) as PyValue;
    }
    const raw = Number(evalExpr(sub.index, ctx));
    const i = raw < 0 ? len + raw : raw;
    if (!(i >= 0 && i < len)) throw new PyError("IndexError", `${typeof base === "string" ? "string" : "list"} index out of range`, ctx.line);
    return base[i] as PyValue;
  }
  if (/^[A-Za-z_]\w*$/.test(e)) {
    if (ctx.vars.has(e)) return ctx.vars.get(e) as PyValue;
    if (ctx.defs.has(e) || BUILTINS.has(e)) return `<function ${e}>`;
    throw new PyError("NameError", `name '${e}' is not defined`, ctx.line);
  }
  // Binary + of strings/numbers/names ("a" + name).
  const plus = splitTopLevel(e, "+");
  if (plus.length > 1) {
    const parts = plus.map((p) => evalExpr(p, ctx));
    if (parts.every((p) => typeof p === "number")) return (parts as number[]).reduce((a, b) => a + b, 0);
    if (parts.every((p) => typeof p === "string")) return (parts as string[]).join("");
    throw new PyError("TypeError", "unsupported operand type(s) for +", ctx.line);
  }
  // Attribute access on an unknown name is a NameError; anything else is left alone.
  const head = /^([A-Za-z_]\w*)/.exec(e)?.[1];
  if (head && !ctx.vars.has(head) && !ctx.defs.has(head) && !BUILTINS.has(head)) {
    throw new PyError("NameError", `name '${head}' is not defined`, ctx.line);
  }
  return null;
}

function arithmetic(e: string, ctx: Ctx): number {
  let i = 0;
  const s = e.replace(/\s+/g, "");
  const peek = () => s[i];
  const num = (): number => {
    if (peek() === "(") {
      i++;
      const v = sum();
      i++;
      return v;
    }
    if (peek() === "-") {
      i++;
      return -num();
    }
    const m = /^\d+(\.\d+)?/.exec(s.slice(i));
    if (!m) throw new PyError("SyntaxError", "invalid syntax", ctx.line);
    i += m[0].length;
    return Number(m[0]);
  };
  const product = (): number => {
    let v = num();
    while (peek() === "*" || peek() === "/" || peek() === "%") {
      const op = s[i++];
      const r = num();
      if ((op === "/" || op === "%") && r === 0) throw new PyError("ZeroDivisionError", "division by zero", ctx.line);
      v = op === "*" ? v * r : op === "/" ? v / r : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === "+" || peek() === "-") {
      const op = s[i++];
      const r = product();
      v = op === "+" ? v + r : v - r;
    }
    return v;
  };
  return sum();
}

function emit(ctx: Ctx, kind: LineKind, text: string): void {
  ctx.events.push({ atMs: ctx.t, kind, text });
}

function evalCall(name: string, args: string[], ctx: Ctx): PyValue {
  const kw = kwargs(args);
  const positional = args.filter((a) => !/^\w+\s*=(?!=)/.test(a));
  switch (name) {
    case "print": {
      const sepArg = kw.get("sep");
      const sep = sepArg ? pyStr(evalExpr(sepArg, ctx)) : " ";
      emit(ctx, "output", positional.map((a) => pyStr(evalExpr(a, ctx))).join(sep));
      return null;
    }
    case "len": {
      const v = evalExpr(positional[0] ?? "", ctx);
      return Array.isArray(v) || typeof v === "string" ? v.length : 0;
    }
    case "str":
    case "repr":
      return name === "str" ? pyStr(evalExpr(positional[0] ?? "", ctx)) : pyRepr(evalExpr(positional[0] ?? "", ctx));
    case "int":
      return Math.trunc(Number(evalExpr(positional[0] ?? "0", ctx)));
    case "range": {
      const n = positional.map((a) => Number(evalExpr(a, ctx)));
      const [a, b] = n.length >= 2 ? [n[0] ?? 0, n[1] ?? 0] : [0, n[0] ?? 0];
      return Array.from({ length: Math.max(0, Math.min(10_000, b - a)) }, (_, k) => a + k);
    }
    case "sorted":
    case "list":
      return [...((evalExpr(positional[0] ?? "[]", ctx) as PyValue[]) ?? [])].sort();
    case "time.sleep":
    case "sleep":
    case "cmds.pause": {
      const secs = Number(evalExpr(positional[0] ?? kw.get("sec") ?? kw.get("seconds") ?? "0", ctx)) || 0;
      ctx.t += secs * 1000;
      return null;
    }
    case "cmds.warning":
      emit(ctx, "warning", `Warning: ${pyStr(evalExpr(positional[0] ?? "''", ctx))}`);
      return null;
    case "cmds.error": {
      const msg = pyStr(evalExpr(positional[0] ?? "''", ctx));
      emit(ctx, "error", `Error: ${msg}`);
      throw new PyError("RuntimeError", msg, ctx.line);
    }
    case "om.MGlobal.displayInfo":
    case "OpenMaya.MGlobal.displayInfo":
      emit(ctx, "info", pyStr(evalExpr(positional[0] ?? "''", ctx)));
      return null;
    case "cmds.about":
      return kw.has("version") || kw.has("v") ? ctx.scene.version : kw.has("apiVersion") ? Number(ctx.scene.version) * 10000 : "linux";
    case "cmds.file":
      return kw.has("q") || kw.has("query") ? ctx.scene.scene || "" : null;
    case "cmds.ls": {
      const type = kw.get("type");
      if (type && /joint/.test(type)) return ctx.scene.joints.slice();
      if (kw.has("sl") || kw.has("selection")) return ctx.scene.joints.slice(0, 1);
      return ["persp", "top", "front", "side", ...ctx.scene.joints];
    }
    case "cmds.select": {
      const target = pyStr(evalExpr(positional[0] ?? "''", ctx));
      emit(ctx, "history", `select -r ${target} ;`);
      return null;
    }
    case "cmds.polySphere":
    case "cmds.polyCube": {
      const base = name === "cmds.polySphere" ? "pSphere" : "pCube";
      const given = kw.get("name") ?? kw.get("n");
      const node = given ? pyStr(evalExpr(given, ctx)) : `${base}1`;
      emit(ctx, "history", `${name.slice(5)} -n ${node};`);
      return [node, `${name.slice(5)}1`];
    }
    case "cmds.xform":
    case "cmds.getAttr": {
      const target = positional[0];
      if (target) evalExpr(target, ctx); // NameError for unknown names
      return [0, 93.2, 0.5];
    }
    default: {
      const head = name.split(".")[0] as string;
      if (ctx.defs.has(name)) return null;
      if (head === "cmds" || head === "mel" || head === "om" || head === "pm") {
        if (!ctx.vars.has(head)) throw new PyError("NameError", `name '${head}' is not defined`, ctx.line);
        return null;
      }
      if (!ctx.vars.has(head) && !ctx.defs.has(head) && !BUILTINS.has(head)) {
        throw new PyError("NameError", `name '${head}' is not defined`, ctx.line);
      }
      for (const a of positional) evalExpr(a, ctx);
      return null;
    }
  }
}

interface Block {
  text: string;
  line: number;
  indent: number;
  body: Block[];
}

function parseBlocks(code: string): Block[] {
  const root: Block = { text: "", line: 0, indent: -1, body: [] };
  const stack: Block[] = [root];
  code.split("\n").forEach((raw, i) => {
    const stripped = raw.replace(/\s+#.*$/, "").replace(/^\s*#.*$/, "");
    if (stripped.trim() === "") return;
    const indent = /^\s*/.exec(stripped)?.[0].length ?? 0;
    while (stack.length > 1 && indent <= (stack[stack.length - 1] as Block).indent) stack.pop();
    const block: Block = { text: stripped.trim(), line: i + 1, indent, body: [] };
    (stack[stack.length - 1] as Block).body.push(block);
    if (block.text.endsWith(":")) stack.push(block);
    else {
      // "for x in y: stmt" on one line.
      const inline = /^(for .+? in .+?|if .+?|while .+?):\s*(\S.*)$/.exec(block.text);
      if (inline) {
        block.text = `${inline[1]}:`;
        block.body.push({ text: inline[2] as string, line: i + 1, indent: indent + 1, body: [] });
      }
    }
  });
  return root.body;
}

/** Runs blocks; returns the value of the last expression statement. */
function runBlocks(blocks: Block[], ctx: Ctx): PyValue | undefined {
  let last: PyValue | undefined;
  for (const b of blocks) {
    ctx.line = b.line;
    last = undefined;
    const t = b.text;
    let m: RegExpExecArray | null;
    if (/^(import|from)\s/.test(t)) {
      m = /\bas\s+(\w+)\s*$/.exec(t);
      const name = m ? (m[1] as string) : (/^import\s+([\w]+)/.exec(t)?.[1] ?? /import\s+(\w+)/.exec(t)?.[1] ?? "");
      if (name) ctx.vars.set(name, `<module ${name}>`);
      if (/import\s+\*/.test(t)) ctx.vars.set("cmds", "<module cmds>");
      continue;
    }
    if ((m = /^def\s+(\w+)/.exec(t))) {
      ctx.defs.add(m[1] as string);
      continue;
    }
    if (/^class\s+(\w+)/.test(t)) {
      ctx.defs.add((/^class\s+(\w+)/.exec(t) as RegExpExecArray)[1] as string);
      continue;
    }
    if ((m = /^for\s+(\w+)\s+in\s+(.+):$/.exec(t))) {
      const items = evalExpr(m[2] as string, ctx);
      for (const item of Array.isArray(items) ? items.slice(0, 10_000) : []) {
        ctx.vars.set(m[1] as string, item);
        runBlocks(b.body, ctx);
      }
      continue;
    }
    if ((m = /^(if|elif|while)\s+(.+):$/.exec(t))) {
      const cond = evalExpr(m[2] as string, ctx);
      if (cond !== false && cond !== null && cond !== 0 && m[1] !== "while") runBlocks(b.body, ctx);
      continue;
    }
    if (/^(else|try|finally|with .+):$/.test(t) || /^except\b.*:$/.test(t)) {
      if (!/^except/.test(t)) runBlocks(b.body, ctx);
      continue;
    }
    if (t === "pass" || t.startsWith("return") || t === "break" || t === "continue") continue;
    if ((m = /^raise\s+(\w+)\s*(?:\((.*)\))?$/.exec(t))) {
      const msg = m[2] ? pyStr(evalExpr(m[2], ctx)) : "";
      throw new PyError(m[1] as string, msg, b.line);
    }
    if ((m = /^([A-Za-z_]\w*)\s*([-+*/]?=)(?!=)\s*(.+)$/.exec(t))) {
      const value = evalExpr(m[3] as string, ctx);
      const name = m[1] as string;
      if (m[2] === "=") ctx.vars.set(name, value);
      else {
        if (!ctx.vars.has(name)) throw new PyError("NameError", `name '${name}' is not defined`, b.line);
        const old = ctx.vars.get(name) as PyValue;
        ctx.vars.set(name, typeof old === "number" && typeof value === "number" ? (m[2] === "+=" ? old + value : m[2] === "-=" ? old - value : m[2] === "*=" ? old * value : old / value) : typeof old === "string" ? old + pyStr(value) : value);
      }
      continue;
    }
    last = evalExpr(t, ctx);
    ctx.t += 1;
  }
  return last;
}

/** What running Python code would do in the fake Maya. `fileName` shows in tracebacks. */
export function simulatePython(code: string, vars: Map<string, PyValue>, scene: SimScene, fileName: string): SimOutcome {
  const ctx: Ctx = { vars, scene, events: [], t: 20, line: 1, defs: new Set() };
  for (const name of vars.keys()) if (name.startsWith("def:")) ctx.defs.add(name.slice(4));
  try {
    const last = runBlocks(parseBlocks(code), ctx);
    for (const d of ctx.defs) vars.set(`def:${d}`, null);
    const value = last === undefined || last === null ? null : pyRepr(last);
    return { events: ctx.events, durationMs: ctx.t + 15, value, error: null };
  } catch (e) {
    if (!(e instanceof PyError)) throw e;
    const src = code.split("\n")[e.line - 1]?.trim() ?? "";
    const traceback = [
      "Traceback (most recent call last):",
      `  File "${fileName}", line ${e.line}, in <module>`,
      ...(src ? [`    ${src}`] : []),
      `${e.type}: ${e.message}`,
    ].join("\n");
    for (const l of traceback.split("\n")) ctx.events.push({ atMs: ctx.t + 2, kind: "stack_trace", text: l });
    return { events: ctx.events, durationMs: ctx.t + 15, value: null, error: { type: e.type, message: e.message, traceback: traceback + "\n" } };
  }
}

/** What running MEL would do in the fake Maya. */
export function simulateMel(code: string, vars: Map<string, PyValue>, scene: SimScene): SimOutcome {
  const events: SimEvent[] = [];
  let t = 15;
  let value: string | null = null;
  const statements: Array<{ text: string; line: number; col: number }> = [];
  code.split("\n").forEach((raw, i) => {
    const noComment = raw.replace(/\/\/.*$/, "");
    let col = 0;
    for (const part of noComment.split(";")) {
      col += part.length + 1;
      if (part.trim() !== "") statements.push({ text: part.trim(), line: i + 1, col: col - 1 });
    }
  });
  const melValue = (text: string): string => {
    const s = text.trim();
    const str = /^"((?:[^"\\]|\\.)*)"$/.exec(s);
    if (str) return unescape(str[1] as string);
    if (/^\$\w+$/.test(s)) return pyStr(vars.get(`mel:${s}`) ?? "");
    const parts = splitTopLevel(s, "+");
    if (parts.length > 1) {
      const vals = parts.map(melValue);
      return vals.every((v) => /^-?\d+(\.\d+)?$/.test(v)) ? String(vals.reduce((a, b) => a + Number(b), 0)) : vals.join("");
    }
    return s;
  };
  for (const st of statements) {
    const s = st.text;
    let m: RegExpExecArray | null;
    value = null;
    if ((m = /^(?:(?:global\s+)?(?:int|float|string)(?:\[\])?\s+)?(\$\w+)\s*=\s*(.+)$/.exec(s))) {
      vars.set(`mel:${m[1]}`, melValue(m[2] as string));
      continue;
    }
    if ((m = /^print\s*\(?\s*(.+?)\s*\)?$/.exec(s))) {
      events.push({ atMs: t, kind: "output", text: melValue(m[1] as string).replace(/\n$/, "") });
      continue;
    }
    if ((m = /^warning\s+(.+)$/.exec(s))) {
      events.push({ atMs: t, kind: "warning", text: `Warning: ${melValue(m[1] as string)}` });
      continue;
    }
    if ((m = /^pause\s+-sec(?:onds)?\s+(\d+(?:\.\d+)?)/.exec(s))) {
      t += Number(m[1]) * 1000;
      continue;
    }
    const fail = (text: string) => {
      events.push({ atMs: t, kind: "error", text: `Error: ${text}` });
      return { events, durationMs: t + 10, value: null, error: { type: "RuntimeError", message: `Error occurred during execution of MEL script\n${text}`, traceback: "" } };
    };
    if ((m = /^error\s+(.+)$/.exec(s))) return fail(`Line ${st.line}.${st.col}: ${melValue(m[1] as string)}`);
    const cmd = /^(\w+)/.exec(s)?.[1] ?? "";
    switch (cmd) {
      case "about":
        value = scene.version;
        break;
      case "ls":
        value = /-type\s+"?joint/.test(s) || /-type\s+joint/.test(s) ? scene.joints.join(" ") : ["persp", "top", "front", "side", ...scene.joints].join(" ");
        break;
      case "select":
        events.push({ atMs: t, kind: "history", text: `${s} ;` });
        break;
      case "polySphere":
      case "sphere":
      case "polyCube":
        value = cmd === "polyCube" ? "pCube1 polyCube1" : "pSphere1 polySphere1";
        events.push({ atMs: t, kind: "history", text: `${s};` });
        break;
      case "file":
        value = scene.scene;
        break;
      case "getpid":
        value = "48213";
        break;
      case "currentTime":
      case "setKeyframe":
      case "source":
      case "python":
      case "proc":
      case "global":
      case "if":
      case "for":
      case "undoInfo":
        break;
      default:
        if (s.startsWith("$") || s.startsWith("{") || s.startsWith("}")) break;
        return fail(`Line ${st.line}.${st.col}: Cannot find procedure "${cmd || s}".`);
    }
    t += 1;
  }
  return { events, durationMs: t + 10, value, error: null };
}
