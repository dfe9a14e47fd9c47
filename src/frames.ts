// Frames: where interrupted code was (G11), in the form users see and as text.

/** One JavaScript frame the interrupted code was executing, innermost first. */
export interface InterruptFrame {
  readonly function: string;
  readonly script: string;
  readonly line: number;
  readonly column: number;
}

/** The addon's flat frames (native/stack.h) as InterruptFrames. */
export function framesFrom(flat: ReadonlyArray<string | number>): InterruptFrame[] {
  const frames: InterruptFrame[] = [];
  // Stryker disable next-line EqualityOperator: equivalent, the addon's array is whole groups of four, so i + 3 never equals its length
  for (let i = 0; i + 3 < flat.length; i += 4) {
    frames.push({ function: flat[i] as string, script: flat[i + 1] as string, line: flat[i + 2] as number, column: flat[i + 3] as number });
  }
  return frames;
}

export function formatFrame(f: InterruptFrame): string {
  const where = `${f.script || '<anonymous>'}:${f.line}:${f.column}`;
  return f.function ? `    at ${f.function} (${where})` : `    at ${where}`;
}

/** The text appended to an interrupt error's stack. */
export function framesText(frames: readonly InterruptFrame[]): string {
  return frames.length > 0 ? `\n    --- interrupted at ---\n${frames.map(formatFrame).join('\n')}` : '';
}

/** The frames of the caller of `below`, in InterruptFrame form. */
export function currentFrames(below: Function): InterruptFrame[] {
  const previous = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, sites) => sites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, below);
    const sites = holder.stack as NodeJS.CallSite[];
    return sites.map((s) => ({
      function: s.getFunctionName() ?? '',
      script: s.getFileName() ?? '',
      line: s.getLineNumber() ?? 0,
      column: s.getColumnNumber() ?? 0,
    }));
  } finally {
    Error.prepareStackTrace = previous;
  }
}
