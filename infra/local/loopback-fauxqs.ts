import { type BuildAppOptions, buildApp } from 'fauxqs';
import { browserRefusal } from './browser-guard.ts';

type Stores = NonNullable<BuildAppOptions['stores']>;
type PersistenceManager = NonNullable<Stores['sqsStore']['persistence']>;

export interface LoopbackFauxqsOptions {
  port: number;
  /** Where SQLite keeps queues and messages across restarts. */
  dataDir: string;
  /** The host name fauxqs puts in queue URLs (`sqs.<region>.<host>:<port>`). */
  queueUrlHost?: string;
}

export interface LoopbackFauxqs {
  port: number;
  /** The endpoint, on 127.0.0.1. */
  url: string;
  stop(): Promise<void>;
}

/** fauxqs's store and persistence classes, which its package does not export by name. */
async function fauxqsParts() {
  const dist = new URL('./', import.meta.resolve('fauxqs'));
  const load = async <T>(path: string, name: string): Promise<T> => {
    const module = (await import(new URL(path, dist).href)) as Record<string, unknown>;
    if (typeof module[name] !== 'function') {
      throw new Error(`fauxqs changed its layout: no ${name} in dist/${path}`);
    }
    return module[name] as T;
  };
  return {
    SqsStore: await load<new () => Stores['sqsStore']>('sqs/sqsStore.js', 'SqsStore'),
    SnsStore: await load<new () => Stores['snsStore']>('sns/snsStore.js', 'SnsStore'),
    S3Store: await load<new () => Stores['s3Store']>('s3/s3Store.js', 'S3Store'),
    PersistenceManager: await load<new (dataDir: string) => PersistenceManager>(
      'persistence.js',
      'PersistenceManager',
    ),
  };
}

/**
 * fauxqs's persistence in `dataDir`, writing with SQLite's `synchronous = NORMAL`. fauxqs writes
 * every message change through to SQLite, in WAL mode, on the stack's only thread; at SQLite's
 * default (`FULL`) each of those commits waits for an fsync of the log, which held the stack's
 * event loop for seconds under a steady trickle. With `NORMAL`, WAL mode syncs at checkpoints
 * only: what the queues hold survives the stack stopping or crashing, and only a crash of the
 * machine itself may take back the last changes.
 */
export async function openQueuePersistence(dataDir: string): Promise<PersistenceManager> {
  const { PersistenceManager } = await fauxqsParts();
  const persistence = new PersistenceManager(dataDir);
  try {
    const { db } = persistence as unknown as { db?: { exec?: (sql: string) => void } };
    if (typeof db?.exec !== 'function') {
      throw new Error('fauxqs changed its layout: its persistence has no SQLite database');
    }
    db.exec('PRAGMA synchronous = NORMAL');
    return persistence;
  } catch (error) {
    try {
      persistence.close();
    } catch {
      // The error that stopped the start is the one to report.
    }
    throw error;
  }
}

/**
 * Starts fauxqs with SQLite persistence in `dataDir`, listening on 127.0.0.1 only.
 * `startFauxqs` (2.4.1) binds 0.0.0.0 whatever host it is given, so this builds the same
 * app from fauxqs's exported `buildApp` and its stores, wired as `startFauxqs` wires them.
 */
export async function startLoopbackFauxqs(options: LoopbackFauxqsOptions): Promise<LoopbackFauxqs> {
  const { SqsStore, SnsStore, S3Store } = await fauxqsParts();
  const stores: Stores = {
    sqsStore: new SqsStore(),
    snsStore: new SnsStore(),
    s3Store: new S3Store(),
  };
  const persistence = await openQueuePersistence(options.dataDir);
  // Loaded before the stores know their persistence, so loading does not write back.
  persistence.load(stores.sqsStore, stores.snsStore, stores.s3Store);
  stores.sqsStore.persistence = persistence;
  stores.snsStore.persistence = persistence;
  stores.s3Store.persistence = persistence;
  for (const queue of stores.sqsStore.allQueues()) queue.persistence = persistence;

  const app = buildApp({
    logger: false,
    stores,
    ...(options.queueUrlHost ? { host: options.queueUrlHost } : {}),
  });
  app.addHook('preClose', () => persistence.close());
  // Queues hold titles, bodies and accessor IDs: a page open in a browser must not reach them.
  app.addHook('onRequest', async (request, reply) => {
    const refused = browserRefusal(request.headers);
    if (refused !== undefined) await reply.code(403).type('text/plain').send(refused);
  });
  try {
    await app.listen({ port: options.port, host: '127.0.0.1' });
  } catch (error) {
    persistence.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stop: () => app.close(),
  };
}
