// A small MEL mode for CodeMirror 6 (a StreamLanguage): keywords, types, `$variables`,
// strings with escapes, numbers, `//` and `/* */` comments, `proc` names, `-flags` and
// back-quoted command substitution. Enough to read MEL comfortably; not a full parser.
import { StreamLanguage, type StreamParser, StringStream } from "@codemirror/language";

export const MEL_KEYWORDS: ReadonlySet<string> = new Set([
  "if", "else", "for", "in", "while", "do", "switch", "case", "default", "break", "continue",
  "return", "proc", "global", "source", "catch", "catchQuiet",
]);
export const MEL_TYPES: ReadonlySet<string> = new Set(["int", "float", "string", "vector", "matrix"]);
export const MEL_ATOMS: ReadonlySet<string> = new Set(["true", "false", "on", "off", "yes", "no"]);

export interface MelState {
  /** Inside a /* block comment *\/ that spans lines. */
  inComment: boolean;
  /** Inside a string that continues on the next line. */
  inString: boolean;
  /** The previous word was `proc` (or its return type): the next name is a definition. */
  afterProc: boolean;
}

function readString(stream: StringStream, state: MelState): string {
  let escaped = false;
  let ch: string | void;
  while ((ch = stream.next()) != null) {
    if (ch === '"' && !escaped) {
      state.inString = false;
      return "string";
    }
    escaped = !escaped && ch === "\\";
  }
  // MEL strings may not really span lines, but staying in the string is kinder while typing.
  state.inString = escaped;
  return "string";
}

export const melParser: StreamParser<MelState> = {
  name: "mel",
  startState: () => ({ inComment: false, inString: false, afterProc: false }),
  copyState: (s) => ({ ...s }),
  token(stream, state) {
    if (state.inComment) {
      if (stream.skipTo("*/")) {
        stream.match("*/");
        state.inComment = false;
      } else stream.skipToEnd();
      return "comment";
    }
    if (state.inString) return readString(stream, state);
    if (stream.eatSpace()) return null;
    if (stream.match("//")) {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.match("/*")) {
      state.inComment = true;
      if (stream.skipTo("*/")) {
        stream.match("*/");
        state.inComment = false;
      } else stream.skipToEnd();
      return "comment";
    }
    const ch = stream.peek() as string;
    if (ch === '"') {
      stream.next();
      state.inString = true;
      return readString(stream, state);
    }
    if (ch === "$") {
      stream.next();
      if (stream.eatWhile(/[\w]/)) return "variableName";
      return "operator";
    }
    if (/\d/.test(ch) || (ch === "." && /\d/.test(stream.string.charAt(stream.pos + 1)))) {
      stream.match(/^(?:0x[0-9a-f]+|\d*\.?\d+(?:e[-+]?\d+)?)/i);
      return "number";
    }
    // -flag right after whitespace or at the line start: a command flag (`ls -type joint`).
    if (ch === "-" && /[A-Za-z]/.test(stream.string.charAt(stream.pos + 1)) && (stream.pos === 0 || /\s/.test(stream.string.charAt(stream.pos - 1)))) {
      stream.next();
      stream.eatWhile(/\w/);
      return "attributeName";
    }
    if (/[A-Za-z_]/.test(ch)) {
      stream.eatWhile(/\w/);
      const word = stream.current();
      if (state.afterProc) {
        if (word === "global" || MEL_TYPES.has(word)) return MEL_TYPES.has(word) ? "typeName" : "keyword";
        state.afterProc = false;
        return "variableName.definition";
      }
      if (word === "proc") {
        state.afterProc = true;
        return "keyword";
      }
      if (MEL_KEYWORDS.has(word)) return "keyword";
      if (MEL_TYPES.has(word)) return "typeName";
      if (MEL_ATOMS.has(word)) return "bool";
      // A name followed by "(" is a call.
      if (stream.match(/^\s*\(/, false)) return "variableName.function";
      return "variableName";
    }
    stream.next();
    if (ch === "`") return "operator";
    if (/[{}()[\];,]/.test(ch)) {
      if (ch === "(" || ch === "{") state.afterProc = false;
      return "punctuation";
    }
    if (/[-+*/%=<>!&|?:^.]/.test(ch)) {
      stream.eatWhile(/[-+*/%=<>!&|]/);
      return "operator";
    }
    return null;
  },
  languageData: {
    commentTokens: { line: "//", block: { open: "/*", close: "*/" } },
    closeBrackets: { brackets: ["(", "[", "{", '"', "`"] },
    indentOnInput: /^\s*\}$/,
  },
};

export const melLanguage = StreamLanguage.define(melParser);

/** Tokens of a MEL text as [style, text] pairs (whitespace left out), for tests and tooling. */
export function tokenizeMel(text: string): Array<[string | null, string]> {
  const state = melParser.startState!(2);
  const out: Array<[string | null, string]> = [];
  for (const line of text.split("\n")) {
    const stream = new StringStream(line, 4, 2);
    if (line === "" && melParser.blankLine) melParser.blankLine(state, 2);
    while (!stream.eol()) {
      const style = melParser.token(stream, state);
      const tok = stream.current();
      if (tok.trim() !== "") out.push([style, tok]);
      if (stream.pos === stream.start) stream.next(); // never loop forever
      stream.start = stream.pos;
    }
  }
  return out;
}
