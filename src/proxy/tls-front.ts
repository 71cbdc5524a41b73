/**
 * The TCP listener in front of a TLS site's HTTPS server, there to see the ClientHello that Node's
 * TLS layer does not expose. On accept the site's ConnectionGuard admits the connection (counted
 * once, here); the front then reads the first TLS record(s), computes the JA3/JA4 fingerprints,
 * puts every byte read back (`unshift`) and hands the socket to the HTTPS server
 * (`emit('connection')`), where TLS proceeds exactly as if that server had accepted it (Node's TLS
 * socket first consumes what is buffered on the socket it wraps).
 *
 * Bounds: at most `maxHelloBytes` (16 KB) are buffered per connection, and a client that does not
 * complete its ClientHello within the site's header deadline (`limits.headersTimeoutMs`, the
 * handshake timeout) is cut by the guard's ticker (counted as SLOW_HEADERS). Anything that is not a
 * well-formed ClientHello (plain HTTP on the TLS port, garbage, an oversized hello) is handed over
 * at once without a fingerprint, and TLS fails it as it would have.
 *
 * The fingerprints are kept per connection in a WeakMap (first on the TCP socket, then on the TLS
 * socket once the handshake is done) and read per request with {@link tlsFingerprintsOf}.
 */
import type http from 'node:http';
import type https from 'node:https';
import net, { type Socket } from 'node:net';
import type { ConnectionGuard, UpstreamGate } from './limits.js';
import { ClientHelloReader, HELLO_DONE, HELLO_INVALID, HELLO_MORE, MAX_HELLO_BYTES, fingerprints, type TlsFingerprints } from './tls-hello.js';

const FRONT = Symbol('bulwark.tlsFront');
const READER = Symbol('bulwark.helloReader');

type FrontServer = net.Server & { [FRONT]?: TlsFront };
type HelloSocket = Socket & { [READER]?: ClientHelloReader; [FRONT]?: TlsFront };

/** Fingerprints by socket: the accepted TCP socket, and its TLS socket after the handshake. */
const byConnection = new WeakMap<Socket, TlsFingerprints>();

/** The JA3/JA4 fingerprints of the connection a request came on (undefined when none were computed). */
export function tlsFingerprintsOf(socket: Socket | null | undefined): TlsFingerprints | undefined {
  return socket ? byConnection.get(socket) : undefined;
}

/** Options of {@link TlsFront}. */
export interface TlsFrontOptions {
  /** Largest ClientHello buffered (records included); larger ones are handed over without a fingerprint. */
  readonly maxHelloBytes?: number;
}

/** Accepts a TLS site's connections, fingerprints their ClientHello and hands them to the HTTPS server. */
export class TlsFront {
  /** The listening socket of the site (listen, address and close go here). */
  readonly server: net.Server;
  /** Connections still sending their ClientHello. */
  private readonly pending = new Set<Socket>();
  private readonly maxHelloBytes: number;

  constructor(
    /** The site's HTTPS server (not listening itself). */
    readonly tls: https.Server,
    private readonly guard: ConnectionGuard,
    o: TlsFrontOptions = {},
  ) {
    this.maxHelloBytes = o.maxHelloBytes ?? MAX_HELLO_BYTES;
    // The socket options an https.Server gives its own accepted sockets.
    this.server = net.createServer({ noDelay: true, allowHalfOpen: false });
    (this.server as FrontServer)[FRONT] = this;
  }

  /** Wires the guard (admission on accept), the ClientHello reader and the HTTPS server's hooks. */
  attach(gate?: UpstreamGate): void {
    // The guard's own 'connection' listener admits (or refuses and destroys) first; tracking of the
    // TLS socket's deadlines starts at secureConnection as for a plain HTTPS server.
    this.guard.attach(this.server as unknown as http.Server, gate);
    this.server.on('connection', onAccept);
    this.server.once('listening', onListening);
    this.tls.on('secureConnection', onSecureConnection);
    (this.tls as unknown as { [FRONT]: TlsFront })[FRONT] = this;
  }

  /** Destroys the connections still in their ClientHello and stops the HTTPS server's connection checker. */
  close(): void {
    for (const s of this.pending) s.destroy();
    this.pending.clear();
    // Not listening itself: this only clears its connection checker and closes idle connections.
    this.tls.close();
  }

  /** Starts reading the ClientHello of an admitted connection. */
  begin(socket: HelloSocket): void {
    socket[READER] = new ClientHelloReader(this.maxHelloBytes);
    socket[FRONT] = this;
    this.pending.add(socket);
    // Phase "waiting for headers" from accept: the guard cuts a ClientHello slower than headersTimeoutMs.
    this.guard.track(socket, Date.now());
    socket.on('error', ignore);
    socket.once('close', onPendingClose);
    socket.on('data', onHelloData);
  }

  /** A connection closed while sending its ClientHello. */
  forget(socket: HelloSocket): void {
    socket[READER] = undefined;
    this.pending.delete(socket);
  }

  /** Puts the bytes read back and gives the socket to the HTTPS server. */
  handOver(socket: HelloSocket, reader: ClientHelloReader, done: boolean): void {
    socket.removeListener('data', onHelloData);
    socket.removeListener('close', onPendingClose);
    socket.pause();
    socket[READER] = undefined;
    this.pending.delete(socket);
    // From here Node's TLS handshake timeout (the same headersTimeoutMs) bounds the handshake.
    this.guard.untrack(socket);
    if (done && reader.hello !== undefined) byConnection.set(socket, fingerprints(reader.hello));
    socket.unshift(reader.received());
    // A socket that failed meanwhile (e.g. unshift after its end) is not handed to TLS.
    if (socket.destroyed) return;
    socket.removeListener('error', ignore);
    this.tls.emit('connection', socket);
  }

  /** The handshake is done: deadlines move to the TLS socket, and so do the fingerprints. */
  secured(tlsSocket: Socket): void {
    this.guard.track(tlsSocket, Date.now());
    const raw = (tlsSocket as unknown as { _parent?: unknown })._parent;
    if (raw instanceof net.Socket) {
      const fp = byConnection.get(raw);
      if (fp !== undefined) byConnection.set(tlsSocket, fp);
    }
  }
}

function ignore(): void {}

function onAccept(this: FrontServer, socket: Socket): void {
  // Refused by the guard (its listener ran first and destroyed the socket).
  if (socket.destroyed) return;
  this[FRONT]?.begin(socket);
}

function onListening(this: FrontServer): void {
  // Starts the HTTPS server's connection tracking (closeIdleConnections/closeAllConnections and
  // Node's header/request timeout checker), which it would start on its own 'listening'.
  this[FRONT]?.tls.emit('listening');
}

function onHelloData(this: HelloSocket, chunk: Buffer): void {
  const reader = this[READER];
  const front = this[FRONT];
  if (reader === undefined || front === undefined) return;
  let state: number;
  try {
    state = reader.push(chunk);
  } catch {
    state = HELLO_INVALID;
  }
  if (state === HELLO_MORE) return;
  front.handOver(this, reader, state === HELLO_DONE);
}

function onPendingClose(this: HelloSocket): void {
  this[FRONT]?.forget(this);
}

function onSecureConnection(this: https.Server, tlsSocket: Socket): void {
  (this as unknown as { [FRONT]?: TlsFront })[FRONT]?.secured(tlsSocket);
}
