import { spawn } from 'node:child_process';
import { ANSWER_TAG, readTaggedAnswer } from '../../scripts/db/child-answer';

/** A real child process running `script` with node, as the database children run. */
function child(script: string) {
  return spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('the answer protocol between the provisioner and its database child', () => {
  it('when download progress, JSON-looking lines and a split write come before the answer, then only the tagged line is read', async () => {
    const process_ = child(`
      const out = process.stdout;
      out.write('Downloading MongoDB "8.0.4": 0% (0mb / 112.3mb)\\r');
      out.write('Downloading MongoDB "8.0.4": 47.2% (53mb / 112.3mb)\\n');
      out.write('{"progress": 100}\\n');
      console.error('a warning on stderr');
      out.write('${ANSWER_TAG}{"uri":"mongodb://127.0.0.1:40');
      setTimeout(() => { out.write('123/"}\\nnoise after the answer\\n'); setTimeout(() => {}, 200); }, 50);
    `);

    const answer = await readTaggedAnswer(process_, { timeoutMs: 10_000, what: 'child' });

    expect(JSON.parse(answer)).toEqual({ uri: 'mongodb://127.0.0.1:40123/' });
    process_.kill();
  });

  it('when the child exits without an answer, then it rejects with what the child printed', async () => {
    const process_ = child(
      `console.log('Downloading MongoDB: 3%'); console.error('getaddrinfo ENOTFOUND fastdl.mongodb.org'); process.exit(3);`,
    );

    await expect(readTaggedAnswer(process_, { timeoutMs: 10_000, what: 'child' })).rejects.toThrow(/exited with 3: .*ENOTFOUND/s);
  });

  it('when no tagged line comes in time, then it rejects after the timeout', async () => {
    const process_ = child(`console.log('still downloading'); setTimeout(() => {}, 10_000);`);

    await expect(readTaggedAnswer(process_, { timeoutMs: 300, what: 'child' })).rejects.toThrow('child: no answer within 300 ms');
    process_.kill();
  });

  it('when the Java stand-in prints JVM warnings first, then its "listening" line is still found', async () => {
    const process_ = child(
      `console.log('WARNING: sun.misc.Unsafe::allocateMemory will be removed'); console.log('listening 27999'); setTimeout(() => {}, 200);`,
    );

    await expect(readTaggedAnswer(process_, { tag: 'listening ', timeoutMs: 10_000, what: 'java' })).resolves.toBe('27999');
    process_.kill();
  });
});
