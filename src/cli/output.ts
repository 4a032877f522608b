/** Writing a verb's result to stdout or to `-o FILE`, and progress to stderr on a terminal. */
import { writeFileSync } from 'node:fs';
import { InputError, inWords } from '../errors.js';

export function emit(text: string, outFile?: string): void {
  if (!outFile || outFile === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(outFile, text);
  } catch (err) {
    throw new InputError(`cannot write output: ${inWords(err)}`, outFile);
  }
}

/** Progress lines for long work; silent when stderr is not a terminal so pipes and CI logs stay clean. */
export function progressReporter(enabled = process.stderr.isTTY === true): (message: string) => void {
  return enabled ? (message) => process.stderr.write(`hostnet: ${message}\n`) : () => {};
}

export function useColor(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}
