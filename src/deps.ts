/** What the app is built from. Runtime entry points (server.ts, worker.ts, tests) assemble these. */
import type { Config } from './config';
import type { SessionKeys } from './keys/sessions';
import type { Wrapper } from './keys/wrap';
import type { Mailer } from './mail/types';
import type { Store } from './store/store';

export interface AppDeps {
  store: Store;
  config: Config;
  /** The application clock (epoch ms): event times, token expiry. Frozen in tests. */
  clock: () => number;
  mailer: Mailer;
  wrapper: Wrapper;
  sessions: SessionKeys;
}
