// Entry of a pool worker thread (isolation: 'thread').
import { parentPort, workerData } from 'node:worker_threads';
import { ownControl } from '../control.js';
import type { ToRunner } from './protocol.js';
import { serve } from './runner.js';

const port = parentPort!;
const data = workerData as { filename: string; taskCells: Int32Array };
void serve(data.filename, ownControl()!, { cells: data.taskCells }, {
  send: (message) => port.postMessage(message),
  onMessage: (handler) => port.on('message', (m: ToRunner) => handler(m)),
});
