/**
 * The audit trail: sinks for the records every connection makes (a JSON Lines file, a
 * callback; the bounded ring is `pc.get_records()`), and their verification by replay through
 * the machines (`npx webrtc-statecharts audit FILE`).
 */
export { startAudit, type Audit, type AuditOptions } from './audit.js';
export { JsonlSink, type JsonlSinkOptions } from './jsonl-sink.js';
export { parseTrail, type ParsedTrail, type TrailEntry, type TrailProblem } from './trail.js';
export { verifyTrail, eventFromRecord, type Verification, type ConnectionLife } from './verify.js';
export { type MultiplayerSummary, type RemoteLife } from './verify-multiplayer.js';
export { formatTimeline } from './timeline.js';
export { runCli } from './cli.js';
export { redactRecord, redactText, redactValue, REDACTED, SECRET_KEYS } from '../records/redact.js';
