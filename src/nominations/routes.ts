/** Stub: replaced by the nominations feature. */
import type { AppDeps } from '../deps';
import { newRouter } from '../http/router';

export function nominationRoutes(_deps: AppDeps) {
  return newRouter();
}
