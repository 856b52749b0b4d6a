import { type ProxyAnswer, startFaultProxy } from './fault-proxy.ts';

/**
 * What the proxy does with one SendInvites call: pass it to the simulator, answer it itself as
 * the service would fail, or drop the connection.
 */
export type ScriptedAnswer = 'forward' | 'drop' | ProxyAnswer;

export interface ProxiedCall {
  path: string;
  authorization: string;
  accessorIds: string[];
  /** The status the caller got, or `drop`. */
  answer: number | 'drop';
  /** The `x-amzn-requestid` of the answer. */
  requestId?: string;
}

export interface RepostspaceFaultProxy {
  endpoint: string;
  /** Every call that reached the proxy, in order. */
  readonly calls: ProxiedCall[];
  stop(): Promise<void>;
}

/**
 * A fault proxy (`startFaultProxy`) in front of the re:Post Private simulator that answers the
 * n-th call (from 1) as `script` says: the failures a test needs in an exact order (a 429 with
 * `Retry-After`, a 500, a dropped connection), and everything else forwarded whole, so that the
 * simulator checks its signature and input and records what it delivers.
 */
export async function startRepostspaceFaultProxy(
  target: string,
  script: (call: number) => ScriptedAnswer,
): Promise<RepostspaceFaultProxy> {
  const proxy = await startFaultProxy(target, (_request, index) => {
    const answer = script(index);
    return typeof answer === 'object'
      ? { ...answer, headers: { 'content-type': 'application/json', ...answer.headers } }
      : answer;
  });
  return {
    endpoint: proxy.endpoint,
    get calls() {
      return proxy.calls.map(({ request, answer, requestId }) => {
        const input = JSON.parse(request.body.toString('utf8')) as { accessorIds?: string[] };
        return {
          path: request.path,
          authorization: request.headers.authorization ?? '',
          accessorIds: input.accessorIds ?? [],
          answer,
          ...(requestId === undefined ? {} : { requestId }),
        };
      });
    },
    stop: () => proxy.stop(),
  };
}
