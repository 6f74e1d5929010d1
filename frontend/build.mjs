// Bundles the front-end from the npm registry's packages into qianshao/web/static/dist.
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";

const outdir = "qianshao/web/static/dist";
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: {
    app: "frontend/app.js",
    map: "frontend/map.js",
    hazards: "frontend/hazards.js",
    warnings: "frontend/warnings.js",
    drafting: "frontend/drafting.js",
    disasters: "frontend/disasters.js",
    shelters: "frontend/shelters.js",
    patrols: "frontend/patrols.js",
    risks: "frontend/risks.js",
    incidents: "frontend/incidents.js",
    public: "frontend/public.js",
    style: "frontend/app.css",
    reports: "frontend/reports.css",
    "shelters-print": "frontend/shelters.css",
    "risks-board": "frontend/risks-board.css",
    "risks-pick": "frontend/risks-pick.js",
  },
  bundle: true,
  minify: true,
  sourcemap: false,
  target: ["es2019"],
  outdir,
  loader: { ".png": "file", ".svg": "file" },
  assetNames: "assets/[name]-[hash]",
  logLevel: "warning",
});
writeFileSync(`${outdir}/.built`, new Date().toISOString() + "\n");
console.log(`front-end assets built into ${outdir}`);
