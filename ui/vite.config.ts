import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The Tauri app loads dist/ (tauri.conf.json: build.frontendDist). Generated bindings live in ../gen.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true, fs: { allow: [".", "../gen"] } },
  build: { target: "safari15", outDir: "dist", emptyOutDir: true, sourcemap: false },
});
