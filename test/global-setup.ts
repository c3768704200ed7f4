import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

// Thread and process tests run workers from dist/; build it fresh so a test never
// runs a stale worker.
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
