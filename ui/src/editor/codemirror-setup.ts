// CodeMirror 6 for Mayalink's command editor: the extensions every tab gets (line numbers,
// bracket matching, search/replace, history, auto-indent), its language (Python or MEL, per
// tab, swappable), the run/save keys, and a theme drawn from the app's CSS variables so it
// follows the dark and light themes. Loaded on its own (EditorModel.loadEditor) when the
// editor is first shown: it is most of CodeMirror, which the welcome screen does without.
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import {
  HighlightStyle,
  bracketMatching,
  foldGutter,
  foldKeymap,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState, Prec, StateEffect, StateField, type Extension } from "@codemirror/state";
import {
  Decoration,
  EditorView,
  type DecorationSet,
  crosshairCursor,
  drawSelection,
  dropCursor,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from "@codemirror/view";
import { tags as t } from "@lezer/highlight";
import type { Language } from "../bindings/Language";
import { melLanguage } from "./mel-mode";

/** What the editor's keys do; set once, read at key time (so every tab sees the current handlers). */
export interface EditorCommands {
  runAll(): void;
  runSelection(): void;
  runInAllSessions(): void;
  save(): void;
  saveAs(): void;
  open(): void;
  newTab(): void;
}

export { EditorView };

// A short flash on the line a traceback link jumped to.
export const flashLine = StateEffect.define<number | null>();
export const flashField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(flashLine)) {
        deco = e.value === null ? Decoration.none : Decoration.set([Decoration.line({ class: "cm-jump-flash" }).range(e.value)]);
      }
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export function languageExtension(lang: Language): Extension {
  return lang === "mel" ? melLanguage : python();
}

const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword, t.operatorKeyword], color: "var(--syn-keyword)" },
  { tag: [t.string, t.special(t.string), t.regexp], color: "var(--syn-string)" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "var(--syn-number)" },
  { tag: [t.comment, t.lineComment, t.blockComment], color: "var(--syn-comment)", fontStyle: "italic" },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: "var(--syn-function)" },
  { tag: [t.definition(t.variableName), t.definition(t.function(t.variableName)), t.className], color: "var(--syn-definition)" },
  { tag: [t.typeName, t.self], color: "var(--syn-type)" },
  { tag: [t.propertyName, t.attributeName], color: "var(--syn-property)" },
  { tag: t.variableName, color: "var(--syn-variable)" },
  { tag: [t.operator, t.punctuation, t.bracket], color: "var(--syn-operator)" },
  { tag: t.invalid, color: "var(--danger)" },
]);

// MEL's $variables get their own colour (StreamLanguage gives them variableName).
const theme = EditorView.theme({
  "&": {
    height: "100%",
    backgroundColor: "var(--bg-sunken)",
    color: "var(--fg)",
    fontSize: "13px",
  },
  ".cm-scroller": { fontFamily: "var(--font-mono)", lineHeight: "20px" },
  ".cm-content": { caretColor: "var(--accent-strong)", padding: "8px 0" },
  "&.cm-focused .cm-cursor": { borderLeftColor: "var(--accent-strong)", borderLeftWidth: "2px" },
  ".cm-gutters": {
    backgroundColor: "var(--bg-sunken)",
    color: "var(--fg-subtle)",
    borderRight: "1px solid var(--border)",
  },
  ".cm-lineNumbers .cm-gutterElement": { padding: "0 10px 0 12px", minWidth: "40px" },
  ".cm-activeLineGutter": { backgroundColor: "transparent", color: "var(--fg)" },
  ".cm-activeLine": { backgroundColor: "color-mix(in srgb, var(--bg-hover) 45%, transparent)" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": {
    backgroundColor: "color-mix(in srgb, var(--focus-ring) 30%, transparent) !important",
  },
  ".cm-matchingBracket": { backgroundColor: "var(--accent-soft)", outline: "1px solid var(--accent)", color: "inherit" },
  ".cm-nonmatchingBracket": { backgroundColor: "var(--danger-soft)", color: "var(--danger)" },
  ".cm-selectionMatch": { backgroundColor: "color-mix(in srgb, var(--accent) 16%, transparent)" },
  ".cm-searchMatch": { backgroundColor: "color-mix(in srgb, var(--line-warning) 30%, transparent)", outline: "1px solid var(--line-warning)" },
  ".cm-searchMatch.cm-searchMatch-selected": { backgroundColor: "color-mix(in srgb, var(--line-warning) 55%, transparent)" },
  ".cm-panels": { backgroundColor: "var(--bg-panel)", color: "var(--fg)", borderColor: "var(--border)" },
  ".cm-panels.cm-panels-top": { borderBottom: "1px solid var(--border)" },
  ".cm-panel.cm-search": { padding: "6px 10px", fontFamily: "var(--font-ui)", fontSize: "12px" },
  ".cm-panel.cm-search input, .cm-panel.cm-search button, .cm-panel.cm-search label": { fontSize: "12px" },
  ".cm-textfield": {
    backgroundColor: "var(--bg-input)",
    border: "1px solid var(--border-strong)",
    borderRadius: "4px",
    color: "var(--fg)",
    padding: "2px 6px",
  },
  ".cm-button": {
    backgroundImage: "none",
    backgroundColor: "var(--bg-raised)",
    border: "1px solid var(--border-strong)",
    borderRadius: "4px",
    color: "var(--fg)",
  },
  ".cm-tooltip": { backgroundColor: "var(--bg-raised)", border: "1px solid var(--border-strong)", color: "var(--fg)" },
  ".cm-tooltip-autocomplete ul li[aria-selected]": { backgroundColor: "var(--accent-soft)", color: "var(--fg-strong)" },
  ".cm-foldGutter .cm-gutterElement": { color: "var(--fg-subtle)" },
  ".cm-jump-flash": { backgroundColor: "color-mix(in srgb, var(--accent) 28%, transparent)" },
});

/** The extensions of one tab. `commands` is read at key time. */
export function tabExtensions(options: {
  lang: Language;
  languageSlot: Compartment;
  commands: () => EditorCommands;
  onChange: (state: EditorState) => void;
}): Extension[] {
  const cmd = (name: keyof EditorCommands) => () => {
    options.commands()[name]();
    return true;
  };
  return [
    Prec.highest(
      keymap.of([
        { key: "Mod-Enter", run: cmd("runAll") },
        { key: "Shift-Enter", run: cmd("runSelection") },
        { key: "Mod-Shift-Enter", run: cmd("runInAllSessions") },
        { key: "Mod-s", run: cmd("save"), preventDefault: true },
        { key: "Mod-Shift-s", run: cmd("saveAs"), preventDefault: true },
        { key: "Mod-o", run: cmd("open"), preventDefault: true },
      ]),
    ),
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    indentUnit.of("    "),
    syntaxHighlighting(highlight),
    bracketMatching(),
    closeBrackets(),
    autocompletion({ activateOnTyping: false }),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    search({ top: true }),
    keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap, ...completionKeymap, indentWithTab]),
    options.languageSlot.of(languageExtension(options.lang)),
    theme,
    EditorView.updateListener.of((update) => {
      if (update.docChanged || update.selectionSet) options.onChange(update.state);
    }),
  ];
}
