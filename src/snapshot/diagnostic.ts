/** A problem with an input that did not stop the analysis: a file that could not be parsed, say. */
export interface Diagnostic {
  /** `path:line`, or the path alone when the problem is the whole file. */
  where: string;
  message: string;
}
