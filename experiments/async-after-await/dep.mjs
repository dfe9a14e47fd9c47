// Stands for a dependency of a task module: loaded by Node's own loader, so in the main realm.
export async function loopAfterAwait(spinning) {
  await null;
  spinning();
  for (;;);
}
