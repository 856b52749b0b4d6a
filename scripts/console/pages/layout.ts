import { html, type SafeHtml } from '../html.ts';

export const PAGES = {
  requests: { path: '/requests', title: 'Requests' },
  deadLetters: { path: '/dead-letters', title: 'Dead letters' },
  rate: { path: '/rate', title: 'Rate' },
} as const;

export type PageName = keyof typeof PAGES;

/** A whole page: the header with the three sections and where the console points, then `main`. */
export function layout(options: {
  title: string;
  current?: PageName;
  target: string;
  main: SafeHtml;
}): string {
  const nav = (Object.entries(PAGES) as [PageName, (typeof PAGES)[PageName]][]).map(
    ([name, page]) =>
      html`<li><a href="${page.path}"${name === options.current ? html` aria-current="page"` : ''}>${page.title}</a></li>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Invite pipeline console</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<span class="brand">Invite pipeline</span>
<nav aria-label="Sections"><ul>${nav}</ul></nav>
<span class="target">${options.target}</span>
</header>
<main id="main" tabindex="-1">
${options.main}
</main>
</body>
</html>
`.text;
}

/** A page that says what went wrong, and nothing it should not. */
export function errorMain(heading: string, message: string): SafeHtml {
  return html`<h1>${heading}</h1><p class="error" role="alert">${message}</p>`;
}
