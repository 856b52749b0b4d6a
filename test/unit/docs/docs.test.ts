import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../../..');
/** The front page must stay short: quick start, local use, deploy, call, tear down. */
const README_MAX_LINES = 300;

/** Every Markdown file a reader opens: the top-level ones and `docs/`, relative to the root. */
function markdownFiles(): string[] {
  const top = readdirSync(ROOT).filter((name) => name.endsWith('.md'));
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  return [...top, ...docs].sort();
}

/** The text outside fenced code blocks, where links are links. */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** Link and image targets: `[text](target)`, `![alt](target)` and `<img src="target">`. */
function linkTargets(text: string): string[] {
  const body = prose(text);
  const markdown = [...body.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)];
  const html = [...body.matchAll(/<img\b[^>]*\bsrc="([^"]+)"/g)];
  return [...markdown, ...html].map((match) => match[1] as string);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces become hyphens. */
function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a Markdown file's headings get, a repeated one numbered as GitHub does. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of prose(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = headingSlug(match[1] as string);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

/** What is wrong with one relative link of `file`, or undefined when it resolves. */
function brokenLink(file: string, target: string): string | undefined {
  const [path = '', anchor] = target.split('#', 2);
  const absolute = path === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), path);
  if (!existsSync(absolute)) return `${file}: ${target} points at nothing`;
  if (anchor === undefined || anchor === '' || !absolute.endsWith('.md')) return undefined;
  if (!statSync(absolute).isFile()) return `${file}: ${target} is not a file`;
  const anchors = anchorsOf(readFileSync(absolute, 'utf8'));
  return anchors.has(anchor)
    ? undefined
    : `${file}: ${target} names no heading of ${relative(ROOT, absolute)}`;
}

describe('the documentation', () => {
  const files = markdownFiles();

  it('links only to files and headings that exist', () => {
    const broken = files.flatMap((file) =>
      linkTargets(readFileSync(join(ROOT, file), 'utf8'))
        .filter((target) => !isExternal(target))
        .map((target) => brokenLink(file, target))
        .filter((problem) => problem !== undefined),
    );

    assert.deepEqual(broken, []);
  });

  it('mentions only npm scripts that package.json defines', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };

    const unknown = files.flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/\bnpm run ([a-z][\w:-]*)/g)]
        .map((match) => match[1] as string)
        .filter((name) => !(name in scripts))
        .map((name) => `${file}: npm run ${name}`),
    );

    assert.deepEqual(unknown, []);
  });

  it('writes every shell command so that it runs when pasted: an indented line continues one ending in \\', () => {
    const problems: string[] = [];
    for (const file of markdownFiles()) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const block of text.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```$/gm)) {
        const lines = (block[1] as string).split('\n');
        let quoted = false;
        lines.forEach((line, index) => {
          // Inside a single-quoted string a line break is part of the string.
          quoted = (line.split("'").length - 1) % 2 === 1 ? !quoted : quoted;
          const next = lines[index + 1] ?? '';
          // An indented line is the rest of a command: the line before must say it goes on.
          const continued = quoted || /(\\|\||&&|\bdo|\bthen|[{(])$/.test(line.trimEnd());
          if (/^\s+\S/.test(next) && !continued && !line.trimStart().startsWith('#')) {
            problems.push(`${file}: ${line.trim()}`);
          }
        });
      }
    }
    assert.deepEqual(problems, []);
  });

  it('keeps the README short and links it to every page under docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const linked = new Set(linkTargets(readme).map((target) => target.split('#')[0]));

    const lines = readme.split('\n').length;
    const unlinked = files.filter((file) => file.startsWith('docs/') && !linked.has(file));

    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines`);
    assert.deepEqual(unlinked, []);
  });
});

describe('linkTargets and headingSlug', () => {
  it('finds Markdown links, images and img tags, but not links inside code blocks', () => {
    const text = [
      'See [the docs](docs/a.md#part) and ![shot](b.png "title").',
      '<img src="c.png" alt="c" width="3">',
      '```sh',
      'echo "[not](a-link.md)"',
      '```',
      '[out](https://example.com)',
    ].join('\n');

    assert.deepEqual(linkTargets(text), [
      'docs/a.md#part',
      'b.png',
      'https://example.com',
      'c.png',
    ]);
  });

  it('makes the anchors GitHub makes of headings with code and punctuation', () => {
    assert.equal(
      headingSlug('The invite API: `POST /spaces/{spaceId}/invite`'),
      'the-invite-api-post-spacesspaceidinvite',
    );
    assert.equal(headingSlug("The functions' environment"), 'the-functions-environment');
    assert.equal(headingSlug('Outcome → action'), 'outcome--action');
  });
});
