// Forked processes that stand in for machines, and waiting on their IPC messages.
import { fork, type ChildProcess } from 'node:child_process';

export interface Message {
  event: string;
  [key: string]: unknown;
}

export class Machine {
  readonly child: ChildProcess;
  readonly messages: Message[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<{ test: (m: Message) => boolean; resolve: (m: Message) => void }> = [];

  constructor(fixture: string, args: unknown) {
    this.child = fork(new URL(`./fixtures/${fixture}`, import.meta.url), [JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.on('message', (m: Message) => {
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.test(m) ? (w.resolve(m), false) : true));
    });
  }

  /** The first message (already received or still to come) for which `test` holds. */
  next(test: (m: Message) => boolean): Promise<Message> {
    const seen = this.messages.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ test, resolve });
      void this.exited.then(({ code, signal }) => reject(new Error(`the process exited (code ${code}, signal ${signal}) before the message came`)));
    });
  }

  events(name: string): Message[] {
    return this.messages.filter((m) => m.event === name);
  }

  /** Asks a worker process to close its BullMQ worker and pool; resolves with its report. */
  async close(): Promise<Message> {
    this.child.send({ type: 'close' });
    const closed = await this.next((m) => m.event === 'closed');
    await this.exited;
    return closed;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
