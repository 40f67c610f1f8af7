import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';

describe('the package root', () => {
  it("exports Godot's classes and enums with Godot's names and numbers", () => {
    expect(root.ConnectionState).toEqual({ STATE_NEW: 0, STATE_CONNECTING: 1, STATE_CONNECTED: 2, STATE_DISCONNECTED: 3, STATE_FAILED: 4, STATE_CLOSED: 5 });
    expect(root.GatheringState).toEqual({ GATHERING_STATE_NEW: 0, GATHERING_STATE_GATHERING: 1, GATHERING_STATE_COMPLETE: 2 });
    expect(root.SignalingState).toEqual({
      SIGNALING_STATE_STABLE: 0,
      SIGNALING_STATE_HAVE_LOCAL_OFFER: 1,
      SIGNALING_STATE_HAVE_REMOTE_OFFER: 2,
      SIGNALING_STATE_HAVE_LOCAL_PRANSWER: 3,
      SIGNALING_STATE_HAVE_REMOTE_PRANSWER: 4,
      SIGNALING_STATE_CLOSED: 5,
    });
    expect(root.ChannelState).toEqual({ STATE_CONNECTING: 0, STATE_OPEN: 1, STATE_CLOSING: 2, STATE_CLOSED: 3 });
    expect(root.WriteMode).toEqual({ WRITE_MODE_TEXT: 0, WRITE_MODE_BINARY: 1 });
    expect(root.GodotError).toMatchObject({
      OK: 0, FAILED: 1, ERR_UNAVAILABLE: 2, ERR_UNCONFIGURED: 3, ERR_UNAUTHORIZED: 4, ERR_PARAMETER_RANGE_ERROR: 5,
      ERR_OUT_OF_MEMORY: 6, ERR_ALREADY_IN_USE: 22, ERR_TIMEOUT: 24, ERR_CANT_CONNECT: 25, ERR_CONNECTION_ERROR: 27, ERR_INVALID_DATA: 30, ERR_INVALID_PARAMETER: 31,
      ERR_ALREADY_EXISTS: 32, ERR_DOES_NOT_EXIST: 33, ERR_BUSY: 44, ERR_BUG: 47,
    });
  });

  it('has the same constants as statics on the classes, as GDScript reads them', () => {
    for (const [name, value] of Object.entries({ ...root.ConnectionState, ...root.GatheringState, ...root.SignalingState })) {
      expect((root.WebRTCPeerConnection as unknown as Record<string, number>)[name], name).toBe(value);
    }
    for (const [name, value] of Object.entries({ ...root.ChannelState, ...root.WriteMode })) {
      expect((root.WebRTCDataChannel as unknown as Record<string, number>)[name], name).toBe(value);
    }
  });

  it('the built package (dist/index.js) exports the same', async () => {
    const dist = await import(new URL('../dist/index.js', import.meta.url).href);
    expect(dist.ConnectionState.STATE_CONNECTED).toBe(2);
    expect(dist.GodotError.ERR_INVALID_PARAMETER).toBe(31);
    expect(dist.WebRTCPeerConnection.STATE_NEW).toBe(0);
    expect(dist.WebRTCDataChannel.STATE_OPEN).toBe(1);
    expect(dist.WebRTCDataChannel.WRITE_MODE_TEXT).toBe(0);
    expect(typeof dist.WebRTCPeerConnection.set_default_extension).toBe('function');
  });
});
