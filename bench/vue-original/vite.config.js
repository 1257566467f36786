// A baseline, not a product: the tutorial's app as its article writes it (see README.md).
// Vite's defaults for a production build; the output lands beside the other bench builds under
// target/ (never committed).
import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: "../../target/vue-original-dist",
    emptyOutDir: true,
  },
});
