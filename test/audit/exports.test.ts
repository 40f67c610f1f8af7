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
});
