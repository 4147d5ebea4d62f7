import net, { type AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import { isDatabaseUnavailableError } from '../../src/db/errors';

/**
 * The error Node gives a write to a socket whose peer has closed it (a killed database server), caught
 * the way the driver's wait for 'drain' meets it: as the socket's 'error' event.
 */
async function writeAfterPeerClosed(): Promise<Error> {
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => socket.once('end', resolve));
    const failed = new Promise<Error>((resolve) => socket.once('error', resolve));
    socket.write(Buffer.from('a command'));
    const error = await failed;
    socket.destroy();
    return error;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('isDatabaseUnavailableError', () => {
  it('when a write meets a socket its peer closed, then the raw socket error the driver lets through counts as the database being unavailable', async () => {
    const error = await writeAfterPeerClosed();

    expect(error).not.toBeInstanceOf(mongoose.mongo.MongoError);
    expect((error as NodeJS.ErrnoException).code).toBe('EPIPE');
    expect(isDatabaseUnavailableError(error)).toBe(true);
  });

  it.each(['ECONNRESET', 'EPIPE', 'ETIMEDOUT'])('when a raw socket error with code %s escapes, then it counts', (code) => {
    expect(isDatabaseUnavailableError(Object.assign(new Error(`read ${code}`), { code, syscall: 'read' }))).toBe(true);
  });

  it("when the driver's own network, selection and timeout errors escape, then they count", () => {
    const network = new mongoose.mongo.MongoNetworkError('connection 3 to 127.0.0.1:27017 closed');
    expect(isDatabaseUnavailableError(network)).toBe(true);
    expect(isDatabaseUnavailableError(new mongoose.mongo.MongoOperationTimeoutError('Timed out during server selection'))).toBe(true);
    expect(isDatabaseUnavailableError(new mongoose.mongo.MongoTopologyClosedError())).toBe(true);
  });

  it('when an error is not about reaching the database, then it does not count', () => {
    const duplicate = new mongoose.mongo.MongoServerError({ message: 'E11000 duplicate key error', code: 11000 });
    expect(isDatabaseUnavailableError(duplicate)).toBe(false);
    expect(isDatabaseUnavailableError(new Error('This socket has been ended by the other party'))).toBe(false);
    expect(isDatabaseUnavailableError(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).toBe(false);
    // A failed fetch (an OpenID provider, say) is a TypeError whose cause holds the socket error: not the database.
    const fetchFailed = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }) });
    expect(isDatabaseUnavailableError(fetchFailed)).toBe(false);
    expect(isDatabaseUnavailableError({ code: 'EPIPE' })).toBe(false);
  });
});
