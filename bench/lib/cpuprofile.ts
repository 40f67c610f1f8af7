import { readFileSync } from 'node:fs';

/** A node of a V8 `.cpuprofile` (what `--cpu-prof` writes). */
export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ReadProfile {
  profile: Profile;
  byId: Map<number, ProfileNode>;
  /** Each node's parent id. */
  parent: Map<number, number>;
}

/** Reads a `.cpuprofile` and indexes its nodes by id and by parent. */
export function readCpuProfile(file: string): ReadProfile {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  return { profile, byId, parent };
}

/** A frame's function and where it is, the checkout's and node_modules' prefixes cut. */
export function frameUrl(node: ProfileNode): string {
  return node.callFrame.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'node_modules/').replace(/.*\/work\/main\//, '');
}
