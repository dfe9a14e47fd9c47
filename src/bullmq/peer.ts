// BullMQ is an optional peer dependency: load it here, once, so that a missing install
// fails with a message that says what to do instead of a bare resolution error.
import type * as BullMQ from 'bullmq';

async function load(): Promise<typeof BullMQ> {
  try {
    return await import('bullmq');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes("'bullmq'")) {
      throw new Error(
        "interruptible/bullmq needs the package 'bullmq' (an optional peer dependency of interruptible), " +
          'which could not be found from here: install it next to interruptible (npm install bullmq)',
        { cause: error },
      );
    }
    throw error;
  }
}

export const bullmq: typeof BullMQ = await load();
