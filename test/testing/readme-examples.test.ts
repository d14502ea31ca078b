// The README's dagmar/testing example is the consumer project's code: every line of the marked block
// must appear, in order, in test/consumer/test/fixture.test.ts (which run.sh runs against the packed tarball).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

test('every line of the README example is in the consumer suite, in the same order', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- consumer-example:start -->\n```ts\n([\s\S]*?)```\n<!-- consumer-example:end -->/.exec(readme);
  expect(block).not.toBeNull();
  const exampleLines = block![1]!.split('\n').filter((line) => line.trim() !== '');
  expect(exampleLines.length).toBeGreaterThan(20);
  const consumer = readFileSync(join(ROOT, 'test', 'consumer', 'test', 'fixture.test.ts'), 'utf8').split('\n');
  let at = 0;
  const missing: string[] = [];
  for (const line of exampleLines) {
    const found = consumer.indexOf(line, at);
    if (found === -1) missing.push(line);
    else at = found + 1;
  }
  expect(missing).toEqual([]);
});
