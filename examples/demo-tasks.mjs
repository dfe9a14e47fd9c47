// The task module of the demo's pool.
import { threadId } from 'node:worker_threads';

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export default function task(input) {
  switch (input.kind) {
    case 'normal':
      return { value: fib(input.n), thread: threadId };
    case 'runaway':
      for (;;) {
        // a bug: never returns
      }
    case 'regex':
      // catastrophic backtracking: would take longer than the age of the universe
      return { value: /(a+)+$/.test(`${'a'.repeat(input.n)}!`), thread: threadId };
    default:
      throw new TypeError(`unknown kind ${input.kind}`);
  }
}
