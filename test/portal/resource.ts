// The "resource behind the gateway" for demos and tests: a plain HTTP server bound to the
// gateway's tunnel address, so only clients with a working tunnel can reach it.
//   node dist/test/portal/resource.js HOST PORT
import { createServer } from 'node:http';

const [host = '10.200.0.1', portText = '8080'] = process.argv.slice(2);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('hello from behind the gateway\n');
});
server.listen(Number(portText), host, () => {
  process.stdout.write(`${JSON.stringify({ message: 'resource ready', host, port: portText })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
process.once('SIGINT', () => server.close(() => process.exit(0)));
