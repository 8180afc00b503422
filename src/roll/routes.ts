/** Stub: replaced by the roll feature. */
import type { AppDeps } from '../deps';
import { newRouter } from '../http/router';

export function rollRoutes(_deps: AppDeps) {
  return newRouter();
}
