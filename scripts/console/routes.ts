import {
  ACCESSOR_RESULT_KINDS,
  type AccessorResultKind,
} from '../../shared/domain/request-record.ts';
import { REQUEST_STATUSES, type RequestStatusName } from '../../shared/domain/request-status.ts';
import { describeCallFailure, isConnectionRefused } from '../lib/errors.ts';
import { accessorCsv } from './accessor-csv.ts';
import { CONSOLE_CSS, CONSOLE_SCRIPT } from './assets.ts';
import type { ConsoleBackend } from './console-backend.ts';
import { describeDeadLetter, groupDeadLetters } from './dead-letters.ts';
import type { CsrfToken } from './guards.ts';
import type { SafeHtml } from './html.ts';
import { InvalidCursorError } from './ledger-request-list.ts';
import {
  deadLettersMain,
  REDRIVE_PROGRESS_PATH,
  redriveConfirmMain,
  redriveProgress,
} from './pages/dead-letters-page.ts';
import { errorMain, layout, type PageName } from './pages/layout.ts';
import { rateMain } from './pages/rate-page.ts';
import { type AccessorListing, requestMain } from './pages/request-page.ts';
import { requestsMain } from './pages/requests-page.ts';
import { StatusApiError } from './status-api-client.ts';

/** What a route answers: a whole body, or a stream of text. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  stream?: AsyncIterable<string>;
}

export interface RouteContext {
  backend: ConsoleBackend;
  csrf: CsrfToken;
  url: URL;
  /** A POST's form fields. */
  form?: URLSearchParams;
}

const PAGE_SIZE = 25;
const SEARCH_LIMITS = { matches: 500, scanned: 100_000 } as const;
const HTML = { 'content-type': 'text/html; charset=utf-8' };

function page(
  status: number,
  title: string,
  current: PageName | undefined,
  main: SafeHtml,
  backend: ConsoleBackend,
): Reply {
  return {
    status,
    headers: HTML,
    body: layout({ title, ...(current ? { current } : {}), target: backend.label, main }),
  };
}

function redirect(location: string): Reply {
  return { status: 303, headers: { location }, body: '' };
}

function kindOf(url: URL, name: string): AccessorResultKind {
  return url.searchParams.get(name) === ACCESSOR_RESULT_KINDS.skipped
    ? ACCESSOR_RESULT_KINDS.skipped
    : ACCESSOR_RESULT_KINDS.failed;
}

async function requestsPage({ backend, url }: RouteContext): Promise<Reply> {
  const asked = url.searchParams.get('status') ?? '';
  const status = (Object.values(REQUEST_STATUSES) as string[]).includes(asked)
    ? (asked as RequestStatusName)
    : undefined;
  const filters = {
    status,
    spaceId: url.searchParams.get('space')?.trim() || undefined,
    cursor: url.searchParams.get('cursor') || undefined,
  };
  const listed = await backend.requests.page({ limit: PAGE_SIZE, ...filters });
  return page(200, 'Requests', 'requests', requestsMain(listed, filters), backend);
}

async function accessorListing(
  backend: ConsoleBackend,
  requestId: string,
  url: URL,
): Promise<AccessorListing> {
  const kind = kindOf(url, 'kind');
  const q = url.searchParams.get('q')?.trim() ?? '';
  if (q === '') {
    const token = url.searchParams.get('page') || undefined;
    const found = await backend.api.accessors(requestId, kind, { limit: 100, nextToken: token });
    return { kind, items: found.items, nextToken: found.nextToken };
  }
  // Searched here, over every page: the API has no search of its own.
  const needle = q.toLowerCase();
  const items: AccessorListing['items'] = [];
  let scanned = 0;
  for await (const found of backend.api.allAccessors(requestId, kind)) {
    scanned += found.items.length;
    items.push(...found.items.filter((item) => item.accessorId.toLowerCase().includes(needle)));
    if (items.length >= SEARCH_LIMITS.matches || scanned >= SEARCH_LIMITS.scanned) {
      return {
        kind,
        items: items.slice(0, SEARCH_LIMITS.matches),
        // Cut short: more pages to read, or more matches than are shown.
        search: {
          q,
          scanned,
          truncated: found.nextToken !== undefined || items.length > SEARCH_LIMITS.matches,
        },
      };
    }
  }
  return { kind, items, search: { q, scanned, truncated: false } };
}

async function requestPage({ backend, url }: RouteContext, requestId: string): Promise<Reply> {
  const answer = await backend.api.status(requestId);
  if (answer === undefined) {
    return page(
      404,
      'Not found',
      'requests',
      errorMain('Request not found', `No request ${requestId}, or it has expired.`),
      backend,
    );
  }
  const listing = await accessorListing(backend, requestId, url);
  return page(200, `Request ${requestId}`, 'requests', requestMain(answer, listing), backend);
}

