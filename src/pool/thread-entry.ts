// Entry of a pool worker thread (isolation: 'thread').
import { parentPort, workerData } from 'node:worker_threads';
import { own } from '../control.js';
import type { ToRunner } from './protocol.js';
import { serve } from './runner.js';

const port = parentPort!;
const control = own()!;
void serve((workerData as { filename: string }).filename, control, {
  send: (message) => port.postMessage(message),
  onMessage: (handler) => port.on('message', (m: ToRunner) => handler(m)),
});
