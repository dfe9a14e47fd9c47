// G7: Node's own termination passes through our boundaries untouched.
import { describe, expect, it } from 'vitest';
import { interrupt } from '../dist/index.js';
import { Agent } from './helpers.js';

describe("G7: Node's own termination wins", () => {
  it('worker.terminate() while a region runs still ends the worker', async () => {
    const a = await Agent.start();
    const { first } = a.start('return lib.interruptible((scope) => { post("in"); for (;;) {} });');
    await first;
    expect(await a.worker.terminate()).toBe(1);
  });

  it('worker.terminate() racing our interrupt ends the worker every time', async () => {
    for (let i = 0; i < 20; i++) {
      const a = await Agent.start();
      const { first } = a.start('return lib.interruptible((scope) => { post(scope.handle); for (;;) {} });');
      const handle = (await first) as never;
      // Our request first on even rounds, Node's first on odd ones.
      if (i % 2 === 0) interrupt(handle, 'race');
      const exited = a.worker.terminate();
      if (i % 2 === 1) interrupt(handle, 'race');
      expect(await exited).toBe(1);
    }
  });

  it('process.exit() inside a region ends the worker with its exit code', async () => {
    const a = await Agent.start();
    void a.run('lib.interruptible(() => { process.exit(7); })');
    expect(await a.exit()).toBe(7);
  });
});
