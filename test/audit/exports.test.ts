import { describe, expect, it } from 'vitest';

describe('the package exports', () => {
  it("'webrtc-statecharts/audit' and 'webrtc-statecharts/inspector' resolve to the built modules", async () => {
    // Through the package's own name (Node resolves a package's self-reference with its "exports"); not
    // a literal, so that type-checking does not need dist/ to exist.
    const load = (name: string) => import(name);
    const audit = await load('webrtc-statecharts/audit');
    expect(typeof audit.startAudit).toBe('function');
    expect(typeof audit.verifyTrail).toBe('function');
    expect(typeof audit.JsonlSink).toBe('function');
    const inspector = await load('webrtc-statecharts/inspector');
    expect(typeof inspector.startInspector).toBe('function');
    expect(typeof inspector.machineGraph).toBe('function');
  });

  it("'webrtc-statecharts/signaling' gives the server, the Node peer, the codecs and the machines", async () => {
    const load = (name: string) => import(name);
    const signaling = await load('webrtc-statecharts/signaling');
    expect(typeof signaling.SignalingServer).toBe('function');
    expect(typeof signaling.SignalingClient).toBe('function');
    expect(typeof signaling.liveSignalingServers).toBe('function');
    expect(signaling.encodeFrame({ type: 1, id: 1, data: 'true' })).toBe('{"type":1,"id":1,"data":"true"}');
    expect(signaling.encodeTextFrame({ command: 'I', id: 1 })).toBe('I: 1\n');
    expect(signaling.SIGNALING_CLOSES.sealComplete).toEqual({ code: 1000, reason: 'Seal complete' });
    expect([signaling.offersTo(4, 5, 1), signaling.offersTo(4, 1, 5), signaling.offersTo(3, 1, 5)]).toEqual([true, false, true]);
  });
});
