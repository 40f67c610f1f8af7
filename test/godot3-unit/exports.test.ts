import { describe, expect, it } from 'vitest';
import * as godot3 from '../../src/godot3/index.js';

describe('webrtc-statecharts/godot3', () => {
  it("exports Godot 3's enums with Godot 3's names and numbers", () => {
    expect(godot3.TransferMode).toEqual({ TRANSFER_MODE_UNRELIABLE: 0, TRANSFER_MODE_UNRELIABLE_ORDERED: 1, TRANSFER_MODE_RELIABLE: 2 });
    expect(godot3.ConnectionStatus).toEqual({ CONNECTION_DISCONNECTED: 0, CONNECTION_CONNECTING: 1, CONNECTION_CONNECTED: 2 });
    expect([godot3.TARGET_PEER_BROADCAST, godot3.TARGET_PEER_SERVER]).toEqual([0, 1]);
    expect(godot3.RPCMode).toEqual({
      RPC_MODE_DISABLED: 0, RPC_MODE_REMOTE: 1, RPC_MODE_MASTER: 2, RPC_MODE_PUPPET: 3, RPC_MODE_REMOTESYNC: 4, RPC_MODE_MASTERSYNC: 5, RPC_MODE_PUPPETSYNC: 6,
    });
    expect(godot3.NetworkCommand).toEqual({ REMOTE_CALL: 0, REMOTE_SET: 1, SIMPLIFY_PATH: 2, CONFIRM_PATH: 3, RAW: 4 });
    expect(godot3.MULTIPLAYER_CHANNELS.map(({ id, label, ordered }) => [id, label, ordered])).toEqual([[1, 'reliable', true], [2, 'ordered', true], [3, 'unreliable', false]]);
    expect(godot3.VariantType.NODE_PATH).toBe(15);
    expect(godot3.VariantType.POOL_COLOR_ARRAY).toBe(26);
  });

  it('has the constants as statics on WebRTCMultiplayer, as GDScript reads them', () => {
    for (const [name, value] of Object.entries({ ...godot3.TransferMode, ...godot3.ConnectionStatus, TARGET_PEER_BROADCAST: 0, TARGET_PEER_SERVER: 1 })) {
      expect((godot3.WebRTCMultiplayer as unknown as Record<string, number>)[name], name).toBe(value);
    }
  });

  it('the built package (dist/godot3/index.js) exports the same', async () => {
    const dist = await import(new URL('../../dist/godot3/index.js', import.meta.url).href);
    expect(dist.TransferMode.TRANSFER_MODE_RELIABLE).toBe(2);
    expect(typeof dist.WebRTCMultiplayer).toBe('function');
    expect(typeof dist.MultiplayerAPI).toBe('function');
    expect(typeof dist.MultiplayerLobbyPeer).toBe('function');
    expect(typeof dist.decodePacket).toBe('function');
  });
});
