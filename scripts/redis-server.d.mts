// Types of scripts/redis-server.mjs, for the TypeScript tests that use it.
export declare const REDIS_URL_VARIABLE: 'INTERRUPTIBLE_REDIS_URL';
export declare function connectionFor(url: string): { path: string; maxRetriesPerRequest: null } | { host: string; port: number; maxRetriesPerRequest: null };
export declare function startRedis(): Promise<{ url: string; stop(): Promise<void> }>;
