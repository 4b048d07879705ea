/**
 * The trusted core: keys, tokens, envelope, dispatcher, audit log, supervision.
 * It mints capability tokens and dispatches messages; it knows nothing of what
 * the extensions do.
 *
 * @module
 */
export { Kernel } from './kernel.js';
export type { KernelOptions } from './kernel.js';
export { Port } from './port.js';
export type { Handler, EndpointOptions } from './endpoint.js';
export type { DeadLetter } from './dispatcher.js';
export { Envelope, ExtensionId, parseEnvelope, bodySize, ENVELOPE_VERSION } from './envelope.js';
export { KernelError, ERROR_CODES, fromWire, isErrorCode, isKernelError } from './errors.js';
export type { ErrorCode, ErrorFacts, WireError } from './errors.js';
export { KeyRing } from './keys.js';
export { TokenService } from './tokens.js';
export { ForeignIssuers } from './foreign.js';
export type { ForeignTrust } from './foreign.js';
export type { VerifiedToken } from './token-claims.js';
export { AuditLog } from './audit-log.js';
export { AuditRecord, AuditEntry, AuditAction, redact, GENESIS_HASH } from './audit-record.js';
export { verifyAuditLog, checkLine } from './audit-verify.js';
export type { AuditVerification } from './audit-verify.js';
export type { DenialExplainer, RequestFacts } from './denial.js';
export type { Sandbox, ExtensionPort, CallOptions, LogLevel, SandboxLimits } from './sandbox.js';
export { handling } from './trace.js';
export { RateLimit } from './rate-limit.js';
export { Supervised, DEFAULT_RESTART_POLICY } from './supervisor.js';
export type { RestartPolicy, SupervisedState } from './supervisor.js';
