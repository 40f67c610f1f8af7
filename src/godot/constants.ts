/**
 * Godot's enums, with Godot's member names and numeric values.
 * `GodotError` is `@GlobalScope.Error` (only the members this library returns or documents).
 */
export const GodotError = {
  OK: 0,
  FAILED: 1,
  ERR_UNAVAILABLE: 2,
  ERR_UNCONFIGURED: 3,
  ERR_UNAUTHORIZED: 4,
  ERR_PARAMETER_RANGE_ERROR: 5,
  ERR_OUT_OF_MEMORY: 6,
  ERR_FILE_CANT_WRITE: 15,
  ERR_ALREADY_IN_USE: 22,
  ERR_TIMEOUT: 24,
  ERR_CANT_CONNECT: 25,
  ERR_CONNECTION_ERROR: 27,
  ERR_INVALID_DATA: 30,
  ERR_INVALID_PARAMETER: 31,
  ERR_ALREADY_EXISTS: 32,
  ERR_DOES_NOT_EXIST: 33,
  ERR_BUSY: 44,
  ERR_BUG: 47,
} as const;
export type GodotError = (typeof GodotError)[keyof typeof GodotError];

export const ConnectionState = {
  STATE_NEW: 0,
  STATE_CONNECTING: 1,
  STATE_CONNECTED: 2,
  STATE_DISCONNECTED: 3,
  STATE_FAILED: 4,
  STATE_CLOSED: 5,
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

export const GatheringState = {
  GATHERING_STATE_NEW: 0,
  GATHERING_STATE_GATHERING: 1,
  GATHERING_STATE_COMPLETE: 2,
} as const;
export type GatheringState = (typeof GatheringState)[keyof typeof GatheringState];

export const SignalingState = {
  SIGNALING_STATE_STABLE: 0,
  SIGNALING_STATE_HAVE_LOCAL_OFFER: 1,
  SIGNALING_STATE_HAVE_REMOTE_OFFER: 2,
  SIGNALING_STATE_HAVE_LOCAL_PRANSWER: 3,
  SIGNALING_STATE_HAVE_REMOTE_PRANSWER: 4,
  SIGNALING_STATE_CLOSED: 5,
} as const;
export type SignalingState = (typeof SignalingState)[keyof typeof SignalingState];

/** `WebRTCDataChannel.ChannelState`. */
export const ChannelState = {
  STATE_CONNECTING: 0,
  STATE_OPEN: 1,
  STATE_CLOSING: 2,
  STATE_CLOSED: 3,
} as const;
export type ChannelState = (typeof ChannelState)[keyof typeof ChannelState];

/** `WebRTCDataChannel.WriteMode`. */
export const WriteMode = {
  WRITE_MODE_TEXT: 0,
  WRITE_MODE_BINARY: 1,
} as const;
export type WriteMode = (typeof WriteMode)[keyof typeof WriteMode];

/** The name of a GodotError value, for records and messages (`31` → `"ERR_INVALID_PARAMETER"`). */
export function errorName(code: GodotError): keyof typeof GodotError {
  for (const [name, value] of Object.entries(GodotError)) {
    if (value === code) return name as keyof typeof GodotError;
  }
  return 'FAILED';
}
