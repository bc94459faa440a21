/**
 * Every error sedge throws on purpose is a SedgeError with a stable `code`, so callers (and the CLI,
 * which maps them to exit code 2) can tell bad input from bugs.
 */
export class SedgeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A model file or Model object is malformed: names the file, layer and field where known. */
export class ModelFormatError extends SedgeError {
  constructor(message: string) {
    super('MODEL_FORMAT', message);
  }
}

/** Input audio or arrays are malformed (wrong shape, dtype, sample rate, non-finite values). */
export class InputError extends SedgeError {
  constructor(message: string) {
    super('INPUT', message);
  }
}

/** An argument or option is outside its valid range. */
export class UsageError extends SedgeError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** A data set on disk is unusable (missing folder, a list naming a missing file, a corrupt or too-long clip): names the path. */
export class DataError extends SedgeError {
  readonly path: string;
  constructor(path: string, message: string) {
    super('DATA', `${path}: ${message}`);
    this.path = path;
  }
}

/** An external program that a tool needs is not installed: the message says how to install it. */
export class MissingToolError extends SedgeError {
  constructor(message: string) {
    super('MISSING_TOOL', message);
  }
}

/** An external program (espeak-ng) failed on one input: names the program, its arguments and the input; `signal` when it crashed. */
export class ToolError extends SedgeError {
  constructor(message: string, readonly signal: string | null = null) {
    super('TOOL', message);
  }
}
