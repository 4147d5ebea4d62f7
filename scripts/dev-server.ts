/**
 * The server as `npm run dev` runs it: src/server.ts, plus one rule for an orphan. The launcher keeps
 * this process out of the terminal's process group (so one Ctrl-C reaches it once, through the
 * launcher); if the launcher dies without a word, its IPC channel closes and this shuts down gracefully.
 */
import '../src/server';

process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
