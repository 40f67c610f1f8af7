import { afterEach } from 'vitest';
import { LibraryEnd, type HostileRemote } from './remote.js';

/** Library ends made by `open()` in a test are stopped, and their remotes killed, after it. */
export function useLibraryEnds(): { open(remote: HostileRemote, options?: ConstructorParameters<typeof LibraryEnd>[1]): LibraryEnd } {
  const ends: LibraryEnd[] = [];
  afterEach(() => {
    for (const end of ends.splice(0)) {
      end.stop();
      end.remote.stop();
    }
  });
  return {
    open(remote, options) {
      const end = new LibraryEnd(remote, options);
      ends.push(end);
      return end;
    },
  };
}
