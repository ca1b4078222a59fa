/// <reference types="node" />
/// <reference types="vitest/config" />
// Build, dev-server and unit-test configuration of Mayalink's UI (Vite root = ui/).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "./",
  plugins: [svelte()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    watch: { ignored: ["**/src-tauri/**", "**/target/**"] },
  },
  envPrefix: ["VITE_", "TAURI_ENV_"],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
    // Non-ASCII characters escaped in the built scripts: a script with any character past
    // U+00FF is held as UTF-16 by JavaScriptCore (twice the memory for the whole source).
    rolldownOptions: { output: { charset: "ascii" } },
  },
  test: {
    root,
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
