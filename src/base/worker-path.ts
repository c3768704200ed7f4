import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The package root, found from this module whether it runs from src/ (tests) or dist/src/. */
export function packageRoot(): string {
  if (root !== null) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package root: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return (root = dir);
}

/** Workers always start from the compiled .js in dist/ (tsx and vitest do not hook workers). */
export function workerPath(name: 'vcpu' | 'tracker' | 'checkpointer' | 'copier'): string {
  const file = join(packageRoot(), 'dist', 'workers', `${name}.js`);
  if (!existsSync(file)) throw new Error(`worker ${name}: ${file} is missing; run npm run build`);
  return file;
}
