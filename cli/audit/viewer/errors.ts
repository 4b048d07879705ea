/**
 * The audit viewer's errors: a coded base class, so the API answers with a
 * stable `code` (and an HTTP status) and never with a stack or a file path.
 *
 * @module
 */

/** Stable codes of the viewer's API. */
export type ViewerErrorCode = 'E_BAD_QUERY' | 'E_NOT_FOUND' | 'E_FORBIDDEN_HOST' | 'E_INTERNAL';

const STATUS: Readonly<Record<ViewerErrorCode, number>> = { E_BAD_QUERY: 400, E_NOT_FOUND: 404, E_FORBIDDEN_HOST: 403, E_INTERNAL: 500 };

/**
 * A refusal of the viewer's API.
 *
 * @example
 * throw new ViewerError('E_NOT_FOUND', 'no record with seq 42');
 */
export class ViewerError extends Error {
  override readonly name = 'ViewerError';
  readonly code: ViewerErrorCode;

  constructor(code: ViewerErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  /** The HTTP status this error is answered with. */
  get status(): number {
    return STATUS[this.code];
  }

  /** The JSON body of the answer. */
  toJSON(): { error: { code: ViewerErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}
