import type { ExtensionFactory } from '../adapters/extension.js';
import { nodeDataChannelExtension } from '../adapters/node-datachannel.js';

/** A registered extension's name (`"node-datachannel"`), or a factory itself. */
export type ExtensionName = string | ExtensionFactory;

const registry = new Map<string, ExtensionFactory>([[nodeDataChannelExtension.name, nodeDataChannelExtension]]);
let current: ExtensionName = nodeDataChannelExtension.name;

/** Makes a factory available to `set_default_extension` by its name. */
export function registerExtension(factory: ExtensionFactory): void {
  registry.set(factory.name, factory);
}

export function setDefaultExtension(extension: ExtensionName): void {
  current = extension;
}

export function defaultExtension(): ExtensionName {
  return current;
}

/** The factory for a name or factory; null for a name nobody registered. */
export function resolveExtension(extension: ExtensionName): ExtensionFactory | null {
  if (typeof extension === 'string') return registry.get(extension) ?? null;
  return extension !== null && typeof extension === 'object' && typeof extension.create === 'function' ? extension : null;
}
