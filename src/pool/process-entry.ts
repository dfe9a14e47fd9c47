// Entry of a pool child process (isolation: 'process'). Its control block lives in this
// process only: stopRequested() turns true when the cancel message arrives.
import { adoptControl, requestStop } from '../control.js';
import type { FromRunner, ToRunner } from './protocol.js';
import { serve } from './runner.js';

const filename = process.argv[2]!;
const control = adoptControl();
void serve(filename, control, { cells: undefined }, {
  // After the pool disconnected (closing, or killing us) there is nobody left to tell;
  // the callback keeps a failed write (EPIPE) from becoming an unhandled 'error'.
  send: (message: FromRunner) => void (process.connected && process.send!(message, undefined, undefined, () => {})),
  onMessage: (handler) =>
    process.on('message', (m: ToRunner) => {
      if (m.type === 'cancel') requestStop(control, m.id);
      handler(m);
    }),
});
// The pool ends us by closing the channel (or by signals, when cancelling).
process.on('disconnect', () => process.exit(0));
