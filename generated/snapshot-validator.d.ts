// The types of snapshot-validator.js, which `npm run schema` writes (src/snapshot/json-schema.ts).
/** One problem ajv found: where (a JSON Pointer), which keyword, its parameters, and ajv's message. */
export interface ValidationError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
/** True when `data` is a valid snapshot; fills in defaults and drops unknown keys in place. */
export declare function validate(data: unknown): boolean;
export declare namespace validate {
  let errors: ValidationError[] | null | undefined;
}
export default validate;
