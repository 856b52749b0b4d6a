// Runs fauxqs in its own process, as SQS is a remote service, and reports its address.
import { startFauxqs } from 'fauxqs';

const server = await startFauxqs({ port: 0, logger: false });
process.stdout.write(`${JSON.stringify({ address: server.address })}\n`);
process.on('SIGTERM', () => {
  server.stop().then(() => process.exit(0));
});
