// The baseline: a bare node:http server answering every request with a fixed body of the given
// size and content type, doing no parsing, authentication or authorization.
// Usage: node bench/bare-server.mjs <port> <body-file> <content-type>
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [port, bodyFile, contentType] = process.argv.slice(2);
const body = readFileSync(bodyFile);
http
  .createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': contentType, 'x-amzn-requestid': '00000000-0000-0000-0000-000000000000' });
      res.end(body);
    });
  })
  .listen(Number(port), '127.0.0.1', function () {
    process.stdout.write(`ready ${this.address().port}\n`);
  });