async function statusJson({ backend }: RouteContext, requestId: string): Promise<Reply> {
  const answer = await backend.api.status(requestId);
  return answer === undefined
    ? {
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"Request not found"}',
      }
    : { status: 200, headers: { 'content-type': 'application/json' }, body: answer.json };
}

async function accessorsCsv({ backend, url }: RouteContext, requestId: string): Promise<Reply> {
  const kind = kindOf(url, 'status');
  // Asked first, so an unknown request is a 404 and not a CSV cut short.
  if ((await backend.api.status(requestId)) === undefined) {
    return {
      status: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'Request not found\n',
    };
  }
  const filename = `${requestId.replace(/[^A-Za-z0-9._-]/g, '_')}-${kind}.csv`;
  return {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
    },
    stream: accessorCsv(backend.api.allAccessors(requestId, kind)),
  };
}

async function deadLetterGroups(backend: ConsoleBackend) {
  const snapshot = await backend.deadLetters();
  return { snapshot, groups: groupDeadLetters(snapshot.messages.map(describeDeadLetter)) };
}

async function deadLettersPage({ backend }: RouteContext): Promise<Reply> {
  const { snapshot, groups } = await deadLetterGroups(backend);
  return page(
    200,
    'Dead letters',
    'deadLetters',
    deadLettersMain(snapshot, groups, backend.redrive.state()),
    backend,
  );
}

async function redriveConfirm({ backend, csrf }: RouteContext): Promise<Reply> {
  if (backend.redrive.state().running) return redirect('/dead-letters#redrive');
  const { snapshot, groups } = await deadLetterGroups(backend);
  return page(
    200,
    'Redrive',
    'deadLetters',
    redriveConfirmMain(snapshot, groups, csrf.value),
    backend,
  );
}

async function redriveStart({ backend, csrf, form }: RouteContext): Promise<Reply> {
  if (!csrf.matches(form?.get('csrf') ?? undefined)) {
    return page(
      403,
      'Forbidden',
      'deadLetters',
      errorMain('Forbidden', 'The form is out of date: open the redrive page again.'),
      backend,
    );
  }
  backend.redrive.start();
  return redirect('/dead-letters#redrive');
}

/** The redrive's progress alone, for the dead letters page to refresh without reading the DLQ. */
async function redriveProgressFragment({ backend }: RouteContext): Promise<Reply> {
  return { status: 200, headers: HTML, body: redriveProgress(backend.redrive.state()).text };
}

async function ratePage({ backend }: RouteContext): Promise<Reply> {
  return page(200, 'Rate', 'rate', rateMain(await backend.rate.read()), backend);
}

const REQUEST_PATH = /^\/requests\/([^/]+)(\/status\.json|\/accessors\.csv)?$/;

/** The route for a method and path; undefined when there is none. */
export function routeFor(
  method: string,
  path: string,
): ((context: RouteContext) => Promise<Reply>) | undefined {
  if (method === 'POST') return path === '/dead-letters/redrive' ? redriveStart : undefined;
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const fixed: Record<string, (context: RouteContext) => Promise<Reply>> = {
    '/': async () => redirect('/requests'),
    '/assets/console.css': async () => ({
      status: 200,
      headers: { 'content-type': 'text/css; charset=utf-8' },
      body: CONSOLE_CSS,
    }),
    '/assets/console.js': async () => ({
      status: 200,
      headers: { 'content-type': 'text/javascript; charset=utf-8' },
      body: CONSOLE_SCRIPT,
    }),
    '/requests': requestsPage,
    '/dead-letters': deadLettersPage,
    '/dead-letters/redrive': redriveConfirm,
    [REDRIVE_PROGRESS_PATH]: redriveProgressFragment,
    '/rate': ratePage,
  };
  if (fixed[path]) return fixed[path];
  const match = REQUEST_PATH.exec(path);
  if (!match) return undefined;
  let requestId: string;
  try {
    requestId = decodeURIComponent(match[1] ?? '');
  } catch {
    return undefined;
  }
  if (match[2] === '/status.json') return (context) => statusJson(context, requestId);
  if (match[2] === '/accessors.csv') return (context) => accessorsCsv(context, requestId);
  return (context) => requestPage(context, requestId);
}

/** The page for an error a route threw: 400 for a bad cursor or request ID, else 502. */
export function failureReply(error: unknown, backend: ConsoleBackend): Reply {
  if (error instanceof InvalidCursorError) {
    return page(400, 'Bad request', undefined, errorMain('Bad request', error.message), backend);
  }
  if (error instanceof StatusApiError && error.statusCode === 400) {
    return page(400, 'Bad request', undefined, errorMain('Bad request', error.message), backend);
  }
  const reason = describeCallFailure(error);
  const hint = backend.local && isConnectionRefused(error) ? ' Is npm start running?' : '';
  return page(
    502,
    'Unavailable',
    undefined,
    errorMain('The pipeline did not answer', `${backend.label}: ${reason}.${hint}`),
    backend,
  );
}
