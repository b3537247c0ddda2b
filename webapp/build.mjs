// Builds dist/ (committed, embedded by webapp.go) from src/: one bundle per
// page plus its static files. The output depends only on src/ and the
// locked packages, so .ci/run can rebuild it elsewhere (node build.mjs
// OUTDIR) and compare it with dist/.
import * as esbuild from 'esbuild';
import { cpSync, rmSync } from 'node:fs';

const pages = {
  auth: ['index.html'],
  notes: ['index.html', 'manifest.json', 'icon.svg'],
};

const out = process.argv[2] || 'dist';
rmSync(out, { recursive: true, force: true });
for (const [page, files] of Object.entries(pages)) {
  await esbuild.build({
    entryPoints: [`src/${page}/main.js`],
    outfile: `${out}/${page}/app.js`,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'eof',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  for (const f of files) {
    cpSync(`src/${page}/${f}`, `${out}/${page}/${f}`);
  }
  cpSync('src/shared/style.css', `${out}/${page}/style.css`);
}
