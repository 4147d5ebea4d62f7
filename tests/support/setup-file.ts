import net from 'node:net';
import { configureLogger } from '../../src/lib/logger';

configureLogger({ level: process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent', format: 'pretty' });

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1']);
const allowedHosts = new Set(LOOPBACK);
for (const uri of [process.env.TEST_MONGODB_URI]) {
  const hosts = uri ? /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri)?.[1] : undefined;
  hosts?.split(',').forEach((host) => allowedHosts.add(host.replace(/:\d+$/, '')));
}

// Tests may only talk to loopback (and a TEST_MONGODB_URI the user chose): anything else is a bug.
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0] as { host?: string; path?: string } | number | string;
  const host = typeof first === 'object' && first !== null ? first.host : typeof args[1] === 'string' ? args[1] : undefined;
  const isPipe = typeof first === 'object' && first !== null && first.path !== undefined;
  if (!isPipe && host !== undefined && !allowedHosts.has(host) && !host.startsWith('127.')) {
    throw new Error(`outbound network blocked in tests: ${host}`);
  }
  return (originalConnect as (...connectArgs: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
