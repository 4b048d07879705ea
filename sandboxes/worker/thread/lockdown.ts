/**
 * Imported first by the worker entry (ESM evaluates imports in order, so this
 * runs before any other module of the worker): loads SES and locks down the
 * realm once. Everything imported after this sees frozen intrinsics.
 *
 * @module
 */
import 'ses';

lockdown({
  // Errors keep their stacks out of reach of confined code.
  errorTaming: 'safe',
  // Keep Node's own console for the trusted top level; extensions never get it.
  consoleTaming: 'unsafe',
  // Let Node handle uncaught errors: the worker dies and the host reports E_TARGET_CRASHED.
  errorTrapping: 'none',
  unhandledRejectionTrapping: 'none',
  // Assignments that would hit a frozen prototype property still work on own objects.
  overrideTaming: 'severe',
  stackFiltering: 'concise',
});
