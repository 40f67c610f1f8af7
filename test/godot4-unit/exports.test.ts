import { describe, expect, it } from 'vitest';
import * as godot4 from '../../src/godot4/index.js';

describe('webrtc-statecharts/godot4', () => {
  it("exports Godot 4's enums with Godot 4's names and numbers", () => {
    expect(godot4.TransferMode).toEqual({ TRANSFER_MODE_UNRELIABLE: 0, TRANSFER_MODE_UNRELIABLE_ORDERED: 1, TRANSFER_MODE_RELIABLE: 2 });
    expect(godot4.ConnectionStatus).toEqual({ CONNECTION_DISCONNECTED: 0, CONNECTION_CONNECTING: 1, CONNECTION_CONNECTED: 2 });
    expect([godot4.TARGET_PEER_BROADCAST, godot4.TARGET_PEER_SERVER]).toEqual([0, 1]);
    expect(godot4.NetworkCommand).toMatchObject({ REMOTE_CALL: 0, SIMPLIFY_PATH: 1, CONFIRM_PATH: 2, RAW: 3, SPAWN: 4, DESPAWN: 5, SYNC: 6, SYS: 7 });
    expect(godot4.SysCommand).toMatchObject({ AUTH: 0, ADD_PEER: 1, DEL_PEER: 2, RELAY: 3 });
  });

  it('has the constants as statics on WebRTCMultiplayerPeer, as GDScript reads them', () => {
    for (const [name, value] of Object.entries({ ...godot4.TransferMode, ...godot4.ConnectionStatus, TARGET_PEER_BROADCAST: 0, TARGET_PEER_SERVER: 1 })) {
      expect((godot4.WebRTCMultiplayerPeer as unknown as Record<string, number>)[name], name).toBe(value);
    }
  });

  it('the built package (dist/godot4/index.js) exports the same', async () => {
    const dist = await import(new URL('../../dist/godot4/index.js', import.meta.url).href);
    expect(typeof dist.WebRTCMultiplayerPeer).toBe('function');
    expect(typeof dist.SceneMultiplayer).toBe('function');
    expect(typeof dist.MultiplayerLobbyPeer).toBe('function');
    expect(typeof dist.decodeScenePacket).toBe('function');
  });
});
