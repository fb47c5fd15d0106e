import * as fs from 'node:fs';
import * as path from 'node:path';

/*
 * The layout shows the two programs: the CDK app (lib/app) and the lab CLI (lib/cli) never import
 * each other, and what they share (lib/*.ts, lib/model) imports neither. No import cycle anywhere.
 */

const LIB = path.join(__dirname, '..', 'lib');

/** Every TypeScript file of lib/, relative to lib/, with the lib/ files it imports. */
function importGraph(): Map<string, string[]> {
  const files = fs
    .readdirSync(LIB, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.split(path.sep).join('/'));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = fs.readFileSync(path.join(LIB, file), 'utf8');
    const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
    const targets = specifiers.flatMap((specifier) => {
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      return [`${base}.ts`, `${base}/index.ts`].filter((candidate) => known.has(candidate));
    });
    graph.set(file, targets);
  }
  return graph;
}

const partOf = (file: string) => (file.startsWith('app/') ? 'app' : file.startsWith('cli/') ? 'cli' : 'shared');

describe('the layout', () => {
  const graph = importGraph();

  test('reads every file of lib/, and finds imports in them', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect([...graph.values()].flat().length).toBeGreaterThan(200);
  });

  test.each([
    ['app', 'cli'],
    ['cli', 'app'],
    ['shared', 'app'],
    ['shared', 'cli'],
  ])('nothing in %s imports %s', (from, to) => {
    const crossing = [...graph].flatMap(([file, targets]) =>
      partOf(file) === from ? targets.filter((target) => partOf(target) === to).map((target) => `${file} -> ${target}`) : [],
    );
    expect(crossing).toEqual([]);
  });

  test('lib/model imports nothing but itself', () => {
    const outside = [...graph].flatMap(([file, targets]) =>
      file.startsWith('model/') ? targets.filter((t) => !t.startsWith('model/')).map((t) => `${file} -> ${t}`) : [],
    );
    expect(outside).toEqual([]);
  });

  test('no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
