// The layers of src/, bottom first: a folder may import only folders below it (and
// itself). docs/design.md ("Source map") has one line per folder. Checked by
// test/unit/layers.test.ts through dependency-cruiser.
const LAYERS = [
  'base', 'metrics', 'vm', 'guest', 'tracking', 'vcpu', 'epoch', 'stream', 'replica',
  'net', 'link', 'service', 'config', 'run', 'backup', 'compare', 'report', 'cli',
];

const upward = LAYERS.map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ may import only the layers below it: ${LAYERS.slice(0, i).join(', ') || 'none'}`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|') || '$^'})/` },
}));

module.exports = {
  // LAYERS is read back by the layering test from the rule names.
  

  forbidden: [
    {
      name: 'no-circular',
      comment: 'modules of src/ never import each other in a circle',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'folder-in-layers',
      comment: 'every folder of src/ has its place in LAYERS',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${LAYERS.join('|')})/|^src/[^/]+\\.ts$` },
      to: {},
    },
    {
      name: 'root-files-import-down',
      comment: 'src/index.ts is the public API: it may import any layer except cli',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$' },
      to: { path: '^src/cli/' },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
