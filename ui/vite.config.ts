import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The Tauri app loads dist/ (tauri.conf.json: build.frontendDist). The generated bindings live in ../gen and
// import @tauri-apps/api, resolved from this folder's node_modules.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  resolve: {
    alias: { "@tauri-apps/api": fileURLToPath(new URL("./node_modules/@tauri-apps/api", import.meta.url)) },
  },
  server: { port: 5173, strictPort: true, fs: { allow: [".", "../gen"] } },
  build: { target: "safari15", outDir: "dist", emptyOutDir: true, sourcemap: false },
});
