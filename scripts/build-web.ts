/**
 * Builds the dashboard (src/web) into dist/web: one minified ES module and one stylesheet with
 * content-hashed names, the icon, index.html pointing at them, and a .gz beside each file (the
 * server sends those as they are). Part of `npm run build`; the output is not committed.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");
const source = join(root, "src/web");
const out = join(root, "dist/web");
const assets = join(out, "assets");

const hashOf = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex").slice(0, 10);

async function main(): Promise<void> {
  await rm(out, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });

  const result = await build({
    entryPoints: { main: join(source, "main.tsx") },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    // What a phone from the last few years runs; keeps modern syntax (private fields) unlowered.
    target: ["es2022", "chrome109", "firefox115", "safari16"],
    outdir: assets,
    entryNames: "[name]-[hash]",
    tsconfig: join(source, "tsconfig.json"),
    jsx: "automatic",
    jsxImportSource: "preact",
    define: { "process.env.NODE_ENV": '"production"' },
    metafile: true,
    logLevel: "warning",
  });

  const outputs = Object.keys(result.metafile.outputs).map((p) => join(root, p));
  const js = outputs.find((p) => p.endsWith(".js"));
  const css = outputs.find((p) => p.endsWith(".css"));
  if (!js || !css) throw new Error(`esbuild wrote no .js/.css: ${outputs.join(", ")}`);

  const icon = await readFile(join(source, "icon.svg"));
  const iconName = `icon-${hashOf(icon)}.svg`;
  await writeFile(join(assets, iconName), icon);

  const url = (file: string) => `/assets/${basename(file)}`;
  const html = (await readFile(join(source, "index.html"), "utf8"))
    .replace("%JS%", url(js))
    .replace("%CSS%", url(css))
    .replace("%ICON%", `/assets/${iconName}`);
  await writeFile(join(out, "index.html"), html);

  let total = 0;
  const rows: string[] = [];
  for (const entry of await readdir(out, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path);
    const gzip = gzipSync(bytes, { level: 9 });
    await writeFile(`${path}.gz`, gzip);
    total += gzip.length;
    rows.push(
      `  ${relative(out, path).padEnd(32)} ${String(bytes.length).padStart(7)} B  ${String(gzip.length).padStart(6)} B gzip`,
    );
  }
  console.log(`dashboard → ${relative(root, out)}/\n${rows.join("\n")}\n  total gzip ${total} B`);
}

await main();
